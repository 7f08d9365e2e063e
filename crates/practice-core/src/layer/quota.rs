//! The quota layer: holds every request to the budget of one credential.
//!
//! It sits inside retry and auth, so every try and every token request is counted.
//!
//! A reservation whose caller gives up while waiting (its future dropped) is not handed back:
//! the slot stays counted, so cancellation can only make the client more conservative, never
//! push it over the budget.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use tower::{Layer, Service, ServiceExt};

use crate::deadline::{self, CallClock, Phase};
use crate::error::{Error, ErrorKind};
use crate::quota::budget::{QuotaPolicy, WhenExhausted};
use crate::quota::store::{QuotaStore, Reservation};
use crate::request::{BoxFuture, operation_of};
use crate::vendor::ResponseReading;

/// Holds every request to the budget of one credential.
#[derive(Clone)]
pub(crate) struct QuotaLayer {
    // One reference count: tower clones each layer's service per call.
    shared: Arc<QuotaShared>,
}

struct QuotaShared {
    store: Arc<dyn QuotaStore>,
    key: String,
    policy: QuotaPolicy,
}

impl QuotaLayer {
    pub(crate) fn new(store: Arc<dyn QuotaStore>, key: String, policy: QuotaPolicy) -> Self {
        QuotaLayer {
            shared: Arc::new(QuotaShared { store, key, policy }),
        }
    }
}

impl<S> Layer<S> for QuotaLayer {
    type Service = QuotaService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        QuotaService {
            inner,
            layer: self.clone(),
        }
    }
}

/// See [`QuotaLayer`].
#[derive(Clone)]
pub(crate) struct QuotaService<S> {
    inner: S,
    layer: QuotaLayer,
}

impl<S> Service<Request<Bytes>> for QuotaService<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Bytes>, Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let inner = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, inner);
        let layer = self.layer.shared.clone();
        Box::pin(async move {
            let operation = operation_of(&request).map(|m| m.name);
            let max_wait = match layer.policy.when_exhausted {
                WhenExhausted::FailFast => Duration::ZERO,
                // No wait for budget outlasts the call's deadline.
                WhenExhausted::Wait { max_wait } => max_wait.min(deadline::remaining(&request)),
            };
            let reservation = layer
                .store
                .reserve(&layer.key, layer.policy.limit.as_ref(), max_wait)
                .await?;
            match reservation {
                Reservation::Granted { wait } if wait.is_zero() => {}
                Reservation::Granted { wait } => {
                    tracing::debug!(
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "waiting for request budget"
                    );
                    deadline::enter(&request, Phase::WaitingForBudget);
                    tokio::time::sleep(wait).await;
                    deadline::enter(&request, Phase::Sending);
                }
                Reservation::Denied { retry_after } => {
                    let mut err = Error::new(
                        ErrorKind::QuotaExhausted,
                        "the request budget is spent; nothing was sent",
                    )
                    .with_retry_after(retry_after);
                    if let Some(op) = operation {
                        err = err.with_operation(op);
                    }
                    return Err(err);
                }
            }
            if let Some(clock) = CallClock::of(&request) {
                clock.mark_sent();
            }
            let response = inner.oneshot(request).await?;
            // The vendor's count, as read once when the answer came back.
            if let Some(quota) = ResponseReading::of(&response).server_quota.clone() {
                layer.store.observe(&layer.key, quota).await?;
            }
            Ok(response)
        })
    }
}
