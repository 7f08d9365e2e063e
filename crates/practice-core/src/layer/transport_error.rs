//! What a reqwest failure means, in words a user can act on: the phase that failed
//! ([`TransportPhase`]), the host and port, and the cause (`connection refused`, `could not
//! resolve no-such-host.invalid`, `certificate expired on 2024-01-01T00:00:00Z`, ...).
//!
//! The message is made only from the phase, the target and the kind of the cause, never from
//! the operating system's or reqwest's own wording (which may name the URL, and so ids), so
//! the same failure reads the same on every run; reqwest's error stays the source.
//! A TLS handshake's cause is worded in `tls_cause` (under `native-tls`, from the only thing
//! the platform's library gives: its text).

use std::fmt;

use http::Uri;

use crate::error::{Dispatch, Error, ErrorKind, TransportPhase};
use crate::layer::tls_cause;

/// The host and port a request goes to, for messages.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    host: String,
    port: u16,
}

impl Target {
    pub(crate) fn of(uri: &Uri) -> Self {
        let https = uri.scheme_str() == Some("https");
        Target {
            host: uri.host().unwrap_or("the server").to_owned(),
            port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Maps a reqwest failure. `reading`: the answer's head had come, the body was being read.
/// Only the steps before the request was written (resolving, connecting, the TLS handshake)
/// prove that it never left.
pub(crate) fn classify(err: reqwest::Error, target: &Target, reading: bool) -> Error {
    let (kind, phase, cause) = if err.is_connect() {
        let (phase, cause) = connect_cause(&err, target);
        (ErrorKind::Transport, phase, cause)
    } else if err.is_timeout() {
        let phase = if reading {
            TransportPhase::Reading
        } else {
            TransportPhase::Sending
        };
        (
            ErrorKind::Timeout,
            phase,
            "the server did not answer in time".to_owned(),
        )
    } else if reading || err.is_body() || err.is_decode() {
        let cause = io_cause(&err).unwrap_or("the connection broke while reading the answer");
        (
            ErrorKind::Transport,
            TransportPhase::Reading,
            cause.to_owned(),
        )
    } else {
        let cause = io_cause(&err)
            .unwrap_or("the connection closed before an answer came")
            .to_owned();
        (ErrorKind::Transport, TransportPhase::Sending, cause)
    };
    let dispatch = match phase {
        TransportPhase::Resolving | TransportPhase::Connecting | TransportPhase::TlsHandshake => {
            Dispatch::NotSent
        }
        TransportPhase::Sending | TransportPhase::Reading => Dispatch::MaybeSent,
    };
    // reqwest's Display may include the URL, which can carry ids; keep it as the source only.
    Error::new(kind, format!("{} {target}: {cause}", phase.words()))
        .with_dispatch(dispatch)
        .with_phase(phase)
        .with_source(err.without_url())
}

/// Every error of the chain under `err`, and for an `io::Error` the error it wraps (which
/// `io::Error::source` skips).
fn links<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut next = Some(err);
    std::iter::from_fn(move || {
        let this = next?;
        next = match this.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => this.source(),
            },
            None => this.source(),
        };
        Some(this)
    })
}

/// The phase and cause of a failure to open the connection.
fn connect_cause(err: &reqwest::Error, target: &Target) -> (TransportPhase, String) {
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    if let Some(tls) = links(err).find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return (
            TransportPhase::TlsHandshake,
            tls_cause::rustls(tls, &target.host),
        );
    }
    // hyper-util names its resolver's failures so; the resolver's own text differs by
    // platform and is left to the source.
    if links(err).any(|e| e.to_string() == "dns error") {
        return (
            TransportPhase::Resolving,
            format!("could not resolve {}", target.host),
        );
    }
    if let Some(cause) = io_cause(err) {
        return (TransportPhase::Connecting, cause.to_owned());
    }
    if err.is_timeout() {
        return (
            TransportPhase::Connecting,
            "no connection within the connect timeout (TransportConfig::connect_timeout)"
                .to_owned(),
        );
    }
    // native-tls (or a TLS error not recognised above): only its library's wording tells.
    if let Some(tls) = links(err).map(|e| e.to_string()).find(|text| {
        let text = text.to_ascii_lowercase();
        ["certificate", "handshake", "ssl", "tls"]
            .iter()
            .any(|word| text.contains(word))
    }) {
        return (
            TransportPhase::TlsHandshake,
            tls_cause::from_library_text(&tls, &target.host),
        );
    }
    (
        TransportPhase::Connecting,
        "the connection could not be opened".to_owned(),
    )
}

/// The cause of a socket error, when the chain holds one.
fn io_cause(err: &reqwest::Error) -> Option<&'static str> {
    use std::io::ErrorKind as Io;
    let io = links(err).find_map(|e| e.downcast_ref::<std::io::Error>())?;
    Some(match io.kind() {
        Io::ConnectionRefused => "connection refused",
        Io::ConnectionReset => "the connection was reset by the server",
        Io::ConnectionAborted => "the connection was aborted",
        Io::BrokenPipe => "the connection was closed by the server",
        Io::UnexpectedEof => "the connection closed before the answer was complete",
        Io::TimedOut => "the connection timed out",
        Io::NetworkUnreachable => "the network is unreachable",
        Io::HostUnreachable => "the host is unreachable",
        Io::AddrNotAvailable => "the address is not available",
        Io::PermissionDenied => "the connection was not permitted",
        _ => return None,
    })
}
