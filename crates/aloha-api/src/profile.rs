//! How Aloha answers errors, and what its headers say about the daily budget.
//!
//! * Error bodies are `{status, message, errors}` where `errors` is an array of
//!   `{name, message}` — or, as the vendor's overview puts it, an object. Both are read.
//! * `429` means "rate limit exceeded" **or** "you are not hitting the correct URL": the
//!   message decides. A wrong URL is reported as [`ErrorKind::NotFound`], never retried.
//! * The reset instant of a rate limit comes from `X-RateLimit-Reset`, or failing that from
//!   the message's "retry at &lt;epoch&gt;".

use practice_core::bytes::Bytes;
use practice_core::headers::{ServerQuota, until_epoch};
use practice_core::http::{Response, StatusCode};
use practice_core::{ErrorKind, Failure, ResponseReading, VendorMessage, VendorProfile};
use serde::Deserialize;

/// The Aloha vendor profile plugged into the core stack.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AlohaProfile;

#[derive(Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<Box<practice_core::serde_json::value::RawValue>>,
}

/// `errors` in the order the vendor wrote it (serde_json's own map would sort the keys).
enum Errors {
    List(Vec<practice_core::serde_json::Value>),
    Named(indexmap::IndexMap<String, practice_core::serde_json::Value>),
    Text(String),
    Other,
}

fn read_errors(raw: &str) -> Errors {
    use practice_core::serde_json::from_str;
    if let Ok(list) = from_str(raw) {
        Errors::List(list)
    } else if let Ok(map) = from_str(raw) {
        Errors::Named(map)
    } else if let Ok(text) = from_str(raw) {
        Errors::Text(text)
    } else {
        Errors::Other
    }
}

/// The vendor's messages from an error body, whichever form `errors` takes.
pub(crate) fn error_messages(body: &[u8]) -> Vec<VendorMessage> {
    use practice_core::serde_json::Value;
    let Ok(envelope) = practice_core::serde_json::from_slice::<ErrorEnvelope>(body) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match envelope
        .errors
        .as_deref()
        .map_or(Errors::Other, |raw| read_errors(raw.get()))
    {
        Errors::List(items) => {
            for item in items {
                match item {
                    Value::Object(map) => out.push(VendorMessage {
                        name: map.get("name").map(text),
                        message: map.get("message").map(text).unwrap_or_default(),
                    }),
                    other => out.push(VendorMessage {
                        name: None,
                        message: text(&other),
                    }),
                }
            }
        }
        Errors::Named(map) => {
            if map.contains_key("message") && map.len() <= 2 {
                out.push(VendorMessage {
                    name: map.get("name").map(text),
                    message: map.get("message").map(text).unwrap_or_default(),
                });
            } else {
                for (name, value) in map {
                    match value {
                        Value::Array(items) => out.extend(items.iter().map(|m| VendorMessage {
                            name: Some(name.clone()),
                            message: text(m),
                        })),
                        other => out.push(VendorMessage {
                            name: Some(name),
                            message: text(&other),
                        }),
                    }
                }
            }
        }
        Errors::Text(s) => out.push(VendorMessage {
            name: None,
            message: s,
        }),
        Errors::Other => {}
    }
    if out.is_empty()
        && let Some(message) = envelope.message
    {
        out.push(VendorMessage {
            name: None,
            message,
        });
    }
    out
}

/// What a 429 means.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TooMany {
    RateLimited { retry_at_epoch: Option<u64> },
    WrongUrl,
}

pub(crate) fn classify_429(messages: &[VendorMessage]) -> TooMany {
    let mut retry_at_epoch = None;
    let mut says_rate_limit = false;
    let mut says_url = false;
    for m in messages {
        let lower = m.message.to_ascii_lowercase();
        let name = m.name.as_deref().unwrap_or("").to_ascii_lowercase();
        if name.contains("ratelimit") || lower.contains("rate limit") || lower.contains("too many")
        {
            says_rate_limit = true;
        }
        if lower.contains("url") || lower.contains("endpoint") || lower.contains("route") {
            says_url = true;
        }
        if let Some(at) = lower.split("retry at").nth(1) {
            let digits: String = at
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            retry_at_epoch = digits.parse().ok().or(retry_at_epoch);
        }
    }
    if says_url && !says_rate_limit {
        TooMany::WrongUrl
    } else {
        TooMany::RateLimited { retry_at_epoch }
    }
}

impl VendorProfile for AlohaProfile {
    fn name(&self) -> &'static str {
        "aloha"
    }

    fn error_messages(&self, response: &Response<Bytes>) -> Vec<VendorMessage> {
        error_messages(response.body())
    }

    /// The standard reading, except for a 429: its body (parsed once, here) says whether it
    /// is a rate limit or a wrong URL, and a rate limit's reset comes from `X-RateLimit-Reset`
    /// or else the message's "retry at <epoch>" (a `Retry-After` header is not used).
    fn read(&self, response: &Response<Bytes>) -> ResponseReading {
        let mut reading = self.standard_read(response);
        if response.status() != StatusCode::TOO_MANY_REQUESTS {
            return reading;
        }
        match classify_429(&reading.messages) {
            TooMany::WrongUrl => {
                reading.transient = false;
                reading.retry_after = None;
                reading.failure = Some(Failure::new(
                    ErrorKind::NotFound,
                    "the vendor answered 429 for a wrong URL; check the base URL",
                ));
            }
            TooMany::RateLimited { retry_at_epoch } => {
                let from_message = retry_at_epoch.map(until_epoch);
                reading.retry_after = match &reading.server_quota {
                    Some(quota) => Some(quota.reset_in),
                    None => from_message,
                };
                // A 429 without headers still tells us the budget is spent, and until when.
                if reading.server_quota.is_none()
                    && let Some(reset_in) = from_message
                {
                    reading.server_quota = Some(ServerQuota {
                        limit: None,
                        remaining: 0,
                        reset_in,
                    });
                }
            }
        }
        reading
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_as_an_array_or_an_object() {
        let array = br#"{"status":400,"message":"Validation failed","errors":[{"name":"startDate","message":"is required"},{"name":"endDate","message":"is required"}]}"#;
        let got = error_messages(array);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].name.as_deref(), Some("startDate"));
        assert_eq!(got[1].message, "is required");

        let object = br#"{"status":400,"message":"Validation failed","errors":{"startDate":"must be YYYY-MM-DD","endDate":["is required","must follow startDate"]}}"#;
        let got = error_messages(object);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].name.as_deref(), Some("startDate"));
        assert_eq!(got[0].message, "must be YYYY-MM-DD");
        assert_eq!(got[2].message, "must follow startDate");

        let single = br#"{"status":401,"message":"Unauthorized","errors":{"name":"AuthError","message":"token expired"}}"#;
        assert_eq!(error_messages(single)[0].message, "token expired");

        let empty = br#"{"status":403,"message":"Forbidden","errors":{}}"#;
        assert_eq!(error_messages(empty)[0].message, "Forbidden");

        assert!(error_messages(b"<html>502 Bad Gateway</html>").is_empty());
    }

    #[test]
    fn the_two_meanings_of_429() {
        let limit = error_messages(
            br#"{"status":429,"message":"Too Many Requests","errors":[{"name":"RateLimitError","message":"Rate Limit exceeded. Please retry at 1716595200"}]}"#,
        );
        assert_eq!(
            classify_429(&limit),
            TooMany::RateLimited {
                retry_at_epoch: Some(1_716_595_200)
            }
        );

        let url = error_messages(
            br#"{"status":429,"message":"Too Many Requests","errors":[{"name":"NotFound","message":"You are not hitting the correct URL"}]}"#,
        );
        assert_eq!(classify_429(&url), TooMany::WrongUrl);

        assert_eq!(
            classify_429(&[]),
            TooMany::RateLimited {
                retry_at_epoch: None
            }
        );
    }
}
