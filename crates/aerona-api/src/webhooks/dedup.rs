//! Remembering which deliveries are being handled or were handled, so a copy or a redelivery
//! is not handled again: the [`DedupStore`] seam and its bounded in-memory default.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::BoxFuture;
use practice_core::Error;
use tokio::time::Instant;

/// Aerona retries for 24 hours (once an hour, 24 more times); what was handled is remembered a
/// little longer, so the last retry is still recognised.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(25 * 3600);

/// How many deliveries the in-memory store remembers by default. At about 150 bytes each this
/// is some 15 MB at most; size it to the deliveries you expect in [`DEFAULT_RETENTION`].
pub const DEFAULT_CAPACITY: usize = 100_000;

/// What a store knew about a delivery when it was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Not seen (or its earlier claim lapsed): it is now marked in progress, and the claimant
    /// must end the claim with [`DedupStore::mark_handled`] or [`DedupStore::release`].
    New,
    /// Another copy is being handled right now.
    InProgress,
    /// Handled within the retention: a redelivery.
    Handled,
}

/// Remembers deliveries by key (see [`Delivery::dedup_key`](super::Delivery::dedup_key)).
///
/// A store shared by several replicas (for example in Redis) makes each delivery handled once
/// across all of them. An implementation must make [`claim`](Self::claim) atomic: of many
/// concurrent claims of one key, exactly one sees [`Claim::New`]. A claim lapses after its
/// `lease`, so a replica that dies mid-delivery does not block the key for good.
pub trait DedupStore: Send + Sync + 'static {
    /// Marks `key` in progress for `lease` unless it is in progress or handled already.
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> BoxFuture<'a, Result<Claim, Error>>;
    /// Marks `key` handled, remembered for `retention`.
    fn mark_handled<'a>(
        &'a self,
        key: &'a str,
        retention: Duration,
    ) -> BoxFuture<'a, Result<(), Error>>;
    /// Forgets `key`, so its next redelivery is handled (the handler failed or asked for it).
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>>;
}

/// The default [`DedupStore`], in this process: bounded to a capacity (the oldest entry makes
/// room, with a warning, when it is full), entries dropped after their retention or lease,
/// and O(1) amortised per call.
pub struct InMemoryDedupStore {
    capacity: usize,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<Arc<str>, Entry>,
    /// Keys in the order first claimed, with the sequence number they were claimed under; an
    /// item whose key was released or claimed again since is stale and skipped.
    order: VecDeque<(u64, Arc<str>)>,
    next_seq: u64,
}

struct Entry {
    seq: u64,
    handled: bool,
    /// `None`: a duration too long to add to the clock, so never.
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| now < at)
    }
}

impl Default for InMemoryDedupStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for InMemoryDedupStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryDedupStore")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl InMemoryDedupStore {
    /// An empty store remembering up to [`DEFAULT_CAPACITY`] deliveries.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// An empty store remembering up to `capacity` deliveries (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        InMemoryDedupStore {
            capacity: capacity.max(1),
            entries: Mutex::new(Entries::default()),
        }
    }

    /// How many deliveries are remembered now (expired ones included until they are swept).
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic elsewhere cannot leave the map half-updated: each update is one call.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn claim_now(&self, key: &str, lease: Duration) -> Claim {
        let now = Instant::now();
        let expires = now.checked_add(lease);
        let mut entries = self.lock();
        entries.sweep(now);
        if let Some(entry) = entries.by_key.get_mut(key) {
            if entry.live(now) {
                return if entry.handled {
                    Claim::Handled
                } else {
                    Claim::InProgress
                };
            }
            // Lapsed but not swept yet (it is behind a live one in the order): reuse it.
            entry.handled = false;
            entry.expires = expires;
            return Claim::New;
        }
        entries.insert(key, false, expires, self.capacity);
        Claim::New
    }

    fn mark_handled_now(&self, key: &str, retention: Duration) {
        let now = Instant::now();
        let expires = now.checked_add(retention);
        let mut entries = self.lock();
        entries.sweep(now);
        if let Some(entry) = entries.by_key.get_mut(key) {
            entry.handled = true;
            entry.expires = expires;
        } else {
            // Its claim was evicted to make room: remember the outcome all the same.
            entries.insert(key, true, expires, self.capacity);
        }
    }
}

impl Entries {
    /// Drops expired entries and stale order items from the front. Every item is pushed once
    /// and popped at most once, so this is O(1) amortised.
    fn sweep(&mut self, now: Instant) {
        while let Some((seq, key)) = self.order.front() {
            match self.by_key.get(key) {
                Some(entry) if entry.seq == *seq => {
                    if entry.live(now) {
                        break;
                    }
                    self.by_key.remove(key);
                }
                _ => {}
            }
            self.order.pop_front();
        }
    }

    fn insert(&mut self, key: &str, handled: bool, expires: Option<Instant>, capacity: usize) {
        while self.by_key.len() >= capacity {
            let Some((seq, oldest)) = self.order.pop_front() else {
                break;
            };
            if self.by_key.get(&oldest).is_some_and(|e| e.seq == seq) {
                self.by_key.remove(&oldest);
                tracing::warn!(
                    capacity,
                    "webhook dedup store full: forgot its oldest delivery before its retention \
                     ended (a redelivery of it would be handled again); raise the capacity"
                );
            }
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let key: Arc<str> = Arc::from(key);
        self.order.push_back((seq, key.clone()));
        self.by_key.insert(
            key,
            Entry {
                seq,
                handled,
                expires,
            },
        );
        // Released keys leave stale items behind; drop them once they outnumber the live ones,
        // so the order stays within twice the capacity (amortised O(1)).
        if self.order.len() > capacity.saturating_mul(2) {
            let by_key = &self.by_key;
            self.order
                .retain(|(seq, key)| by_key.get(key).is_some_and(|e| e.seq == *seq));
        }
    }
}

impl DedupStore for InMemoryDedupStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> BoxFuture<'a, Result<Claim, Error>> {
        let claim = self.claim_now(key, lease);
        Box::pin(async move { Ok(claim) })
    }

    fn mark_handled<'a>(
        &'a self,
        key: &'a str,
        retention: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.mark_handled_now(key, retention);
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.lock().by_key.remove(key);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(70);

    async fn claim(store: &InMemoryDedupStore, key: &str) -> Claim {
        store.claim(key, LEASE).await.unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn in_progress_then_handled_then_forgotten_after_retention() {
        let store = InMemoryDedupStore::new();
        assert_eq!(claim(&store, "a").await, Claim::New);
        assert_eq!(claim(&store, "a").await, Claim::InProgress);
        store.mark_handled("a", DEFAULT_RETENTION).await.unwrap();
        // Aerona's last retry comes 24 hours after the first try.
        tokio::time::advance(Duration::from_secs(24 * 3600 + 60)).await;
        assert_eq!(claim(&store, "a").await, Claim::Handled);
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(claim(&store, "b").await, Claim::New);
        assert_eq!(store.len(), 1, "the expired entry was swept");
        assert_eq!(claim(&store, "a").await, Claim::New);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lapsed_claim_can_be_claimed_again() {
        let store = InMemoryDedupStore::new();
        assert_eq!(claim(&store, "a").await, Claim::New);
        store.mark_handled("z", DEFAULT_RETENTION).await.unwrap();
        tokio::time::advance(LEASE).await;
        assert_eq!(claim(&store, "a").await, Claim::New);
        assert_eq!(claim(&store, "z").await, Claim::Handled);
    }

    #[tokio::test]
    async fn released_keys_are_handled_again() {
        let store = InMemoryDedupStore::new();
        assert_eq!(claim(&store, "a").await, Claim::New);
        store.release("a").await.unwrap();
        assert_eq!(claim(&store, "a").await, Claim::New);
    }

    #[tokio::test]
    async fn the_store_is_bounded_by_its_capacity() {
        let store = InMemoryDedupStore::with_capacity(3);
        for key in ["a", "b", "c", "d"] {
            assert_eq!(claim(&store, key).await, Claim::New);
            store.mark_handled(key, DEFAULT_RETENTION).await.unwrap();
        }
        assert_eq!(store.len(), 3);
        assert_eq!(claim(&store, "d").await, Claim::Handled);
        assert_eq!(claim(&store, "a").await, Claim::New, "the oldest made room");
        // Churn through claim and release: memory stays bounded, stale items included.
        for round in 0..1_000 {
            let key = format!("k{}", round % 7);
            if claim(&store, &key).await == Claim::New {
                store.release(&key).await.unwrap();
            }
        }
        let entries = store.lock();
        assert!(entries.by_key.len() <= 3);
        assert!(entries.order.len() <= 6, "{}", entries.order.len());
    }

    #[tokio::test]
    async fn absurd_durations_mean_never_and_do_not_panic() {
        let store = InMemoryDedupStore::new();
        assert_eq!(store.claim("a", Duration::MAX).await.unwrap(), Claim::New);
        store.mark_handled("a", Duration::MAX).await.unwrap();
        assert_eq!(claim(&store, "a").await, Claim::Handled);
        assert!(format!("{store:?}").contains("len: 1"));
    }
}
