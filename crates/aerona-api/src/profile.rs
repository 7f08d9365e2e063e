//! How Aerona answers errors. Its error bodies are not documented (an assumption recorded in
//! the spec): JSON is read for `message`/`error`/`field`-like members when present, otherwise
//! a short prefix of the raw text is kept.

use practice_core::bytes::Bytes;
use practice_core::http::Response;
use practice_core::serde_json::Value;
use practice_core::{VendorMessage, VendorProfile};

/// The longest raw error text kept in an error.
const MAX_RAW_ERROR: usize = 200;

/// The Aerona vendor profile plugged into the core stack.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AeronaProfile;

/// At most `MAX_RAW_ERROR` characters of a vendor's text.
fn capped(text: &str) -> String {
    text.chars().take(MAX_RAW_ERROR).collect()
}

/// The vendor's messages, each capped: a body of any size is quoted by at most
/// `MAX_RAW_ERROR` characters per message and name (the core masks credentials and tokens in
/// the body before this reads it).
pub(crate) fn error_messages(body: &[u8]) -> Vec<VendorMessage> {
    uncapped_messages(body)
        .into_iter()
        .map(|m| VendorMessage {
            name: m.name.as_deref().map(capped),
            message: capped(&m.message),
        })
        .collect()
}

fn uncapped_messages(body: &[u8]) -> Vec<VendorMessage> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match practice_core::serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let message = ["message", "error", "errorMessage", "detail", "title"]
                .iter()
                .find_map(|k| map.get(*k).map(text));
            let name = ["field", "name", "code", "errorCode"]
                .iter()
                .find_map(|k| map.get(*k).map(text));
            match message {
                Some(message) => vec![VendorMessage { name, message }],
                None if map.is_empty() => Vec::new(),
                None => vec![VendorMessage {
                    name: None,
                    message: Value::Object(map).to_string(),
                }],
            }
        }
        Ok(Value::String(s)) => vec![VendorMessage {
            name: None,
            message: s,
        }],
        Ok(Value::Null) | Ok(Value::Bool(_)) => Vec::new(),
        Ok(other) => vec![VendorMessage {
            name: None,
            message: other.to_string(),
        }],
        Err(_) => {
            let raw = String::from_utf8_lossy(body);
            let raw = raw.trim();
            if raw.is_empty() || raw.starts_with('<') {
                // Empty, or an HTML error page from a proxy: nothing worth quoting.
                return Vec::new();
            }
            vec![VendorMessage {
                name: None,
                message: raw.to_owned(),
            }]
        }
    }
}

impl VendorProfile for AeronaProfile {
    fn name(&self) -> &'static str {
        "aerona"
    }

    fn error_messages(&self, response: &Response<Bytes>) -> Vec<VendorMessage> {
        error_messages(response.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_and_html_error_bodies() {
        let got = error_messages(br#"{"message":"Invalid clinicianId","field":"clinicianId"}"#);
        assert_eq!(got[0].message, "Invalid clinicianId");
        assert_eq!(got[0].name.as_deref(), Some("clinicianId"));
        assert_eq!(
            error_messages(br#""Token expired""#)[0].message,
            "Token expired"
        );
        assert_eq!(error_messages(b"Token expired")[0].message, "Token expired");
        assert!(error_messages(b"<html><body>502</body></html>").is_empty());
        assert!(error_messages(b"").is_empty());
        let long = "x".repeat(1000);
        assert_eq!(
            error_messages(long.as_bytes())[0].message.len(),
            MAX_RAW_ERROR
        );
        for body in [
            format!(r#"{{"message":"{long}","field":"{long}"}}"#),
            format!(r#"{{"nested":{{"deep":["{long}"]}}}}"#),
            format!(r#""{long}""#),
            format!("[\"{long}\"]"),
        ] {
            for m in error_messages(body.as_bytes()) {
                assert!(m.message.chars().count() <= MAX_RAW_ERROR, "{body}");
                assert!(m.name.map_or(0, |n| n.chars().count()) <= MAX_RAW_ERROR);
            }
        }
    }
}
