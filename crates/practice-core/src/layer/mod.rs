//! The tower layers, one per file, from the outermost to the transport: `retry`, `trace`
//! (per try), `auth`, `quota`, the per-try timeout's error (`timeout`), the default headers
//! (`default_headers`), the one reading of each answer (`read`) and the `transport`. They are joined into
//! [`TransportService`](crate::TransportService)s, the erased service of `crate::service`.
//!
//! Layers consult policies, state and shared words that live outside this folder (`auth`,
//! `quota`, `retry`, `vendor`, `headers`, `request`, `service`); none of those imports a
//! layer.

pub(crate) mod auth;
pub(crate) mod default_headers;
pub(crate) mod quota;
pub(crate) mod read;
pub(crate) mod retry;
pub(crate) mod timeout;
/// A failed TLS handshake in words (rustls's error, or the platform library's text).
pub(crate) mod tls_cause;
pub(crate) mod trace;
pub mod transport;
/// The transport's failures in words (phase, host, cause).
pub(crate) mod transport_error;
