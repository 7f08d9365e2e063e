//! The quota layer: holds every request to the budget of one credential.
//!
//! It sits inside retry and auth, so every try and every token request is counted. Each try
//! takes a slot before it is handed to the transport and holds it until its answer comes back
//! (see [`crate::quota::store`] for why a slot spans that whole interval):
//!
//!
//! - an answer (any status) releases the slot: it counts for one more window from then;
//! - a try that provably never left ([`Dispatch::NotSent`]) releases it as well;
//! - so does a try that *ended* with an error at instant `T` after it may have left (the
//!   connection was reset or closed): its request cannot reach the vendor after `T`, so its
//!   slot counts until one window after `T`, not until its lapse bound;
//! - a try that timed out, or that its caller cancelled, is not known to have ended: its
//!   bytes may still be on the way, so it keeps the slot until its lapse bound — grant +
//!   per-try timeout + the drift allowance;
//! - a caller that cancels while the release itself is under way (a shared store's round
//!   trip) still releases: the drop guard hands the release to a task.
//!
//! A caller that gives up while *waiting* for a slot takes none. A wait longer than
//! [`ANNOUNCE_WAIT_AFTER`] is told once, as an `INFO` event with the target
//! [`BUDGET_WAIT_TARGET`](crate::quota::BUDGET_WAIT_TARGET): what it waits for and until when
//! (the `practice` CLI prints it at its default verbosity).
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

use crate::deadline::{self, CallClock, Phase};
use crate::error::{Dispatch, Error, ErrorKind};
use crate::options::{QuotaPolicy, WhenExhausted};
use crate::quota::BUDGET_WAIT_TARGET;
use crate::quota::heard::HeardCount;
use crate::quota::status::BudgetStatus;
use crate::quota::store::{QuotaStore, Reservation, SlotId, SlotRequest};
use crate::request::{BoxFuture, operation_of};
use crate::vendor::ResponseReading;

/// A wait for budget longer than this is announced (see the module's documentation).
pub(crate) const ANNOUNCE_WAIT_AFTER: Duration = Duration::from_secs(2);

/// Holds every request to the budget of one credential.
#[derive(Clone)]
pub(crate) struct QuotaLayer {
    // One reference count: tower clones each layer's service per call.
    shared: Arc<QuotaShared>,
}

pub(crate) struct QuotaShared {
    store: Arc<dyn QuotaStore>,
    key: String,
    policy: QuotaPolicy,
    /// How long an unreleased slot counts at most: per-try timeout + drift allowance.
    lapse_after: Duration,
    vendor: HeardCount,
}

impl QuotaLayer {
    pub(crate) fn new(
        store: Arc<dyn QuotaStore>,
        key: String,
        policy: QuotaPolicy,
        per_try: Duration,
    ) -> Self {
        let margin = policy
            .limit
            .as_ref()
            .map_or(Duration::ZERO, |l| l.safety_margin);
        QuotaLayer {
            shared: Arc::new(QuotaShared {
                store,
                key,
                policy,
                lapse_after: per_try.saturating_add(margin),
                vendor: HeardCount::default(),
            }),
        }
    }

    /// A handle for reading the budget, kept by the client.
    pub(crate) fn shared(&self) -> Arc<QuotaShared> {
        self.shared.clone()
    }
}

impl QuotaShared {
    /// The budget as it stands: our own count under a client-side limit, otherwise what the
    /// vendor's headers said last (`None` before any answer carried them).
    pub(crate) async fn status(&self) -> Result<Option<BudgetStatus>, Error> {
        if let Some(limit) = &self.policy.limit {
            return self.store.status(&self.key, limit).await.map(Some);
        }
        Ok(self.vendor.status())
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

/// A granted slot while its try runs. Dropped before the answer (cancelled): the slot lapses
/// at its bound. Dropped after the answer, before the release finished: released by a task.
struct SlotGuard {
    layer: Arc<QuotaShared>,
    slot: Option<SlotId>,
    answered: bool,
}

impl SlotGuard {
    /// The try is over and the vendor can no longer receive it: release the slot.
    async fn release(mut self) -> Result<(), Error> {
        self.answered = true;
        let Some(slot) = self.slot.clone() else {
            return Ok(());
        };
        let result = self.layer.store.release(&self.layer.key, slot).await;
        self.slot = None;
        result
    }

    /// The try may still reach the vendor: leave the slot to lapse at its bound.
    fn keep(mut self) {
        self.slot = None;
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        if !self.answered {
            tracing::debug!("a try was cancelled in flight; its budget slot lapses at its bound");
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let layer = self.layer.clone();
            runtime.spawn(async move {
                if let Err(err) = layer.store.release(&layer.key, slot).await {
                    tracing::debug!(error = %err, "could not release a budget slot; it lapses at its bound");
                }
            });
        }
    }
}

/// Says, once per wait, what a wait longer than [`ANNOUNCE_WAIT_AFTER`] is for and until
/// when (our count's next free slot, an upper bound while requests are in flight).
async fn announce_wait(layer: &QuotaShared, operation: Option<&'static str>) {
    let vendor = layer.key.split(':').next().unwrap_or("the vendor");
    let status = layer.status().await.ok().flatten();
    let until = status.as_ref().and_then(|s| {
        let left = time::Duration::try_from(s.next_free_in).ok()?;
        time::OffsetDateTime::now_utc()
            .checked_add(left)?
            .replace_nanosecond(0)
            .ok()
    });
    let shown = until.and_then(|at| {
        at.format(&time::format_description::well_known::Rfc3339)
            .ok()
    });
    let budget = status.map_or_else(|| "spent".to_owned(), |s| s.to_string());
    let message = format!(
        "waiting for the {vendor} request budget{}{}: {budget}",
        operation
            .map(|op| format!(" to send {op}"))
            .unwrap_or_default(),
        shown.map(|at| format!(" until {at}")).unwrap_or_default(),
    );
    tracing::info!(
        target: BUDGET_WAIT_TARGET,
        until_unix = until.map_or(0, time::OffsetDateTime::unix_timestamp),
        "{message}"
    );
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
            let ask = SlotRequest {
                max_wait,
                lapse_after: layer.lapse_after,
            };
            let asked = Instant::now();
            // The store waits for the slot itself: while it does, a deadline that runs out
            // names the wait; afterwards the phase the layers above set (sending, replaying)
            // is back.
            let before = CallClock::of(&request).map(CallClock::phase);
            deadline::enter(&request, Phase::WaitingForBudget);
            let reservation = {
                let reserve = layer
                    .store
                    .reserve(&layer.key, layer.policy.limit.as_ref(), ask);
                let mut reserve = std::pin::pin!(reserve);
                tokio::select! {
                    reservation = &mut reserve => reservation,
                    () = tokio::time::sleep(ANNOUNCE_WAIT_AFTER) => {
                        announce_wait(&layer, operation).await;
                        reserve.await
                    }
                }
            }?;
            if let Some(phase) = before {
                deadline::enter(&request, phase);
            }
            let slot = match reservation {
                Reservation::Granted { slot } => slot,
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
            };
            let waited = asked.elapsed();
            if waited >= Duration::from_millis(1) {
                tracing::debug!(
                    wait_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                    "waited for request budget"
                );
            }
            if let Some(clock) = CallClock::of(&request) {
                clock.mark_sent();
            }
            let guard = SlotGuard {
                layer: layer.clone(),
                slot,
                answered: false,
            };
            let response = match inner.oneshot(request).await {
                Ok(response) => response,
                // Timed out: the request may still be on its way to the vendor.
                Err(err)
                    if err.kind() == ErrorKind::Timeout && err.dispatch() != Dispatch::NotSent =>
                {
                    guard.keep();
                    return Err(err);
                }
                // Never left, or ended now (an error came back): it cannot reach the vendor
                // after this instant.
                Err(err) => {
                    guard.release().await?;
                    return Err(err);
                }
            };
            guard.release().await?;
            // The vendor's count, as read once when the answer came back.
            if let Some(quota) = ResponseReading::of(&response).server_quota.clone() {
                layer.vendor.hear(&quota);
                layer.store.observe(&layer.key, quota).await?;
            }
            Ok(response)
        })
    }
}
