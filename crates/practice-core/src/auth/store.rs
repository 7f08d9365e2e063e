//! Where tokens are kept ([`TokenStore`]), the renewal claim that lets processes sharing a
//! store renew one at a time, and the in-process default.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use crate::auth::token::Token;
use crate::error::Error;
use crate::request::BoxFuture;

/// Where tokens are kept, keyed by credential identity (never by the secret). The in-memory
/// default serves one process; a shared store lets a fleet reuse one token.
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token for `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>>;
    /// Stores `token` for `key`.
    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>>;
    /// Removes the token for `key` if it is still `token` (a 401 evicts the rejected token, not
    /// a newer one another task already stored).
    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Claims the right to renew the token for `key`, for at most `hold`, across everything
    /// that shares this store. A store serving one process may always grant it (the default):
    /// the cache already lets one task at a time renew. A shared store grants it to one
    /// process; the claim lapses by itself after `hold`, so a holder that crashed cannot block
    /// the others.
    fn claim_renewal<'a>(
        &'a self,
        key: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<RenewalClaim, Error>> {
        let _ = (key, hold);
        Box::pin(async { Ok(RenewalClaim::Granted(ClaimId::local())) })
    }

    /// Gives up a claim granted by [`TokenStore::claim_renewal`], if it is still this one's.
    fn release_renewal<'a>(
        &'a self,
        key: &'a str,
        claim: &'a ClaimId,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let _ = (key, claim);
        Box::pin(async { Ok(()) })
    }
}

/// The answer to [`TokenStore::claim_renewal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalClaim {
    /// This caller renews, and releases the claim afterwards.
    Granted(ClaimId),
    /// Another process is renewing; its claim lapses within `lapses_in` at the latest.
    HeldElsewhere {
        /// The longest the other claim can still last.
        lapses_in: Duration,
    },
}

/// Identifies one renewal claim, so that only its holder releases it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimId(String);

impl ClaimId {
    /// A new, random claim id.
    pub fn random() -> Self {
        ClaimId(format!(
            "{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        ))
    }

    pub(crate) fn local() -> Self {
        ClaimId("local".to_owned())
    }

    /// The id as text, for storing it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The default [`TokenStore`]: a map in this process.
#[derive(Default)]
pub struct InMemoryTokenStore {
    tokens: Mutex<HashMap<String, Token>>,
}

impl InMemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Token>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for InMemoryTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>> {
        let token = self.map().get(key).cloned();
        Box::pin(async move { Ok(token) })
    }

    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>> {
        self.map().insert(key.to_owned(), token);
        Box::pin(async { Ok(()) })
    }

    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let mut map = self.map();
        if map.get(key).is_some_and(|t| t.same_as(token)) {
            map.remove(key);
        }
        Box::pin(async { Ok(()) })
    }
}

impl fmt::Debug for InMemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryTokenStore")
            .field("keys", &self.map().len())
            .finish()
    }
}
