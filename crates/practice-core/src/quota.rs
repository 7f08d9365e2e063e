//! Client-side request budgets per credential, and what vendors' rate-limit headers teach.
//!
//! The in-memory store keeps a sliding-window log and hands out *reservations*: each request
//! is given the earliest instant at which sending it keeps every window within the budget,
//! and sleeps until then. Reservations are FIFO, so waiting callers never stampede, the budget
//! is never exceeded whatever the concurrency, and no slot is left idle while a caller waits.
//!
//! The layer sits inside retry and auth, so every try and every token request is counted.
//!
//! A reservation whose caller gives up while waiting (its future dropped) is not handed back:
//! the slot stays counted, so cancellation can only make the client more conservative, never
//! push it over the budget.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

use crate::auth::{BoxFuture, operation_of};
use crate::client::VendorProfile;
use crate::error::{Error, ErrorKind};

/// A budget: at most `limit` requests in any `window`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u32,
    /// The window's length.
    pub window: Duration,
    /// Added to the window, to absorb clock and network skew between us and the vendor.
    pub safety_margin: Duration,
}

impl RateLimit {
    /// `limit` requests per `window`, with no margin.
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimit {
            limit,
            window,
            safety_margin: Duration::ZERO,
        }
    }

    /// Adds a safety margin to the window.
    pub fn with_safety_margin(mut self, margin: Duration) -> Self {
        self.safety_margin = margin;
        self
    }

    /// Parses `N/<duration>` such as `300/15m`, `1000/1d` or `5/1s` (units `s`, `m`, `h`, `d`;
    /// the number before the unit may be left out: `300/m`).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = || {
            Error::invalid_request(format!(
                "invalid rate limit {text:?}: expected N/<duration> such as 300/15m (units s, m, h, d)"
            ))
        };
        let (count, span) = text.trim().split_once('/').ok_or_else(bad)?;
        let limit: u32 = count.trim().parse().map_err(|_| bad())?;
        let span = span.trim();
        let unit_at = span.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (amount, unit) = span.split_at(unit_at);
        let amount: u64 = if amount.is_empty() {
            1
        } else {
            amount.parse().map_err(|_| bad())?
        };
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        if limit == 0 || amount == 0 {
            return Err(bad());
        }
        Ok(RateLimit::new(
            limit,
            Duration::from_secs(amount.saturating_mul(seconds)),
        ))
    }

    fn span(&self) -> Duration {
        self.window + self.safety_margin
    }
}

/// What to do when the budget is spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhenExhausted {
    /// Fail at once with [`ErrorKind::QuotaExhausted`] carrying the reset instant.
    FailFast,
    /// Wait for budget, up to `max_wait`; beyond that, fail as with `FailFast`.
    Wait {
        /// The longest a call may wait for budget.
        max_wait: Duration,
    },
}

/// The quota layer's settings.
#[derive(Debug, Clone)]
pub struct QuotaPolicy {
    /// The client-side budget, if any.
    pub limit: Option<RateLimit>,
    /// What to do when it (or the vendor's announced budget) is spent.
    pub when_exhausted: WhenExhausted,
}

impl Default for QuotaPolicy {
    fn default() -> Self {
        QuotaPolicy {
            limit: None,
            when_exhausted: WhenExhausted::FailFast,
        }
    }
}

/// The vendor's own count, read from response headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerQuota {
    /// Requests left in the vendor's window.
    pub remaining: u64,
    /// Time until the vendor's window resets.
    pub reset_in: Duration,
}

impl ServerQuota {
    /// Reads `X-RateLimit-Remaining` and `X-RateLimit-Reset` (UTC epoch seconds).
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let remaining = number("x-ratelimit-remaining")?;
        let reset = number("x-ratelimit-reset")?;
        Some(ServerQuota {
            remaining,
            reset_in: until_epoch(reset),
        })
    }
}

/// Time from now until a UTC epoch second (zero if past).
pub fn until_epoch(epoch_seconds: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(epoch_seconds).saturating_sub(now)
}

/// The outcome of asking for budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Send after waiting `wait` (zero: now). The slot is taken.
    Granted {
        /// How long to wait before sending.
        wait: Duration,
    },
    /// No slot within the allowed wait; budget frees after `retry_after`.
    Denied {
        /// When budget frees, from now.
        retry_after: Duration,
    },
}

/// Where budgets are counted, keyed by vendor and credential. The in-memory default serves one
/// process; a shared store keeps a fleet inside one budget.
pub trait QuotaStore: Send + Sync + 'static {
    /// Takes a slot for `key` no later than `max_wait` from now, or says when one frees.
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: Option<&'a RateLimit>,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Reservation, Error>>;

    /// Records what the vendor said about its own count.
    fn observe<'a>(&'a self, key: &'a str, quota: ServerQuota) -> BoxFuture<'a, Result<(), Error>>;
}

#[derive(Default)]
struct Window {
    /// Send instants of granted requests, sorted; may include future reservations.
    sent: VecDeque<Instant>,
    /// The vendor said its budget is spent until then.
    blocked_until: Option<Instant>,
}

/// The default [`QuotaStore`], in this process, on tokio's clock.
#[derive(Default)]
pub struct InMemoryQuotaStore {
    windows: Mutex<HashMap<String, Window>>,
}

impl InMemoryQuotaStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn reserve_now(&self, key: &str, limit: Option<&RateLimit>, max_wait: Duration) -> Reservation {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        // The key is allocated once per credential, not once per request.
        if let Some(window) = windows.get_mut(key) {
            return window.reserve(limit, max_wait);
        }
        windows
            .entry(key.to_owned())
            .or_default()
            .reserve(limit, max_wait)
    }
}

impl Window {
    /// The earliest send instant that keeps every window within `limit`, taken if it is no
    /// later than `max_wait` from now.
    fn reserve(&mut self, limit: Option<&RateLimit>, max_wait: Duration) -> Reservation {
        let now = Instant::now();
        let mut at = now;
        match self.blocked_until {
            Some(until) if until > now => at = until,
            Some(_) => self.blocked_until = None,
            None => {}
        }
        if let Some(limit) = limit {
            let span = limit.span();
            while self.sent.front().is_some_and(|t| *t + span <= now) {
                self.sent.pop_front();
            }
            if let Some(last) = self.sent.back() {
                at = at.max(*last);
            }
            let len = self.sent.len();
            let limit_n = limit.limit as usize;
            if len >= limit_n {
                // The window ending at `at` must hold at most `limit` sends, this one included.
                at = at.max(self.sent[len - limit_n] + span);
            }
        }
        let wait = at - now;
        if wait > max_wait {
            return Reservation::Denied { retry_after: wait };
        }
        if limit.is_some() {
            self.sent.push_back(at);
        }
        Reservation::Granted { wait }
    }
}

impl QuotaStore for InMemoryQuotaStore {
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: Option<&'a RateLimit>,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Reservation, Error>> {
        let reservation = self.reserve_now(key, limit, max_wait);
        Box::pin(async move { Ok(reservation) })
    }

    fn observe<'a>(&'a self, key: &'a str, quota: ServerQuota) -> BoxFuture<'a, Result<(), Error>> {
        if quota.remaining == 0 {
            let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            let window = windows.entry(key.to_owned()).or_default();
            let until = Instant::now() + quota.reset_in;
            window.blocked_until = Some(window.blocked_until.map_or(until, |b| b.max(until)));
        }
        Box::pin(async { Ok(()) })
    }
}

impl fmt::Debug for InMemoryQuotaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryQuotaStore").finish_non_exhaustive()
    }
}

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
    profile: Arc<dyn VendorProfile>,
}

impl QuotaLayer {
    pub(crate) fn new(
        store: Arc<dyn QuotaStore>,
        key: String,
        policy: QuotaPolicy,
        profile: Arc<dyn VendorProfile>,
    ) -> Self {
        QuotaLayer {
            shared: Arc::new(QuotaShared {
                store,
                key,
                policy,
                profile,
            }),
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
                WhenExhausted::Wait { max_wait } => max_wait,
            };
            let reservation = layer
                .store
                .reserve(&layer.key, layer.policy.limit.as_ref(), max_wait)
                .await?;
            match reservation {
                Reservation::Granted { wait } if wait.is_zero() => {}
                Reservation::Granted { wait } => {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "waiting for request budget"
                    );
                    tokio::time::sleep(wait).await;
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
            let response = inner.oneshot(request).await?;
            if let Some(quota) = layer.profile.server_quota(&response) {
                layer.store.observe(&layer.key, quota).await?;
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_budgets() {
        assert_eq!(
            RateLimit::parse("300/15m").unwrap(),
            RateLimit::new(300, Duration::from_secs(900))
        );
        assert_eq!(
            RateLimit::parse("5/s").unwrap().window,
            Duration::from_secs(1)
        );
        assert_eq!(
            RateLimit::parse(" 1000/1d ").unwrap().window,
            Duration::from_secs(86_400)
        );
        for bad in ["", "300", "0/15m", "300/0m", "300/15x", "x/15m", "300/m15"] {
            let err = RateLimit::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn reservations_never_overfill_a_window_and_never_idle() {
        let store = InMemoryQuotaStore::new();
        let limit = RateLimit::new(3, Duration::from_secs(10));
        let mut waits = Vec::new();
        for _ in 0..7 {
            match store.reserve_now("k", Some(&limit), Duration::from_secs(60)) {
                Reservation::Granted { wait } => waits.push(wait.as_secs()),
                other => panic!("{other:?}"),
            }
        }
        // Three now, three when the first three leave the window, one after that.
        assert_eq!(waits, [0, 0, 0, 10, 10, 10, 20]);
        // Fail-fast says when budget frees.
        assert_eq!(
            store.reserve_now("k", Some(&limit), Duration::ZERO),
            Reservation::Denied {
                retry_after: Duration::from_secs(20)
            }
        );
        // Other credentials have their own window.
        assert_eq!(
            store.reserve_now("other", Some(&limit), Duration::ZERO),
            Reservation::Granted {
                wait: Duration::ZERO
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_server_budget_blocks_until_reset() {
        let store = InMemoryQuotaStore::new();
        store
            .observe(
                "k",
                ServerQuota {
                    remaining: 0,
                    reset_in: Duration::from_secs(3600),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.reserve_now("k", None, Duration::ZERO),
            Reservation::Denied {
                retry_after: Duration::from_secs(3600)
            }
        );
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(
            store.reserve_now("k", None, Duration::ZERO),
            Reservation::Granted {
                wait: Duration::ZERO
            }
        );
    }
}
