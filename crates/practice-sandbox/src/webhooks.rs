//! Aerona webhooks: registered receivers, and delivery on the vendor's schedule — a first try,
//! then, unless the receiver answered `200`, up to 24 more once an "hour" apart.
//!
//! Deliveries go out over a minimal HTTP/1.1 client on a plain TCP stream (receivers are
//! `http://` URLs, normally on loopback), so the sandbox carries no second HTTP stack.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Aerona retries a failed delivery up to 24 more times.
pub(crate) const WEBHOOK_RETRIES: u32 = 24;

/// How long one delivery attempt may take, from connecting to reading the status line.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// A webhook receiver. Over HTTP (`POST /_sandbox/webhooks`):
/// `{"url": "http://127.0.0.1:9000/hook", "events": ["Appointment"],
///   "secretHeader": {"name": "X-Hook-Secret", "value": "s3cret"}}`, where `events` (default:
/// all three) and `secretHeader` are optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Where events are posted; `http://` only.
    pub url: String,
    /// Which events it wants: `Appointment`, `Patient`, `Treatment` (default: all).
    #[serde(default = "all_events")]
    pub events: Vec<String>,
    /// A header sent with every delivery, for the receiver to check.
    #[serde(default)]
    pub secret_header: Option<SecretHeader>,
}

/// A header name and value sent with every delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SecretHeader {
    /// The header's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

fn all_events() -> Vec<String> {
    ["Appointment", "Patient", "Treatment"]
        .map(str::to_owned)
        .to_vec()
}

impl Webhook {
    /// A receiver of every event at `url`, without a secret header.
    pub fn new(url: impl Into<String>) -> Self {
        Webhook {
            url: url.into(),
            events: all_events(),
            secret_header: None,
        }
    }

    /// Why the sandbox cannot deliver to it, if it cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        let Some(rest) = self.url.strip_prefix("http://") else {
            return Some("url must start with http://".into());
        };
        if rest.is_empty() || rest.starts_with('/') {
            return Some("url has no host".into());
        }
        if self.url.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Some("url has spaces or control characters".into());
        }
        if let Some(h) = &self.secret_header {
            let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if h.name.is_empty() || !h.name.bytes().all(token) {
                return Some("secretHeader.name is not a header name".into());
            }
            if h.value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Some("secretHeader.value has a line break".into());
            }
        }
        if let Some(e) = self
            .events
            .iter()
            .find(|e| !["Appointment", "Patient", "Treatment"].contains(&e.as_str()))
        {
            return Some(format!("unknown event {e:?}"));
        }
        None
    }
}

/// Registered receivers and the delivery loops.
#[derive(Clone)]
pub(crate) struct Webhooks {
    receivers: Arc<Mutex<Vec<Webhook>>>,
    attempts: Arc<AtomicU64>,
    events: Arc<AtomicU64>,
    hour: Duration,
    closed: tokio::sync::watch::Receiver<bool>,
    client: reqwest::Client,
}

impl Webhooks {
    pub(crate) fn new(hour: Duration, closed: tokio::sync::watch::Receiver<bool>) -> Self {
        Webhooks {
            receivers: Default::default(),
            attempts: Default::default(),
            events: Default::default(),
            hour,
            closed,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }

    pub(crate) fn register(&self, webhook: Webhook) {
        self.receivers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(webhook);
    }

    pub(crate) fn clear(&self) {
        self.receivers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub(crate) fn receivers(&self) -> Vec<Webhook> {
        self.receivers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::SeqCst)
    }

    /// A fresh event id (`evt-1`, `evt-2`, …); redeliveries of an event keep its id.
    pub(crate) fn next_event_id(&self) -> String {
        format!("evt-{}", self.events.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Posts `body` (an `event` of that kind) to every receiver that wants it, in the
    /// background, until it answers 200 or the retries run out or the sandbox stops.
    pub(crate) fn deliver(&self, event: &str, body: String) {
        for receiver in self.receivers() {
            if !receiver.events.iter().any(|e| e == event) {
                continue;
            }
            let this = self.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let mut closed = this.closed.clone();
                let headers: Vec<(String, String)> = receiver
                    .secret_header
                    .iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect();
                for attempt in 0..=WEBHOOK_RETRIES {
                    if attempt > 0 {
                        tokio::select! {
                            _ = tokio::time::sleep(this.hour) => {}
                            _ = closed.wait_for(|c| *c) => return,
                        }
                    }
                    if *closed.borrow() {
                        return;
                    }
                    this.attempts.fetch_add(1, Ordering::SeqCst);
                    let sent = tokio::time::timeout(
                        ATTEMPT_TIMEOUT,
                        post(&this.client, &receiver.url, &headers, body.as_bytes()),
                    )
                    .await;
                    if matches!(sent, Ok(Ok(200))) {
                        return;
                    }
                }
            });
        }
    }
}

/// One `POST` of a JSON body; the answer's status code. Redirects are not followed: a vendor
/// delivers to the registered URL only.
pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> reqwest::Result<u16> {
    let mut request = client
        .post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    Ok(request.send().await?.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_are_checked() {
        assert!(Webhook::new("http://127.0.0.1:1/hook").problem().is_none());
        assert!(Webhook::new("https://example.com/hook").problem().is_some());
        assert!(Webhook::new("http:///hook").problem().is_some());
        let mut hook = Webhook::new("http://127.0.0.1:1/");
        hook.secret_header = Some(SecretHeader {
            name: "X-Secret".into(),
            value: "a\r\nInjected: 1".into(),
        });
        assert!(hook.problem().is_some());
        hook.secret_header = None;
        hook.events = vec!["Invoice".into()];
        assert!(hook.problem().is_some());
        let parsed: Webhook = serde_json::from_str(r#"{"url":"http://127.0.0.1:1/"}"#).unwrap();
        assert_eq!(parsed.events.len(), 3);
    }
}
