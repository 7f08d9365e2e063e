//! Where budgets are counted ([`QuotaStore`]) and the in-process default.
//!
//! # The accounting
//!
//! A request occupies a *slot* over the whole interval in which the vendor may receive it:
//! from when it is handed to the transport until its answer comes back. Each slot has an end
//! `e`: the instant its answer came back, or — while it is in flight — an upper bound, its
//! grant plus the per-try timeout (a try is cut there, and a process that died mid-request
//! cannot keep a slot longer). A new request may go at `t` only if fewer than `limit` slots
//! have `e > t − span` (`span` = the vendor's window plus the clock-drift allowance). That
//! keeps every window of the vendor's length within the limit whatever the network delay,
//! concurrency or number of processes; `docs/architecture.md` has the proof.
//!
//! An answer frees its slot only one span after it came back, never at once, so a waiter
//! that re-checks at least once per span loses no time; in this process waiters are woken
//! when an answer comes back, and the first in line sleeps exactly until its slot frees.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::collections::HashMap;
use std::fmt;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::Error;
use crate::headers::ServerQuota;
use crate::options::RateLimit;
use crate::quota::status::BudgetStatus;
use crate::request::BoxFuture;

/// How a request asks for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotRequest {
    /// The longest the caller will wait for a slot (zero: fail at once).
    pub max_wait: Duration,
    /// How long after its grant a slot that is never released counts at most: the per-try
    /// timeout. Bounds what a crashed process leaves behind.
    pub lapse_after: Duration,
}

/// One granted slot, to hand back with [`QuotaStore::release`] when the answer came back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SlotId(String);

impl SlotId {
    /// A slot id chosen by a store.
    pub fn new(id: impl Into<String>) -> Self {
        SlotId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of asking for budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Send now. `slot` is counted until released (or until it lapses); `None` when no
    /// client-side limit counts requests.
    Granted {
        /// The slot to release when the answer comes back.
        slot: Option<SlotId>,
    },
    /// No slot within the allowed wait; budget frees after `retry_after` at the latest.
    Denied {
        /// When budget frees, from now (an upper bound while requests are in flight).
        retry_after: Duration,
    },
}

/// Where budgets are counted, keyed by vendor and credential. The in-memory default serves one
/// process; a shared store keeps a fleet inside one budget.
pub trait QuotaStore: Send + Sync + 'static {
    /// Waits (up to `ask.max_wait`) until a request may be handed to the transport now, and
    /// takes its slot; or says when one frees.
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: Option<&'a RateLimit>,
        ask: SlotRequest,
    ) -> BoxFuture<'a, Result<Reservation, Error>>;

    /// Marks the end of a granted slot's possible-arrival interval: its answer came back (or
    /// it provably never left). The slot keeps counting for one more span.
    fn release<'a>(&'a self, key: &'a str, slot: SlotId) -> BoxFuture<'a, Result<(), Error>>;

    /// Records what the vendor said about its own count.
    fn observe<'a>(&'a self, key: &'a str, quota: ServerQuota) -> BoxFuture<'a, Result<(), Error>>;

    /// The budget under `limit` as it stands now, from this store's count.
    fn status<'a>(
        &'a self,
        key: &'a str,
        limit: &'a RateLimit,
    ) -> BoxFuture<'a, Result<BudgetStatus, Error>>;
}

/// The longest a caller ever waits for a slot (366 days, the longest budget window the CLI
/// accepts); a slot further away is refused with its wait named. Public so that every
/// [`QuotaStore`] (in memory, in Redis) bounds its waits alike.
pub const LONGEST_WAIT: Duration = Duration::from_secs(366 * 86_400);

/// `at + d`, or the latest instant the clock can represent when that overflows (a slot that
/// lapses late is safe; one that lapses early is not). For [`QuotaStore`] implementations.
pub fn later(at: Instant, d: Duration) -> Instant {
    let mut d = d;
    loop {
        if let Some(t) = at.checked_add(d) {
            return t;
        }
        // Halving reaches zero, and `at + 0` always exists.
        d = d.checked_div(2).unwrap_or(Duration::ZERO);
    }
}

struct Slot {
    id: u64,
    /// The end of its possible-arrival interval, or its lapse bound while in flight.
    end: Instant,
    in_flight: bool,
}

#[derive(Default)]
struct Window {
    slots: Vec<Slot>,
    /// The vendor said its budget is spent until then.
    blocked_until: Option<Instant>,
}

/// What the first waiter in line does next.
enum Next {
    Go(Option<u64>),
    /// Wait until `until` at the latest; `exact` when no answer can bring it forward.
    Wait {
        until: Instant,
        exact: bool,
    },
}

impl Window {
    /// Drops slots that no longer count at `now`.
    fn purge(&mut self, span: Duration, now: Instant) {
        self.slots.retain(|s| later(s.end, span) > now);
    }

    /// The earliest instant at which fewer than `limit` slots count, and whether an answer
    /// could bring it forward. Needs `slots.len() >= limit`.
    fn frees_at(&self, limit: usize, span: Duration) -> (Instant, bool) {
        let mut ends: Vec<Instant> = self.slots.iter().map(|s| s.end).collect();
        let k = ends.len().saturating_sub(limit);
        let (_, kth, _) = ends.select_nth_unstable(k);
        let exact = !self.slots.iter().any(|s| s.in_flight);
        (later(*kth, span), exact)
    }

    fn next(
        &mut self,
        limit: Option<&RateLimit>,
        lapse_after: Duration,
        now: Instant,
        ids: &AtomicU64,
    ) -> Next {
        let blocked = match self.blocked_until {
            Some(until) if until > now => Some(until),
            Some(_) => {
                self.blocked_until = None;
                None
            }
            None => None,
        };
        let Some(limit) = limit else {
            return match blocked {
                Some(until) => Next::Wait { until, exact: true },
                None => Next::Go(None),
            };
        };
        let span = limit.span();
        self.purge(span, now);
        let allowed = limit.limit as usize;
        let wait = if self.slots.len() >= allowed {
            let (until, exact) = self.frees_at(allowed, span);
            Some((until.max(blocked.unwrap_or(until)), exact))
        } else {
            blocked.map(|until| (until, true))
        };
        match wait {
            Some((until, exact)) => Next::Wait { until, exact },
            None => {
                let id = ids.fetch_add(1, Ordering::Relaxed);
                self.slots.push(Slot {
                    id,
                    end: later(now, lapse_after),
                    in_flight: true,
                });
                Next::Go(Some(id))
            }
        }
    }
}

/// One credential's count, and the line of its waiters.
#[derive(Default)]
struct Account {
    window: Mutex<Window>,
    /// Woken when an answer comes back.
    answered: Notify,
    /// FIFO: the first in line is the only one watching the window.
    line: tokio::sync::Mutex<()>,
}

/// The default [`QuotaStore`], in this process, on tokio's clock.
#[derive(Default)]
pub struct InMemoryQuotaStore {
    accounts: Mutex<HashMap<String, Arc<Account>>>,
    ids: AtomicU64,
}

impl InMemoryQuotaStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn account(&self, key: &str) -> Arc<Account> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        // The key is allocated once per credential, not once per request.
        if let Some(account) = accounts.get(key) {
            return account.clone();
        }
        accounts.entry(key.to_owned()).or_default().clone()
    }

    async fn reserve_in(
        &self,
        key: &str,
        limit: Option<&RateLimit>,
        ask: SlotRequest,
    ) -> Reservation {
        let account = self.account(key);
        // No wait is longer than a year: tokio's timer does not sleep past about two years at
        // once, so a wait for an instant at the end of time would wake and re-check for ever.
        let deadline = later(Instant::now(), ask.max_wait.min(LONGEST_WAIT));
        let _first_in_line = account.line.lock().await;
        loop {
            // Registered before looking, so an answer in between is not missed.
            let mut answered = pin!(account.answered.notified());
            answered.as_mut().enable();
            let now = Instant::now();
            let next = account
                .window
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .next(limit, ask.lapse_after, now, &self.ids);
            match next {
                Next::Go(id) => {
                    return Reservation::Granted {
                        slot: id.map(|id| SlotId(id.to_string())),
                    };
                }
                Next::Wait { until, exact } => {
                    if now >= deadline || (exact && until > deadline) {
                        return Reservation::Denied {
                            retry_after: until.saturating_duration_since(now),
                        };
                    }
                    tokio::select! {
                        () = tokio::time::sleep_until(until.min(deadline)) => {}
                        () = answered => {}
                    }
                }
            }
        }
    }

    fn release_now(&self, key: &str, slot: &SlotId) {
        let Ok(id) = slot.0.parse::<u64>() else {
            return;
        };
        let account = self.account(key);
        let now = Instant::now();
        {
            let mut window = account.window.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(s) = window.slots.iter_mut().find(|s| s.id == id) {
                s.end = now;
                s.in_flight = false;
            }
        }
        account.answered.notify_waiters();
    }

    fn status_now(&self, key: &str, limit: &RateLimit) -> BudgetStatus {
        let account = self.account(key);
        let now = Instant::now();
        let mut window = account.window.lock().unwrap_or_else(|p| p.into_inner());
        let span = limit.span();
        window.purge(span, now);
        let allowed = limit.limit as usize;
        let counted = window.slots.len();
        let in_flight = window.slots.iter().filter(|s| s.in_flight).count();
        let mut next_free = if counted >= allowed {
            window.frees_at(allowed, span).0
        } else {
            now
        };
        if let Some(until) = window.blocked_until {
            next_free = next_free.max(until);
        }
        BudgetStatus::counted(
            u64::from(limit.limit),
            span,
            allowed.saturating_sub(counted) as u64,
            in_flight as u64,
            next_free.saturating_duration_since(now),
        )
    }
}

impl QuotaStore for InMemoryQuotaStore {
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: Option<&'a RateLimit>,
        ask: SlotRequest,
    ) -> BoxFuture<'a, Result<Reservation, Error>> {
        Box::pin(async move { Ok(self.reserve_in(key, limit, ask).await) })
    }

    fn release<'a>(&'a self, key: &'a str, slot: SlotId) -> BoxFuture<'a, Result<(), Error>> {
        self.release_now(key, &slot);
        Box::pin(async { Ok(()) })
    }

    fn observe<'a>(&'a self, key: &'a str, quota: ServerQuota) -> BoxFuture<'a, Result<(), Error>> {
        if quota.remaining == 0 {
            let account = self.account(key);
            let mut window = account.window.lock().unwrap_or_else(|p| p.into_inner());
            let until = later(Instant::now(), quota.capped_reset());
            window.blocked_until = Some(window.blocked_until.map_or(until, |b| b.max(until)));
        }
        Box::pin(async { Ok(()) })
    }

    fn status<'a>(
        &'a self,
        key: &'a str,
        limit: &'a RateLimit,
    ) -> BoxFuture<'a, Result<BudgetStatus, Error>> {
        let status = self.status_now(key, limit);
        Box::pin(async move { Ok(status) })
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

    #[test]
    fn later_saturates_instead_of_panicking() {
        let now = Instant::now();
        let five = Duration::from_secs(5);
        assert_eq!(Some(later(now, five)), now.checked_add(five));
        let end = later(now, Duration::MAX);
        assert!(end.saturating_duration_since(now) > LONGEST_WAIT);
        // Near the end of the clock: still no panic, and never earlier.
        assert!(later(end, Duration::MAX) >= end);
    }

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn ask(max_wait: Duration) -> SlotRequest {
        SlotRequest {
            max_wait,
            lapse_after: S(60),
        }
    }

    async fn granted(store: &InMemoryQuotaStore, limit: &RateLimit, max_wait: Duration) -> SlotId {
        match store
            .reserve("k", Some(limit), ask(max_wait))
            .await
            .unwrap()
        {
            Reservation::Granted { slot: Some(slot) } => slot,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_answered_slot_counts_for_one_more_window() {
        let store = InMemoryQuotaStore::new();
        let limit = RateLimit::new(3, S(10));
        let t0 = Instant::now();
        for _ in 0..3 {
            let slot = granted(&store, &limit, S(60)).await;
            tokio::time::advance(S(1)).await; // one second of latency
            store.release("k", slot).await.unwrap();
        }
        // Answers at 1, 2 and 3 s: the first slot frees at 11 s, not at 10.
        let _ = granted(&store, &limit, S(60)).await;
        assert_eq!(Instant::now() - t0, S(11));
        // Fail-fast says when budget frees: the second answer (2 s) + 10 s.
        assert_eq!(
            store
                .reserve("k", Some(&limit), ask(Duration::ZERO))
                .await
                .unwrap(),
            Reservation::Denied { retry_after: S(1) }
        );
        // Other credentials have their own window.
        assert!(matches!(
            store
                .reserve("other", Some(&limit), ask(Duration::ZERO))
                .await
                .unwrap(),
            Reservation::Granted { slot: Some(_) }
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_slot_lapses_at_its_bound_and_a_waiter_wakes_on_an_answer() {
        let store = Arc::new(InMemoryQuotaStore::new());
        let limit = RateLimit::new(1, S(10));
        let t0 = Instant::now();
        let slot = granted(&store, &limit, S(600)).await;
        // In flight, the slot's end is unknown: fail-fast gives the lapse bound (60 + 10 s).
        assert_eq!(
            store
                .reserve("k", Some(&limit), ask(Duration::ZERO))
                .await
                .unwrap(),
            Reservation::Denied { retry_after: S(70) }
        );
        let waiter = {
            let store = store.clone();
            let limit = limit.clone();
            tokio::spawn(async move { granted(&store, &limit, S(600)).await })
        };
        tokio::time::advance(S(5)).await;
        store.release("k", slot).await.unwrap();
        let _second = waiter.await.unwrap();
        // Answered at 5 s, so the slot freed at 15 s, not at the 70 s bound.
        assert_eq!(Instant::now() - t0, S(15));
        // Never answered (a crash): lapses at its grant + 60 s, then counts one more window.
        let _ = granted(&store, &limit, S(600)).await;
        assert_eq!(Instant::now() - t0, S(85));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_never_overfill_and_go_in_order() {
        let store = Arc::new(InMemoryQuotaStore::new());
        let limit = RateLimit::new(2, S(10));
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let store = store.clone();
                let limit = limit.clone();
                tokio::spawn(async move {
                    let slot = granted(&store, &limit, S(600)).await;
                    let sent = Instant::now() - t0;
                    tokio::time::sleep(S(1)).await;
                    store.release("k", slot).await.unwrap();
                    sent.as_secs()
                })
            })
            .collect();
        let mut sent = Vec::new();
        for t in tasks {
            sent.push(t.await.unwrap());
        }
        sent.sort();
        // Two at a time, each pair one window plus its one-second latency after the last.
        assert_eq!(sent, [0, 0, 11, 11, 22, 22]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_server_budget_blocks_until_reset() {
        let store = InMemoryQuotaStore::new();
        store
            .observe(
                "k",
                ServerQuota {
                    limit: None,
                    remaining: 0,
                    reset_in: S(3600),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.reserve("k", None, ask(Duration::ZERO)).await.unwrap(),
            Reservation::Denied {
                retry_after: S(3600)
            }
        );
        tokio::time::advance(S(3600)).await;
        assert_eq!(
            store.reserve("k", None, ask(Duration::ZERO)).await.unwrap(),
            Reservation::Granted { slot: None }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn status_counts_what_is_left() {
        let store = InMemoryQuotaStore::new();
        let limit = RateLimit::new(2, S(10));
        let a = granted(&store, &limit, S(0)).await;
        let s = store.status("k", &limit).await.unwrap();
        assert_eq!((s.remaining, s.in_flight, s.next_free_in), (1, 1, S(0)));
        let _b = granted(&store, &limit, S(0)).await;
        tokio::time::advance(S(2)).await;
        store.release("k", a).await.unwrap();
        let s = store.status("k", &limit).await.unwrap();
        assert_eq!((s.remaining, s.in_flight, s.next_free_in), (0, 1, S(10)));
        assert_eq!(s.limit, Some(2));
    }
}
