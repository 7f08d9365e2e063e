//! What a reqwest failure means, in words a user can act on: the phase that failed
//! ([`TransportPhase`]), the host and port, and the cause (`connection refused`, `could not
//! resolve no-such-host.invalid`, `certificate expired on 2024-01-01T00:00:00Z`, ...).
//!
//! The message is made only from the phase, the target and the kind of the cause, never from
//! the operating system's or reqwest's own wording (which may name the URL, and so ids), so
//! the same failure reads the same on every run; reqwest's error stays the source.

use std::fmt;

use http::Uri;

use crate::error::{Dispatch, Error, ErrorKind, TransportPhase};

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
        return (TransportPhase::TlsHandshake, tls_cause(tls, target));
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
    // native-tls (or a TLS error not recognised above): its library's wording is all there is.
    if let Some(tls) = links(err).map(|e| e.to_string()).find(|text| {
        let text = text.to_ascii_lowercase();
        ["certificate", "handshake", "ssl", "tls"]
            .iter()
            .any(|word| text.contains(word))
    }) {
        return (TransportPhase::TlsHandshake, tls);
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

/// A failed TLS handshake in words. rustls's own `Display` and its context fields are made
/// of `Debug` forms (`DnsName("…")`, `AlertReceived(UnknownCA)`): none reaches the line.
#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
fn tls_cause(err: &rustls::Error, target: &Target) -> String {
    use rustls::{AlertDescription, CertificateError, Error as Tls, PeerIncompatible};

    const NEED: &str = "TLS 1.2 or 1.3 is required";
    let named = |debug: &dyn fmt::Debug| words_of(&format!("{debug:?}"));
    match err {
        Tls::InvalidCertificate(cert) => match cert {
            CertificateError::Expired => "certificate has expired".to_owned(),
            CertificateError::ExpiredContext { not_after, .. } => {
                format!("certificate expired on {}", instant(not_after.as_secs()))
            }
            CertificateError::NotValidYet => "certificate is not valid yet".to_owned(),
            CertificateError::NotValidYetContext { not_before, .. } => format!(
                "certificate is not valid before {}",
                instant(not_before.as_secs())
            ),
            CertificateError::NotValidForName => {
                format!("certificate is not valid for {}", target.host)
            }
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<String> = presented.iter().filter_map(|n| name_of(n)).collect();
                let mut shown: Vec<&str> = names.iter().map(String::as_str).take(3).collect();
                if names.len() > 3 {
                    shown.push("…");
                }
                if shown.is_empty() {
                    format!("certificate is not valid for {}", target.host)
                } else {
                    format!(
                        "certificate is not valid for {} (it is for {})",
                        target.host,
                        shown.join(", ")
                    )
                }
            }
            CertificateError::UnknownIssuer => {
                "certificate issued by an unknown authority".to_owned()
            }
            CertificateError::Revoked => "certificate has been revoked".to_owned(),
            CertificateError::BadSignature => "certificate has a bad signature".to_owned(),
            CertificateError::BadEncoding => "certificate is malformed".to_owned(),
            CertificateError::Other(other) => format!("certificate refused: {other}"),
            other => format!("certificate refused ({})", named(other)),
        },
        // A server answering with TLS 1.0 or 1.1, or (OpenSSL's way) refusing the 1.2 and 1.3
        // we offer with a protocol_version alert: either way, it has only older versions.
        // The exact reply stays in the source chain.
        Tls::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13)
        | Tls::AlertReceived(AlertDescription::ProtocolVersion) => {
            format!("the server offers only TLS 1.1 or older; {NEED}")
        }
        Tls::AlertReceived(AlertDescription::Unknown(code)) => {
            format!("the server ended the handshake (alert {code})")
        }
        Tls::AlertReceived(alert) => {
            format!("the server ended the handshake ({} alert)", named(alert))
        }
        Tls::PeerIncompatible(why) => {
            format!("the server's TLS is incompatible ({})", named(why))
        }
        Tls::PeerMisbehaved(why) => format!("the server broke the TLS protocol ({})", named(why)),
        Tls::InvalidMessage(_)
        | Tls::InappropriateMessage { .. }
        | Tls::InappropriateHandshakeMessage { .. } => {
            "the server sent an unexpected or malformed TLS message".to_owned()
        }
        Tls::NoCertificatesPresented => "the server presented no certificate".to_owned(),
        Tls::InvalidCertRevocationList(why) => {
            format!("certificate revocation list refused ({})", named(why))
        }
        Tls::InvalidEncryptedClientHello(why) => {
            format!("encrypted client hello failed ({})", named(why))
        }
        Tls::InconsistentKeys(why) => format!("inconsistent TLS keys ({})", named(why)),
        // The remaining variants' Display is plain words.
        other => other.to_string(),
    }
}

/// A name a certificate is for, from webpki's `Debug` of it (`DnsName("a.example")`,
/// `IpAddress(10.0.0.1)`, `UniformResourceIdentifier("…")`, or the bare name); `None` for
/// a directory name or an unsupported kind, which name no host. The text comes from the
/// server: only printable ASCII without spaces or quotes is shown.
#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
fn name_of(presented: &str) -> Option<String> {
    let inner = ["DnsName(\"", "UniformResourceIdentifier(\""]
        .iter()
        .find_map(|open| presented.strip_prefix(open)?.strip_suffix("\")"))
        .or_else(|| presented.strip_prefix("IpAddress(")?.strip_suffix(')'))
        .unwrap_or(presented);
    let plain = !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '(' | ')' | '{' | '}'));
    (plain && inner != "DirectoryName").then(|| inner.to_owned())
}

/// The leading identifier of a `Debug` form in words: `UnknownCA` → `unknown CA`,
/// `ServerDoesNotSupportTls12Or13` → `server does not support TLS 12 or 13`; fields dropped.
#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
fn words_of(debug: &str) -> String {
    let ident: Vec<char> = debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in ident.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| ident.get(p)).copied();
        let next = ident.get(i.saturating_add(1)).copied();
        let starts = match prev {
            None => false,
            Some(p) => {
                (c.is_ascii_uppercase() && (p.is_ascii_lowercase() || p.is_ascii_digit()))
                    || (c.is_ascii_digit() && !p.is_ascii_digit())
                    // The last capital of an acronym starts the next word: `PSKIdentity`.
                    || (c.is_ascii_uppercase()
                        && p.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase()))
            }
        };
        if starts && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    if words.is_empty() {
        return "unrecognised".to_owned();
    }
    words
        .iter()
        .map(|w| {
            let acronym = w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase());
            if acronym {
                w.clone()
            } else if w.eq_ignore_ascii_case("tls") {
                "TLS".to_owned()
            } else {
                w.to_ascii_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seconds since 1970 as an RFC 3339 instant (UTC), or the number when out of range.
#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
fn instant(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{secs} s after 1970"))
}

#[cfg(all(test, any(feature = "rustls", feature = "rustls-ring")))]
mod tests {
    use super::*;

    #[test]
    fn debug_forms_read_as_words() {
        assert_eq!(words_of("UnknownCA"), "unknown CA");
        assert_eq!(words_of("UnknownPSKIdentity"), "unknown PSK identity");
        assert_eq!(words_of("HandshakeFailure"), "handshake failure");
        assert_eq!(
            words_of("ServerDoesNotSupportTls12Or13"),
            "server does not support TLS 12 or 13"
        );
        assert_eq!(words_of("Other(OtherError(\"x\"))"), "other");
        assert_eq!(words_of("{ }"), "unrecognised");
    }

    #[test]
    fn certificate_names_lose_their_debug_wrapping() {
        assert_eq!(
            name_of("DnsName(\"other.example\")").as_deref(),
            Some("other.example")
        );
        assert_eq!(name_of("IpAddress(10.0.0.1)").as_deref(), Some("10.0.0.1"));
        assert_eq!(
            name_of("UniformResourceIdentifier(\"spiffe://x/y\")").as_deref(),
            Some("spiffe://x/y")
        );
        assert_eq!(name_of("plain.example").as_deref(), Some("plain.example"));
        assert_eq!(name_of("DirectoryName"), None);
        assert_eq!(name_of("Unsupported(0x88)"), None);
        assert_eq!(name_of("DnsName(\"a b\")"), None);
    }
}
