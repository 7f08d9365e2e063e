//! Settings of the shared HTTP connection pool; the transport (`layer/transport.rs`) builds
//! its reqwest client from them.

use std::path::PathBuf;
use std::time::Duration;

#[cfg(doc)]
use crate::ErrorKind;

/// Settings of the shared HTTP connection pool. Start from [`TransportConfig::default`] and
/// change fields, or use the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TransportConfig {
    /// Time allowed to open a connection (TCP and TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Idle pooled connections are closed after this. Default 90 s.
    pub pool_idle_timeout: Duration,
    /// Answers larger than this are refused, so a broken server cannot exhaust memory.
    /// Default 512 MiB.
    pub max_response_bytes: usize,
    /// PEM files of certificate authorities trusted *in addition to* the platform's store
    /// (a clinic's private CA). Read when the first client of this configuration is built.
    /// Default none.
    pub extra_ca_files: Vec<PathBuf>,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(90),
            max_response_bytes: 512 * 1024 * 1024,
            extra_ca_files: Vec::new(),
        }
    }
}

impl TransportConfig {
    /// The time allowed to open a connection.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long idle pooled connections are kept.
    pub fn with_pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// The largest answer accepted, in bytes.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Trusts the certificate authorities of the PEM file at `path` as well as the platform's
    /// store (one or more `BEGIN CERTIFICATE` blocks). Unlike `SSL_CERT_FILE`, which replaces
    /// the platform's store, this adds to it. A file that cannot be read or holds no
    /// certificate fails the client's `build` with [`ErrorKind::Configuration`].
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.extra_ca_files.push(path.into());
        self
    }
}
