//! Where on the way to the vendor a request failed, for [`ErrorKind::Transport`] and
//! [`ErrorKind::Timeout`](super::ErrorKind::Timeout) errors made by the transport.

use std::fmt;

#[cfg(doc)]
use super::ErrorKind;

/// The step of a request that failed before the vendor answered. Read it with
/// [`Error::transport_phase`](super::Error::transport_phase); the vendor's own answers
/// (an error status) carry [`Error::status`](super::Error::status) instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportPhase {
    /// Looking the host's name up (DNS). Not retried: the same name resolves the same way.
    Resolving,
    /// Opening the TCP connection (refused, unreachable, timed out). Nothing was sent;
    /// retried.
    Connecting,
    /// The TLS handshake (certificate expired, for another name, from an unknown authority;
    /// no common protocol version). Nothing was sent. Not retried: it fails the same way
    /// each time.
    TlsHandshake,
    /// Sending the request or waiting for the answer's head: the request may have arrived.
    Sending,
    /// Reading the answer's body: the vendor has answered, the rest is lost.
    Reading,
}

impl TransportPhase {
    /// The words before the host in a message: `connecting to 127.0.0.1:9`.
    pub(crate) fn words(self) -> &'static str {
        match self {
            TransportPhase::Resolving => "resolving",
            TransportPhase::Connecting => "connecting to",
            TransportPhase::TlsHandshake => "TLS handshake with",
            TransportPhase::Sending => "sending the request to",
            TransportPhase::Reading => "reading the answer from",
        }
    }

    /// Whether another try can succeed where this one failed: name resolution and TLS
    /// handshakes fail the same way each time (a wrong name, an expired certificate), so
    /// retrying them only delays the error.
    pub fn is_deterministic(self) -> bool {
        matches!(
            self,
            TransportPhase::Resolving | TransportPhase::TlsHandshake
        )
    }
}

impl fmt::Display for TransportPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportPhase::Resolving => "resolving",
            TransportPhase::Connecting => "connecting",
            TransportPhase::TlsHandshake => "TLS handshake",
            TransportPhase::Sending => "sending",
            TransportPhase::Reading => "reading",
        })
    }
}
