//! One account's view of a shared [`RedisStore`]: a fleet serving many practices shares one
//! Redis connection, and each practice keeps its own token and budget. Keys are scoped by the
//! account's name, not only by the credential's identity, because two practices may well use
//! the same user name or client id at different hosts (the sandbox's do).

use std::fmt;
use std::time::Duration;

use practice_core::auth::{ClaimId, RenewalClaim, Token};
use practice_core::quota::{BudgetStatus, RateLimit, Reservation, SlotId, SlotRequest};
use practice_core::request::BoxFuture;
use practice_core::{Error, QuotaStore, ServerQuota, TokenStore};

use crate::RedisStore;

/// A [`RedisStore`] seen by one account: every key (in Redis, in this process's line of
/// budget waiters and in the go-on-alone fallback) carries the account's name. Made by
/// [`RedisStore::for_account`]; cheap to clone, and all of them share one connection.
#[derive(Clone)]
pub struct AccountStore {
    store: RedisStore,
    /// `account:<name>:`, put before the client's `<vendor>:<credential identity>`.
    scope: String,
}

impl RedisStore {
    /// This store as `account` sees it: its own tokens and budgets under keys
    /// `<prefix>:account:<account>:<vendor>:<credential identity>:…`, over this store's
    /// connection. Account names must not contain a secret; they are in the keys.
    pub fn for_account(&self, account: &str) -> AccountStore {
        AccountStore {
            store: self.clone(),
            scope: format!("account:{account}:"),
        }
    }
}

impl AccountStore {
    fn scoped(&self, key: &str) -> String {
        format!("{}{key}", self.scope)
    }
}

impl fmt::Debug for AccountStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountStore")
            .field("scope", &self.scope)
            .field("store", &self.store)
            .finish()
    }
}

impl TokenStore for AccountStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>> {
        Box::pin(async move { self.store.get(&self.scoped(key)).await })
    }

    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.store.put(&self.scoped(key), token).await })
    }

    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.store.remove_if_same(&self.scoped(key), token).await })
    }

    fn claim_renewal<'a>(
        &'a self,
        key: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<RenewalClaim, Error>> {
        Box::pin(async move { self.store.claim_renewal(&self.scoped(key), hold).await })
    }

    fn release_renewal<'a>(
        &'a self,
        key: &'a str,
        claim: &'a ClaimId,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.store.release_renewal(&self.scoped(key), claim).await })
    }
}

impl QuotaStore for AccountStore {
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: Option<&'a RateLimit>,
        ask: SlotRequest,
    ) -> BoxFuture<'a, Result<Reservation, Error>> {
        Box::pin(async move { self.store.reserve(&self.scoped(key), limit, ask).await })
    }

    fn release<'a>(&'a self, key: &'a str, slot: SlotId) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { QuotaStore::release(&self.store, &self.scoped(key), slot).await })
    }

    fn observe<'a>(&'a self, key: &'a str, quota: ServerQuota) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.store.observe(&self.scoped(key), quota).await })
    }

    fn status<'a>(
        &'a self,
        key: &'a str,
        limit: &'a RateLimit,
    ) -> BoxFuture<'a, Result<BudgetStatus, Error>> {
        Box::pin(async move { self.store.status(&self.scoped(key), limit).await })
    }
}
