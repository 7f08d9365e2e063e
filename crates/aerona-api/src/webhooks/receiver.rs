//! The tower `Service` that checks a delivery, reads its body within bounds, deduplicates it
//! and hands it to the handler under a time limit.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use http_body_util::BodyExt;
use practice_core::BoxError;
use practice_core::bytes::Bytes;
use practice_core::http::{Request, Response, StatusCode};

use super::check::{DeliveryCheck, Rejection};
use super::dedup::{Claim, DEFAULT_RETENTION, DedupStore, InMemoryDedupStore};
use super::delivery::Delivery;
use super::handler::{HandlerOutcome, WebhookHandler};

/// How long a delivery's body may take to arrive once its head is in: a body dripped slower
/// than this is refused (408), so one connection holds at most [`DEFAULT_MAX_BODY`] bytes for
/// at most this long.
///
/// [`DEFAULT_MAX_BODY`]: super::DEFAULT_MAX_BODY
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a handler may run before it is cut off and the delivery answered `503` (Aerona
/// then retries it an hour later).
pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(10);

/// A claim outlives the handler timeout by this much, so it lapses (and a redelivery is
/// handled) only when its receiver is gone, never while the handler may still run.
const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// A tower `Service` receiving Aerona webhooks (mount it in axum or hyper). Clone is cheap.
///
/// For each delivery, in order: the method and shared secret are checked, the declared size;
/// the body is read up to the size limit within the body timeout; the delivery is claimed in
/// the [`DedupStore`] (a copy being handled elsewhere is answered `503`, one already handled
/// `200`); the handler runs in its own task under the handler timeout; the outcome is recorded
/// and answered. Only [`HandlerOutcome::Done`] and [`HandlerOutcome::Failed`] answer `200`;
/// a panic, a timeout or [`HandlerOutcome::Redeliver`] forget the delivery and answer an error,
/// so Aerona retries it.
#[derive(Clone)]
pub struct WebhookReceiver {
    check: DeliveryCheck,
    handler: Arc<dyn WebhookHandler>,
    dedup: Arc<dyn DedupStore>,
    retention: Duration,
    body_timeout: Duration,
    handler_timeout: Duration,
}

impl fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("check", &self.check)
            .field("retention", &self.retention)
            .field("body_timeout", &self.body_timeout)
            .field("handler_timeout", &self.handler_timeout)
            .finish_non_exhaustive()
    }
}

impl WebhookReceiver {
    /// A receiver with the in-memory dedup store and the default limits ([`DEFAULT_RETENTION`],
    /// [`DEFAULT_BODY_TIMEOUT`], [`DEFAULT_HANDLER_TIMEOUT`], the check's size limit).
    ///
    /// `check` must carry a shared secret: without one every delivery is refused (404) and an
    /// error is logged now. To accept unsigned deliveries, say so with
    /// [`WebhookReceiver::without_signature_check`].
    pub fn new(check: DeliveryCheck, handler: impl WebhookHandler) -> Self {
        if !check.accepts_deliveries() {
            tracing::error!(
                "aerona webhooks: no shared secret configured, so every delivery will be refused; \
                 set DeliveryCheck::path_token or DeliveryCheck::header, or opt out with \
                 WebhookReceiver::without_signature_check"
            );
        }
        WebhookReceiver {
            check,
            handler: Arc::new(handler),
            dedup: Arc::new(InMemoryDedupStore::new()),
            retention: DEFAULT_RETENTION,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            handler_timeout: DEFAULT_HANDLER_TIMEOUT,
        }
    }

    /// A receiver that accepts deliveries without any shared secret, logging a warning: only
    /// for a URL that nothing but Aerona can reach. Anyone who can post to it can inject
    /// events, or pre-empt a genuine event by posting its exact body first.
    pub fn without_signature_check(handler: impl WebhookHandler) -> Self {
        Self::new(DeliveryCheck::without_signature_check(), handler)
    }

    /// Uses another dedup store (for example one shared by several replicas).
    pub fn dedup_store(mut self, store: Arc<dyn DedupStore>) -> Self {
        self.dedup = store;
        self
    }

    /// How long a handled delivery is remembered. Keep it over Aerona's 24-hour retry span
    /// (the default is 25 hours), or a late retry is handled again. One too long for the clock
    /// (`Duration::MAX`) keeps it until the store evicts it.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Refuses bodies over `bytes` (413), declared or read; the most memory one delivery holds.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.check = self.check.max_body(bytes);
        self
    }

    /// How long a body may take to arrive once the request's head is in (408 after that).
    pub fn body_timeout(mut self, limit: Duration) -> Self {
        self.body_timeout = limit;
        self
    }

    /// How long the handler may run before it is cut off; the delivery is then answered `503`
    /// and forgotten, so Aerona's next retry runs the handler again.
    pub fn handler_timeout(mut self, limit: Duration) -> Self {
        self.handler_timeout = limit;
        self
    }

    async fn answer<B>(self, request: Request<B>) -> StatusCode
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        if let Err(rejection) = self.check.check_head(&request) {
            tracing::debug!(?rejection, "webhook delivery refused");
            return rejection.status();
        }
        let body = match self.read_body(request.into_body()).await {
            Ok(body) => body,
            Err(rejection) => {
                tracing::warn!(?rejection, "webhook delivery refused");
                return rejection.status();
            }
        };
        // Claim, handling and bookkeeping run in a task of their own: a caller that hangs up
        // cannot cancel them half-way and leave a claim without its outcome.
        match tokio::spawn(self.process(Delivery::from_body(body))).await {
            Ok(status) => status,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Reads the body within the size limit and the body timeout.
    async fn read_body<B>(&self, body: B) -> Result<Bytes, Rejection>
    where
        B: http_body::Body,
        B::Error: Into<BoxError>,
    {
        let limited = http_body_util::Limited::new(body, self.check.body_limit());
        match tokio::time::timeout(self.body_timeout, limited.collect()).await {
            Err(_) => Err(Rejection::TooSlow),
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => {
                Err(Rejection::TooLarge)
            }
            Ok(Err(_)) => Err(Rejection::Unreadable),
        }
    }

    async fn process(self, delivery: Delivery) -> StatusCode {
        let key = delivery.dedup_key().to_owned();
        let lease = self.handler_timeout.saturating_add(LEASE_MARGIN);
        match self.dedup.claim(&key, lease).await {
            Ok(Claim::New) => {}
            Ok(Claim::Handled) => {
                tracing::debug!(key = %key, "webhook redelivery of a handled event: acknowledged");
                return StatusCode::OK;
            }
            Ok(Claim::InProgress) => {
                // Answering 200 here would lose the event if the copy in hand then fails.
                tracing::debug!(key = %key, "webhook copy arrived while another is handled: retry later");
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            Err(err) => {
                // Aerona retries for 24 hours: an outage shorter than that loses nothing, and
                // no delivery is handled twice for want of the store.
                tracing::warn!(error = %err, "webhook dedup store unavailable: retry later");
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        }
        let handler = self.handler.clone();
        let mut task = tokio::spawn(async move { handler.handle(delivery).await });
        let outcome = match tokio::time::timeout(self.handler_timeout, &mut task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => {
                // The panic's message may quote the payload: not logged.
                tracing::error!(key = %key, "webhook handler panicked: answered 500 so Aerona retries");
                self.release(&key).await;
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
            Err(_) => {
                task.abort();
                tracing::warn!(
                    key = %key,
                    limit_ms = self.handler_timeout.as_millis(),
                    "webhook handler over its time limit: cut off, answered 503 so Aerona retries"
                );
                self.release(&key).await;
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        };
        match outcome {
            HandlerOutcome::Done => {
                self.mark_handled(&key).await;
                StatusCode::OK
            }
            HandlerOutcome::Failed(reason) => {
                tracing::warn!(key = %key, reason = %reason, "webhook handler failed for good: acknowledged, not retried");
                self.mark_handled(&key).await;
                StatusCode::OK
            }
            HandlerOutcome::Redeliver => {
                self.release(&key).await;
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    async fn mark_handled(&self, key: &str) {
        if let Err(err) = self.dedup.mark_handled(key, self.retention).await {
            // Handled all the same; the claim lapses after its lease.
            tracing::warn!(error = %err, "could not record a webhook delivery as handled");
        }
    }

    async fn release(&self, key: &str) {
        if let Err(err) = self.dedup.release(key).await {
            // The claim lapses after its lease, before Aerona's next retry an hour later.
            tracing::warn!(error = %err, "could not release a webhook delivery for redelivery");
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
            let mut response = Response::new(String::new());
            *response.status_mut() = receiver.answer(request).await;
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;
    use tower::ServiceExt;

    fn post(path: &str, body: &'static str) -> Request<http_body_util::Full<Bytes>> {
        Request::post(path)
            .body(http_body_util::Full::new(Bytes::from_static(
                body.as_bytes(),
            )))
            .unwrap()
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
        let receiver = WebhookReceiver::without_signature_check(move |_d: Delivery| {
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
    async fn a_slow_handler_is_cut_off_and_retried() {
        let finished = Arc::new(AtomicUsize::new(0));
        let done = finished.clone();
        let receiver = WebhookReceiver::without_signature_check(move |_d: Delivery| {
            let done = done.clone();
            async move {
                tokio::time::sleep(Duration::from_secs(60)).await;
                done.fetch_add(1, Ordering::SeqCst);
                HandlerOutcome::Done
            }
        })
        .handler_timeout(Duration::from_secs(2));
        let started = Instant::now();
        let response = receiver.clone().oneshot(post("/", "{}")).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(
            finished.load(Ordering::SeqCst),
            0,
            "the handler was cut off"
        );
        let again = receiver.oneshot(post("/", "{}")).await.unwrap();
        assert_eq!(
            again.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "not remembered as handled: the retry runs the handler again"
        );
    }

    /// A retention (and timeouts) of `Duration::MAX` cannot be added to the clock: the
    /// delivery is remembered for good (the store's capacity still bounds memory), with no
    /// panic, years later too.
    #[tokio::test(start_paused = true)]
    async fn an_absurd_retention_remembers_for_good_and_does_not_panic() {
        let handled = Arc::new(AtomicUsize::new(0));
        let count = handled.clone();
        let receiver = WebhookReceiver::without_signature_check(move |_d: Delivery| {
            count.fetch_add(1, Ordering::SeqCst);
            async { HandlerOutcome::Done }
        })
        .retention(Duration::MAX)
        .handler_timeout(Duration::MAX)
        .body_timeout(Duration::MAX);
        let body = r#"{"event":"Patient","patientId":5}"#;
        let first = receiver.clone().oneshot(post("/", body)).await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        tokio::time::advance(Duration::from_secs(10 * 366 * 86_400)).await;
        let again = receiver.clone().oneshot(post("/", body)).await.unwrap();
        assert_eq!(again.status(), StatusCode::OK);
        assert_eq!(handled.load(Ordering::SeqCst), 1, "a redelivery, dropped");
    }

    #[test]
    fn debug_shows_the_limits_but_not_the_secret() {
        let receiver = WebhookReceiver::new(
            DeliveryCheck::new().path_token("tok-secret-123"),
            |_d: Delivery| async { HandlerOutcome::Done },
        );
        let shown = format!("{receiver:?}");
        assert!(!shown.contains("tok-secret-123"), "{shown}");
        assert!(shown.contains("handler_timeout"), "{shown}");
    }
}
