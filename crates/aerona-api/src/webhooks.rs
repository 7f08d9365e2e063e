//! Receiving Aerona webhooks.
//!
//! Aerona posts events about Patient, Appointment and Treatment objects to an HTTPS URL of
//! yours. Anything but a `200` — or no answer — makes it try again, once an hour, up to 24
//! more times, so the same event can arrive many times. The vendor documents neither the
//! payload nor a signature (both assumptions are recorded in the spec), so:
//!
//! * [`DeliveryCheck`] checks a delivery — a shared secret you choose (a path token or a
//!   header) and a size limit — apart from parsing, so raw deliveries can be stored and parsed
//!   later;
//! * [`WebhookEvent::parse`] reads the kind of object when it can and keeps the whole payload
//!   as JSON; a payload of a shape we do not know is kept whole, never rejected;
//! * [`WebhookReceiver`] is a tower `Service` (mount it in axum or hyper) that checks, answers
//!   `200` quickly, deduplicates redeliveries through a [`DedupStore`] (in memory by default,
//!   kept 25 hours), and hands each new delivery to your [`WebhookHandler`].
//!
//! ```no_run
//! # async fn run() {
//! use aerona_api::webhooks::{Delivery, DeliveryCheck, HandlerOutcome, WebhookEvent, WebhookReceiver};
//!
//! let receiver = WebhookReceiver::new(
//!     DeliveryCheck::new().path_token("long-random-token"),
//!     |delivery: Delivery| async move {
//!         match WebhookEvent::parse(delivery.body()) {
//!             Ok(WebhookEvent::Appointment(event)) => println!("appointment event: {:?}", event.action),
//!             Ok(other) => println!("other event: {:?}", other.kind()),
//!             Err(err) => eprintln!("{err}"),
//!         }
//!         HandlerOutcome::Done
//!     },
//! );
//! let app = axum::Router::new().route_service("/hooks/aerona/{token}", receiver);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use practice_core::auth::BoxFuture;
use practice_core::bytes::Bytes;
pub use practice_core::http::HeaderName;
use practice_core::http::{Request, Response, StatusCode};
use practice_core::wire::OpenRecord;
use practice_core::{BoxError, Error, ErrorKind, Secret};
use tokio::time::Instant;

/// Redeliveries arrive for up to 24 hours; keep what was seen a little longer.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(25 * 3600);
/// The default limit on a delivery's size.
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

/// One delivery as received, after its checks. Cheap to clone; store it raw if you like.
#[derive(Clone)]
pub struct Delivery {
    body: Bytes,
    dedup_key: String,
}

impl Delivery {
    /// Wraps a raw body (for example one stored earlier).
    pub fn from_body(body: Bytes) -> Self {
        let dedup_key = dedup_key(&body);
        Delivery { body, dedup_key }
    }

    /// The body exactly as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The key under which redeliveries of this delivery are recognised.
    pub fn dedup_key(&self) -> &str {
        &self.dedup_key
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body is patient data: length only.
        f.debug_struct("Delivery")
            .field("bytes", &self.body.len())
            .field("dedup_key", &self.dedup_key)
            .finish()
    }
}

/// A redelivery carries the same body; the key is a stable 64-bit FNV-1a digest of it plus its
/// length (stable across processes and versions, so a shared store works).
fn dedup_key(body: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("aerona-webhook:{hash:016x}:{}", body.len())
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The shared secret was missing or wrong (answered 404, so the URL reveals nothing).
    BadSecret,
    /// The body was over the size limit (answered 413).
    TooLarge,
    /// Not a POST (answered 405).
    WrongMethod,
    /// The body could not be read (answered 400).
    Unreadable,
}

impl Rejection {
    fn status(&self) -> StatusCode {
        match self {
            Rejection::BadSecret => StatusCode::NOT_FOUND,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::WrongMethod => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::Unreadable => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Clone)]
enum SharedSecret {
    PathToken(Secret),
    Header(HeaderName, Secret),
}

/// Checks a delivery: method, shared secret and size. Parsing is separate.
#[derive(Clone)]
pub struct DeliveryCheck {
    secret: Option<SharedSecret>,
    max_body: usize,
}

impl Default for DeliveryCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl DeliveryCheck {
    /// No secret, [`DEFAULT_MAX_BODY`].
    pub fn new() -> Self {
        DeliveryCheck {
            secret: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Requires the URL path's last segment to equal `token` (configure Aerona with
    /// `https://you.example/hooks/aerona/<token>`).
    pub fn path_token(mut self, token: impl Into<String>) -> Self {
        self.secret = Some(SharedSecret::PathToken(Secret::new(token)));
        self
    }

    /// Requires header `name` to equal `value`.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.secret = Some(SharedSecret::Header(name, Secret::new(value)));
        self
    }

    /// Refuses bodies over `bytes`.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Checks method and secret of a request whose body has not been read yet.
    pub fn check_head<B>(&self, request: &Request<B>) -> Result<(), Rejection> {
        if request.method() != practice_core::http::Method::POST {
            return Err(Rejection::WrongMethod);
        }
        match &self.secret {
            None => Ok(()),
            Some(SharedSecret::PathToken(token)) => {
                let last = request
                    .uri()
                    .path()
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or("");
                if constant_time_eq(last.as_bytes(), token.expose().as_bytes()) {
                    Ok(())
                } else {
                    Err(Rejection::BadSecret)
                }
            }
            Some(SharedSecret::Header(name, value)) => {
                let given = request
                    .headers()
                    .get(name)
                    .map(|v| v.as_bytes())
                    .unwrap_or(b"");
                if constant_time_eq(given, value.expose().as_bytes()) {
                    Ok(())
                } else {
                    Err(Rejection::BadSecret)
                }
            }
        }
    }

    /// Checks a request whose body is in hand.
    pub fn check(&self, request: &Request<Bytes>) -> Result<Delivery, Rejection> {
        self.check_head(request)?;
        if request.body().len() > self.max_body {
            return Err(Rejection::TooLarge);
        }
        Ok(Delivery::from_body(request.body().clone()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The kind of object an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A patient.
    Patient,
    /// An appointment.
    Appointment,
    /// A treatment.
    Treatment,
}

/// An event about a known kind of object. Only what could be read with confidence is typed;
/// `payload` keeps everything, exactly as received.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ObjectEvent {
    /// What happened (`created`, `updated`, …), when the payload says.
    pub action: Option<String>,
    /// The object's id, when the payload carries one.
    pub object_id: Option<i64>,
    /// The whole payload.
    pub payload: OpenRecord,
}

/// A parsed webhook payload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// A patient event.
    Patient(ObjectEvent),
    /// An appointment event.
    Appointment(ObjectEvent),
    /// A treatment event.
    Treatment(ObjectEvent),
    /// A payload whose kind we could not tell: kept whole.
    Unrecognised(OpenRecord),
}

/// Members that may name the object kind, in the order tried. The payload is undocumented
/// (see the `x-assumption` on the webhook schemas in `openapi.yaml`).
const KIND_MEMBERS: [&str; 5] = ["event", "type", "objectType", "entity", "eventType"];
const ACTION_MEMBERS: [&str; 3] = ["action", "operation", "change"];

impl WebhookEvent {
    /// Parses a payload. Fails only when the body is not a JSON object.
    pub fn parse(body: &[u8]) -> Result<WebhookEvent, Error> {
        let payload: OpenRecord = practice_core::serde_json::from_slice(body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "a webhook payload must be a JSON object ({})",
                    e.classify_text()
                ),
            )
        })?;
        let text = |name: &str| payload.0.decode::<String>(name).and_then(Result::ok);
        let kind = KIND_MEMBERS.iter().find_map(|m| text(m)).and_then(|k| {
            let k = k.to_ascii_lowercase();
            if k.starts_with("patient") {
                Some(ObjectKind::Patient)
            } else if k.starts_with("appointment") {
                Some(ObjectKind::Appointment)
            } else if k.starts_with("treatment") {
                Some(ObjectKind::Treatment)
            } else {
                None
            }
        });
        let Some(kind) = kind else {
            return Ok(WebhookEvent::Unrecognised(payload));
        };
        let id_member = match kind {
            ObjectKind::Patient => "patientId",
            ObjectKind::Appointment => "appointmentId",
            ObjectKind::Treatment => "treatmentId",
        };
        let object_id = [id_member, "id", "objectId"]
            .iter()
            .find_map(|m| payload.0.decode::<i64>(m).and_then(Result::ok));
        let action = ACTION_MEMBERS.iter().find_map(|m| text(m));
        let event = ObjectEvent {
            action,
            object_id,
            payload,
        };
        Ok(match kind {
            ObjectKind::Patient => WebhookEvent::Patient(event),
            ObjectKind::Appointment => WebhookEvent::Appointment(event),
            ObjectKind::Treatment => WebhookEvent::Treatment(event),
        })
    }

    /// The object kind, if recognised.
    pub fn kind(&self) -> Option<ObjectKind> {
        match self {
            WebhookEvent::Patient(_) => Some(ObjectKind::Patient),
            WebhookEvent::Appointment(_) => Some(ObjectKind::Appointment),
            WebhookEvent::Treatment(_) => Some(ObjectKind::Treatment),
            WebhookEvent::Unrecognised(_) => None,
        }
    }

    /// The whole payload.
    pub fn payload(&self) -> &OpenRecord {
        match self {
            WebhookEvent::Patient(e)
            | WebhookEvent::Appointment(e)
            | WebhookEvent::Treatment(e) => &e.payload,
            WebhookEvent::Unrecognised(p) => p,
        }
    }
}

trait ClassifyText {
    fn classify_text(&self) -> &'static str;
}

impl ClassifyText for practice_core::serde_json::Error {
    fn classify_text(&self) -> &'static str {
        match self.classify() {
            practice_core::serde_json::error::Category::Eof => "truncated",
            practice_core::serde_json::error::Category::Syntax => "not JSON",
            _ => "not an object",
        }
    }
}

/// Remembers which deliveries were seen, so redeliveries are dropped.
pub trait DedupStore: Send + Sync + 'static {
    /// Records `key` if it was not seen within `retention`; returns whether it is new.
    fn claim<'a>(&'a self, key: &'a str, retention: Duration)
    -> BoxFuture<'a, Result<bool, Error>>;
    /// Forgets `key` (the handler asked for redelivery).
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>>;
}

/// The default [`DedupStore`], in this process.
#[derive(Default)]
pub struct InMemoryDedupStore {
    seen: Mutex<HashMap<String, Instant>>,
}

impl InMemoryDedupStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl DedupStore for InMemoryDedupStore {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, at| now < *at + retention);
        let new = !seen.contains_key(key);
        if new {
            seen.insert(key.to_owned(), now);
        }
        Box::pin(async move { Ok(new) })
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        Box::pin(async { Ok(()) })
    }
}

/// What a handler made of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerOutcome {
    /// Handled.
    Done,
    /// Failed; logged, answered `200` all the same (no redelivery).
    Failed(String),
    /// Failed; ask Aerona to deliver it again (answered `500`, and not marked as seen).
    Redeliver,
}

/// Your code that handles a new (not redelivered) delivery.
pub trait WebhookHandler: Send + Sync + 'static {
    /// Handles one delivery.
    fn handle(&self, delivery: Delivery) -> BoxFuture<'static, HandlerOutcome>;
}

impl<F, Fut> WebhookHandler for F
where
    F: Fn(Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerOutcome> + Send + 'static,
{
    fn handle(&self, delivery: Delivery) -> BoxFuture<'static, HandlerOutcome> {
        Box::pin(self(delivery))
    }
}

/// A tower `Service` receiving Aerona webhooks. Clone is cheap.
#[derive(Clone)]
pub struct WebhookReceiver {
    check: DeliveryCheck,
    handler: Arc<dyn WebhookHandler>,
    dedup: Arc<dyn DedupStore>,
    retention: Duration,
    answer_within: Duration,
}

impl WebhookReceiver {
    /// A receiver with the in-memory dedup store, [`DEFAULT_RETENTION`], and answers within
    /// 5 s (a handler still running then goes on in the background and its delivery is
    /// acknowledged).
    pub fn new(check: DeliveryCheck, handler: impl WebhookHandler) -> Self {
        WebhookReceiver {
            check,
            handler: Arc::new(handler),
            dedup: Arc::new(InMemoryDedupStore::new()),
            retention: DEFAULT_RETENTION,
            answer_within: Duration::from_secs(5),
        }
    }

    /// Uses another dedup store (for example one shared by several replicas).
    pub fn dedup_store(mut self, store: Arc<dyn DedupStore>) -> Self {
        self.dedup = store;
        self
    }

    /// How long a delivery is remembered (at least 25 hours is advised).
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// How long to wait for the handler before answering `200` anyway.
    pub fn answer_within(mut self, limit: Duration) -> Self {
        self.answer_within = limit;
        self
    }

    async fn receive(self, delivery: Delivery) -> StatusCode {
        let key = delivery.dedup_key().to_owned();
        match self.dedup.claim(&key, self.retention).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(key = %key, "webhook redelivery ignored");
                return StatusCode::OK;
            }
            // Without the store we cannot tell; handling twice beats losing an event.
            Err(err) => tracing::warn!(error = %err, "webhook dedup store unavailable"),
        }
        let handler = self.handler.clone();
        let task = tokio::spawn(async move { handler.handle(delivery).await });
        match tokio::time::timeout(self.answer_within, task).await {
            Ok(Ok(HandlerOutcome::Done)) => StatusCode::OK,
            Ok(Ok(HandlerOutcome::Failed(reason))) => {
                tracing::warn!(reason = %reason, "webhook handler failed; acknowledged without redelivery");
                StatusCode::OK
            }
            Ok(Ok(HandlerOutcome::Redeliver)) => {
                if let Err(err) = self.dedup.release(&key).await {
                    tracing::warn!(error = %err, "could not release a webhook for redelivery");
                }
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Ok(Err(join)) => {
                tracing::error!(error = %join, "webhook handler panicked; acknowledged");
                StatusCode::OK
            }
            Err(_) => {
                tracing::debug!("webhook handler still running; acknowledged");
                StatusCode::OK
            }
        }
    }
}

impl<B> tower::Service<Request<B>> for WebhookReceiver
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<String>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let receiver = self.clone();
        Box::pin(async move {
            let status = match receiver.check.check_head(&request) {
                Err(rejection) => rejection.status(),
                Ok(()) => {
                    let limit = receiver.check.max_body;
                    match http_body_util::Limited::new(request.into_body(), limit)
                        .collect()
                        .await
                    {
                        Ok(collected) => {
                            receiver
                                .receive(Delivery::from_body(collected.to_bytes()))
                                .await
                        }
                        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
                            Rejection::TooLarge.status()
                        }
                        Err(_) => Rejection::Unreadable.status(),
                    }
                }
            };
            let mut response = Response::new(String::new());
            *response.status_mut() = status;
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tower::ServiceExt;

    fn post(path: &str, body: &'static str) -> Request<http_body_util::Full<Bytes>> {
        Request::post(path)
            .body(http_body_util::Full::new(Bytes::from_static(
                body.as_bytes(),
            )))
            .unwrap()
    }

    #[test]
    fn events_of_known_and_unknown_shapes() {
        let event = WebhookEvent::parse(
            br#"{"event":"Appointment","action":"created","appointmentId":34234,"extra":1.50}"#,
        )
        .unwrap();
        match &event {
            WebhookEvent::Appointment(e) => {
                assert_eq!(e.action.as_deref(), Some("created"));
                assert_eq!(e.object_id, Some(34234));
                assert_eq!(e.payload.get("extra"), Some("1.50"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            WebhookEvent::parse(br#"{"type":"patient.updated","id":7}"#)
                .unwrap()
                .kind(),
            Some(ObjectKind::Patient)
        );
        assert_eq!(
            WebhookEvent::parse(br#"{"objectType":"Treatment"}"#)
                .unwrap()
                .kind(),
            Some(ObjectKind::Treatment)
        );
        let odd = br#"{"something":"else","n":[1,2]}"#;
        let parsed = WebhookEvent::parse(odd).unwrap();
        assert!(matches!(parsed, WebhookEvent::Unrecognised(_)));
        assert_eq!(
            practice_core::serde_json::to_string(parsed.payload()).unwrap(),
            std::str::from_utf8(odd).unwrap()
        );
        let err = WebhookEvent::parse(b"[1,2]").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(WebhookEvent::parse(b"{\"event\":").is_err());
    }

    #[test]
    fn checking_is_separate_from_parsing() {
        let check = DeliveryCheck::new()
            .header(HeaderName::from_static("x-hook-secret"), "s3cret")
            .max_body(16);
        let ok = Request::post("/h")
            .header("x-hook-secret", "s3cret")
            .body(Bytes::from_static(b"not json"))
            .unwrap();
        let delivery = check.check(&ok).unwrap();
        assert_eq!(
            delivery.body(),
            b"not json",
            "stored raw; parsing may fail later"
        );
        let wrong = Request::post("/h")
            .header("x-hook-secret", "nope")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(check.check(&wrong).unwrap_err(), Rejection::BadSecret);
        let big = Request::post("/h")
            .header("x-hook-secret", "s3cret")
            .body(Bytes::from(vec![b' '; 17]))
            .unwrap();
        assert_eq!(check.check(&big).unwrap_err(), Rejection::TooLarge);
        assert!(!format!("{delivery:?}").contains("not json"));
    }

    #[tokio::test]
    async fn the_receiver_checks_dedups_and_answers() {
        let handled = Arc::new(AtomicUsize::new(0));
        let count = handled.clone();
        let receiver = WebhookReceiver::new(
            DeliveryCheck::new().path_token("tok123").max_body(64),
            move |_d: Delivery| {
                let count = count.clone();
                async move {
                    count.fetch_add(1, Ordering::SeqCst);
                    HandlerOutcome::Failed("downstream unavailable".into())
                }
            },
        );
        let body = r#"{"event":"Appointment","appointmentId":1}"#;
        for _ in 0..3 {
            let response = receiver
                .clone()
                .oneshot(post("/hooks/tok123", body))
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "a failing handler still answers 200"
            );
        }
        assert_eq!(
            handled.load(Ordering::SeqCst),
            1,
            "redeliveries are not handled again"
        );
        let response = receiver
            .clone()
            .oneshot(post("/hooks/wrong", body))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let big = r#"{"event":"Appointment","appointmentId":1,"padding":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#;
        let response = receiver
            .clone()
            .oneshot(post("/hooks/tok123", big))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let get = Request::get("/hooks/tok123")
            .body(http_body_util::Full::new(Bytes::new()))
            .unwrap();
        assert_eq!(
            receiver.clone().oneshot(get).await.unwrap().status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(handled.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn redelivery_on_request_and_retention() {
        let attempts = Arc::new(AtomicUsize::new(0));
        let count = attempts.clone();
        let receiver = WebhookReceiver::new(DeliveryCheck::new(), move |_d: Delivery| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    HandlerOutcome::Redeliver
                } else {
                    HandlerOutcome::Done
                }
            }
        })
        .retention(Duration::from_millis(50));
        let body = r#"{"event":"Patient","patientId":5}"#;
        let first = receiver.clone().oneshot(post("/", body)).await.unwrap();
        assert_eq!(first.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let second = receiver.clone().oneshot(post("/", body)).await.unwrap();
        assert_eq!(second.status(), StatusCode::OK);
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            2,
            "released for redelivery, then handled"
        );
        receiver.clone().oneshot(post("/", body)).await.unwrap();
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            2,
            "within retention: dropped"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_handler_does_not_hold_the_answer() {
        let receiver = WebhookReceiver::new(DeliveryCheck::new(), |_d: Delivery| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            HandlerOutcome::Redeliver
        })
        .answer_within(Duration::from_secs(2));
        let started = Instant::now();
        let response = receiver.oneshot(post("/", "{}")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }
}
