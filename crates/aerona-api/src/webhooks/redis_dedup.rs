//! The Redis-backed [`DedupStore`] (feature `redis`): `practice-redis`'s
//! [`RedisDedupStore`] behind the receiver's seam, for several replicas.

use std::time::Duration;

use futures_util::future::BoxFuture;
use practice_core::Error;
use practice_redis::{DeliveryClaim, RedisDedupStore};

use super::dedup::{Claim, DedupStore};

impl DedupStore for RedisDedupStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> BoxFuture<'a, Result<Claim, Error>> {
        Box::pin(async move {
            Ok(match RedisDedupStore::claim(self, key, lease).await? {
                DeliveryClaim::New => Claim::New,
                DeliveryClaim::Handled => Claim::Handled,
                // Anything else is held by someone: not ours to handle now.
                _ => Claim::InProgress,
            })
        })
    }

    fn mark_handled<'a>(
        &'a self,
        key: &'a str,
        retention: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(RedisDedupStore::mark_handled(self, key, retention))
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(RedisDedupStore::release(self, key))
    }
}
