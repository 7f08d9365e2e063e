//! Where budgets are counted ([`QuotaStore`]) and the in-process default.
//!
//! The in-memory store keeps a sliding-window log and hands out *reservations*: each request
//! is given the earliest instant at which sending it keeps every window within the budget,
//! and sleeps until then. Reservations are FIFO, so waiting callers never stampede, the budget
//! is never exceeded whatever the concurrency, and no slot is left idle while a caller waits.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;
use crate::headers::ServerQuota;
use crate::quota::budget::RateLimit;
use crate::request::BoxFuture;

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
            // A send whose window ends past the clock's range never leaves the window.
            while self
                .sent
                .front()
                .is_some_and(|t| t.checked_add(span).is_some_and(|end| end <= now))
            {
                self.sent.pop_front();
            }
            if let Some(last) = self.sent.back() {
                at = at.max(*last);
            }
            let len = self.sent.len();
            let limit_n = usize::try_from(limit.limit).unwrap_or(usize::MAX);
            if len >= limit_n
                && let Some(oldest) = self.sent.get(len.saturating_sub(limit_n))
            {
                // The window ending at `at` must hold at most `limit` sends, this one included.
                match oldest.checked_add(span) {
                    Some(free) => at = at.max(free),
                    None => return Reservation::Denied { retry_after: span },
                }
            }
        }
        let wait = at.saturating_duration_since(now);
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
            let now = Instant::now();
            let until = now.checked_add(quota.capped_reset()).unwrap_or(now);
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

#[cfg(test)]
mod tests {
    use super::*;

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
