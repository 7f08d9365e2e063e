//! A failed TLS handshake in words a user can act on (`certificate expired on …`,
//! `certificate is not valid for localhost (it is for other.example)`, `certificate issued by
//! an unknown authority`, `the server offers only TLS 1.1 or older; …`), from rustls's error,
//! or from the text of the platform's library under the `native-tls` feature. The library's
//! own wording and `Debug` forms stay in the error's source chain, never on the first line.
// Names and times come from the server's certificate: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
use std::fmt;

/// A server that has only TLS 1.1 or older (we offer 1.2 and 1.3).
const LEGACY_ONLY: &str = "the server offers only TLS 1.1 or older; TLS 1.2 or 1.3 is required";

/// A handshake rustls refused, in words. rustls's own `Display` and its context fields are made
/// of `Debug` forms (`DnsName("…")`, `AlertReceived(UnknownCA)`): none reaches the line.
#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
pub(crate) fn rustls(err: &rustls::Error, host: &str) -> String {
    use rustls::{AlertDescription, CertificateError, Error as Tls, PeerIncompatible};

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
                format!("certificate is not valid for {}", host)
            }
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<String> = presented.iter().filter_map(|n| name_of(n)).collect();
                let mut shown: Vec<&str> = names.iter().map(String::as_str).take(3).collect();
                if names.len() > 3 {
                    shown.push("…");
                }
                if shown.is_empty() {
                    format!("certificate is not valid for {}", host)
                } else {
                    format!(
                        "certificate is not valid for {} (it is for {})",
                        host,
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
        | Tls::AlertReceived(AlertDescription::ProtocolVersion) => LEGACY_ONLY.to_owned(),
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

/// A handshake the platform's TLS library (native-tls) refused, from its error's text, which
/// is all it gives: OpenSSL's verify results and alerts read as rustls's errors do (without
/// the dates and names only rustls reports); any other OpenSSL error is its reason, without
/// the error code, function and source line; another library's text is kept as it is.
pub(crate) fn from_library_text(text: &str, host: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let says = |phrases: &[&str]| phrases.iter().any(|p| lower.contains(p));
    if says(&["hostname mismatch", "ip address mismatch"]) {
        format!("certificate is not valid for {host}")
    } else if says(&["certificate has expired"]) {
        "certificate has expired".to_owned()
    } else if says(&["certificate is not yet valid"]) {
        "certificate is not valid yet".to_owned()
    } else if says(&[
        "unable to get local issuer certificate",
        "unable to get issuer certificate",
        "unable to verify the first certificate",
        "self-signed certificate",
        "self signed certificate",
    ]) {
        "certificate issued by an unknown authority".to_owned()
    } else if says(&["certificate revoked"]) {
        "certificate has been revoked".to_owned()
    } else if says(&["alert protocol version", "unsupported protocol"]) {
        // The server refused our 1.2 and 1.3 (its alert), or chose an older one (OpenSSL's).
        LEGACY_ONLY.to_owned()
    } else {
        openssl_reason(text).unwrap_or_else(|| text.to_owned())
    }
}

/// The reason of an OpenSSL error (`error:0A000086:SSL routines:func:reason:file:line:…`),
/// with native-tls's verify result in brackets after it when there is one.
fn openssl_reason(text: &str) -> Option<String> {
    let first = text.strip_prefix("error:")?;
    let reason = first.split(':').nth(3).filter(|r| !r.is_empty())?;
    let verify = text
        .rsplit_once(" (")
        .and_then(|(_, tail)| tail.strip_suffix(')'))
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    Some(format!("{reason}{verify}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
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
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
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

    /// OpenSSL 3's texts, as native-tls shows them.
    #[test]
    fn openssl_failures_read_as_rustls_ones_do() {
        let verify = "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889:";
        let read = |tail: &str| from_library_text(&format!("{verify} ({tail})"), "localhost");
        assert_eq!(
            read("hostname mismatch"),
            "certificate is not valid for localhost"
        );
        assert_eq!(read("certificate has expired"), "certificate has expired");
        assert_eq!(
            read("unable to get local issuer certificate"),
            "certificate issued by an unknown authority"
        );
        assert_eq!(
            read("self-signed certificate"),
            "certificate issued by an unknown authority"
        );
        assert_eq!(
            read("unsuitable certificate purpose"),
            "certificate verify failed (unsuitable certificate purpose)"
        );
        assert_eq!(
            from_library_text(
                "error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70",
                "localhost"
            ),
            LEGACY_ONLY
        );
        assert_eq!(
            from_library_text("error:0A000102:SSL routines::unsupported protocol", "h"),
            LEGACY_ONLY
        );
        assert_eq!(
            from_library_text("error:0A00010B:SSL routines::wrong version number", "h"),
            "wrong version number"
        );
        // Another platform's library: its words as they are.
        assert_eq!(
            from_library_text("The certificate was not trusted.", "h"),
            "The certificate was not trusted."
        );
    }
}
