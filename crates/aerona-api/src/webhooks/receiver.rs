//! The tower `Service` that checks, deduplicates and hands deliveries to a handler.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use practice_core::BoxError;
use practice_core::auth::BoxFuture;
use practice_core::http::{Request, Response, StatusCode};

use super::check::{DeliveryCheck, Rejection};
use super::dedup::{DEFAULT_RETENTION, DedupStore, InMemoryDedupStore};
use super::delivery::Delivery;
use super::handler::{HandlerOutcome, WebhookHandler};

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
    use practice_core::bytes::Bytes;
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
