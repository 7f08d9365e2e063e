//! Webhook deduplication on Redis: several receiver replicas share which deliveries are being
//! handled and which were handled, so each delivery is handled once across all of them.
//!
//! One key per delivery, `<prefix>:<delivery key>:delivery`, holding either this store's claim
//! (`claim:<random id>`, expiring after the lease) or `handled` (expiring after the
//! retention). Every key expires, so Redis holds at most the deliveries of one retention.

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use practice_core::{ClaimId, Dispatch, Error, ErrorKind};
use redis::{AsyncCommands, Script};

use crate::RedisStore;
use crate::connection::Outcome;

static CLAIM: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/claim_delivery.lua")));
/// Deletes a key only while it still holds the given value: a claim that lapsed may since have
/// been taken by another replica, whose claim must stay.
static RELEASE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/release.lua")));

/// The value that marks a delivery handled.
const HANDLED: &str = "handled";

/// The longest a key is kept: a longer lease or retention is cut to this, so every key
/// expires.
pub const LONGEST_EXPIRY: Duration = Duration::from_secs(366 * 24 * 3600);

/// What Redis knew about a delivery when it was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryClaim {
    /// Not seen (or its earlier claim lapsed): it is now claimed by this store, and the claim
    /// must end with [`RedisDedupStore::mark_handled`] or [`RedisDedupStore::release`].
    New,
    /// Another claim, live, holds it: a copy is being handled right now.
    InProgress,
    /// Marked handled within its retention: a redelivery.
    Handled,
}

/// Webhook delivery deduplication shared by every replica that uses the same Redis and prefix.
///
/// `aerona-api` (feature `redis`) implements its `DedupStore` for this type, so it can be
/// given to a `WebhookReceiver` as is. A claim is atomic (`SET NX PX` in one script): of many
/// concurrent claims of one delivery, across processes, exactly one is [`DeliveryClaim::New`].
/// It lapses after its lease, so a replica that died mid-delivery blocks the delivery for that
/// long only. A delivery is marked handled only when told so, after its handler succeeded; a
/// release (the handler failed) forgets it, so the next redelivery is handled.
///
/// Redis unreachable: every call fails with [`ErrorKind::SharedState`], under either
/// [`OnFailure`](crate::OnFailure) policy — there is no local fallback that other replicas
/// could see. The receiver then answers an error, and Aerona redelivers later.
#[derive(Clone)]
pub struct RedisDedupStore {
    store: RedisStore,
    /// This store's claims carry it, so a release removes only a claim of its own.
    owner: String,
}

impl RedisDedupStore {
    /// A dedup store on `store`'s connection and key prefix, with a claim id of its own.
    pub fn new(store: &RedisStore) -> Self {
        RedisDedupStore {
            store: store.clone(),
            owner: format!("claim:{}", ClaimId::random().as_str()),
        }
    }

    /// Claims delivery `key` for `lease`, unless a live claim holds it or it was handled.
    pub async fn claim(&self, key: &str, lease: Duration) -> Result<DeliveryClaim, Error> {
        let redis_key = self.store.key(key, "delivery");
        let outcome = self
            .store
            .shared
            .connection
            .run("webhook claim", async |conn| {
                CLAIM
                    .key(&redis_key)
                    .arg(&self.owner)
                    .arg(expiry_ms(lease))
                    .invoke_async::<i64>(conn)
                    .await
            })
            .await?;
        match shared(outcome, "webhook claim")? {
            0 => Ok(DeliveryClaim::New),
            2 => Ok(DeliveryClaim::Handled),
            _ => Ok(DeliveryClaim::InProgress),
        }
    }

    /// Marks delivery `key` handled, remembered for `retention`; replaces any claim, since the
    /// delivery's handler succeeded.
    pub async fn mark_handled(&self, key: &str, retention: Duration) -> Result<(), Error> {
        let redis_key = self.store.key(key, "delivery");
        let outcome = self
            .store
            .shared
            .connection
            .run("webhook mark handled", async |conn| {
                conn.pset_ex::<_, _, ()>(&redis_key, HANDLED, expiry_ms(retention))
                    .await
            })
            .await?;
        shared(outcome, "webhook mark handled")
    }

    /// Forgets delivery `key` if this store's claim still holds it, so its next redelivery is
    /// handled. A claim that lapsed and was taken by another replica is left alone.
    pub async fn release(&self, key: &str) -> Result<(), Error> {
        let redis_key = self.store.key(key, "delivery");
        let outcome = self
            .store
            .shared
            .connection
            .run("webhook release", async |conn| {
                RELEASE
                    .key(&redis_key)
                    .arg(&self.owner)
                    .invoke_async::<i64>(conn)
                    .await
            })
            .await?;
        shared(outcome, "webhook release").map(|_released| ())
    }
}

impl fmt::Debug for RedisDedupStore {
    /// The store's own `Debug`: prefix and policy, never the URL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDedupStore")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// Redis's answer, or an error where the failure policy would go on alone: a replica's own
/// memory of deliveries means nothing to the others.
fn shared<T>(outcome: Outcome<T>, what: &str) -> Result<T, Error> {
    match outcome {
        Outcome::Shared(value) => Ok(value),
        Outcome::Local => Err(Error::new(
            ErrorKind::SharedState,
            format!(
                "Redis is unreachable during `{what}`; webhook deduplication has no local fallback"
            ),
        )
        .with_dispatch(Dispatch::NotSent)),
    }
}

/// `PX` milliseconds: at least 1 (Redis refuses 0), at most [`LONGEST_EXPIRY`].
fn expiry_ms(duration: Duration) -> u64 {
    let ms = duration.min(LONGEST_EXPIRY).as_millis();
    u64::try_from(ms).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_expires_and_none_at_once() {
        assert_eq!(expiry_ms(Duration::ZERO), 1);
        assert_eq!(expiry_ms(Duration::from_micros(10)), 1);
        assert_eq!(expiry_ms(Duration::from_secs(25 * 3600)), 90_000_000);
        assert_eq!(
            expiry_ms(Duration::MAX),
            u64::try_from(LONGEST_EXPIRY.as_millis()).unwrap()
        );
    }

    #[test]
    fn claims_carry_a_random_owner_and_debug_hides_the_url() {
        let store = RedisStore::builder("redis://:hunter2@127.0.0.1:1/0")
            .build()
            .unwrap();
        let (a, b) = (RedisDedupStore::new(&store), RedisDedupStore::new(&store));
        assert_ne!(a.owner, b.owner);
        assert!(a.owner.starts_with("claim:"));
        assert_ne!(a.owner, HANDLED);
        let shown = format!("{a:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("RedisDedupStore"), "{shown}");
    }
}
