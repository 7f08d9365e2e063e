//! Redis-backed [`TokenStore`] and [`QuotaStore`] for the practice-management API clients, so
//! that a fleet of processes shares one token per credential and stays inside one vendor
//! budget.
//!
//! ```no_run
//! # async fn run() -> Result<(), practice_core::Error> {
//! use std::sync::Arc;
//! use practice_redis::{OnFailure, RedisStore};
//!
//! let store = Arc::new(
//!     RedisStore::builder("redis://127.0.0.1:6379/0")
//!         .on_failure(OnFailure::FailClosed)
//!         .build()?,
//! );
//! // Give the same store to every client of the fleet, as both stores:
//! // aerona_api::Client::builder(..).map_options(|o| o.token_store(store.clone()).quota_store(store))
//! # Ok(()) }
//! ```
//!
//! * **Budgets** are a sliding-window log checked and reserved in one Lua script, on the Redis
//!   server's clock. A caller is told exactly how long to wait for its slot and sleeps that
//!   long: no polling.
//! * **Tokens** are stored with their remaining lifetime as the key's expiry. Renewal is claimed
//!   with a lock that lapses on its own, so a crashed holder cannot block the fleet; the other
//!   processes keep using a still-valid token, or wait for and reuse the new one.
//! * **Webhook deduplication** ([`RedisDedupStore`]): receiver replicas share which Aerona
//!   deliveries are claimed (a lease, `SET NX PX`) and which were handled (25 hours by
//!   default), so each is handled once; a failed handler's claim is released for the retry.
//! * **Failure**: when Redis cannot be reached, [`OnFailure`] decides between a typed error
//!   ([`ErrorKind::SharedState`], nothing sent) and going on with this process's own state,
//!   with a warning. The connection is re-established on its own.
//!
//! Keys never contain a secret: they are built from the vendor and the credential's identity
//! (the user name or client id). See `docs/scaling.md` for the key layout and the guarantees.
//!
//! [`ErrorKind::SharedState`]: practice_core::ErrorKind::SharedState
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![deny(clippy::unchecked_time_subtraction)]
#![forbid(unsafe_code)]

mod account;
mod connection;
mod quota;
mod tokens;
mod webhooks;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use account::AccountStore;
use practice_core::Error;
pub use practice_core::{QuotaStore, TokenStore};
pub use webhooks::{DeliveryClaim, LONGEST_EXPIRY, RedisDedupStore};

use connection::Connection;

/// What to do when Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// Fail the call with [`practice_core::ErrorKind::SharedState`]; nothing is sent. The safe
    /// choice where going over the budget costs more than waiting (Aerona invalidates the
    /// token).
    #[default]
    FailClosed,
    /// Go on with this process's own token and budget, and log a warning once per outage. The
    /// fleet as a whole may then exceed the vendor's budget.
    UseLocal,
}

/// Settings of a [`RedisStore`].
#[derive(Clone)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    on_failure: OnFailure,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl RedisStoreBuilder {
    /// Prefixes every key (default `practice`), to keep several deployments apart in one
    /// Redis database.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// What to do when Redis cannot be reached (default [`OnFailure::FailClosed`]).
    pub fn on_failure(mut self, on_failure: OnFailure) -> Self {
        self.on_failure = on_failure;
        self
    }

    /// How long to try to connect (default 1 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to wait for each answer (default 1 s).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Checks the URL; connects lazily, on first use, and reconnects on its own.
    pub fn build(self) -> Result<RedisStore, Error> {
        if self.prefix.is_empty() {
            return Err(Error::configuration(
                "the Redis key prefix must not be empty",
            ));
        }
        let connection = Connection::new(
            &self.url,
            self.on_failure,
            self.connect_timeout,
            self.response_timeout,
        )?;
        Ok(RedisStore {
            shared: Arc::new(Shared {
                connection,
                prefix: self.prefix,
                lines: Default::default(),
            }),
        })
    }
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("prefix", &self.prefix)
            .field("on_failure", &self.on_failure)
            .finish_non_exhaustive()
    }
}

/// Tokens and budgets kept in Redis, shared by every process that uses the same Redis and
/// prefix. Cheap to clone; one per process is enough, given to every client as both its
/// [`TokenStore`] and its [`QuotaStore`].
#[derive(Clone)]
pub struct RedisStore {
    shared: Arc<Shared>,
}

struct Shared {
    connection: Connection,
    prefix: String,
    /// Per credential, this process's line of callers waiting for budget.
    lines: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl RedisStore {
    /// A builder for the Redis at `url` (`redis://[user:password@]host:port/db`, or
    /// `rediss://` for TLS).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "practice".to_owned(),
            on_failure: OnFailure::default(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
        }
    }

    /// The Redis key of `what` (`token`, `token-claim`, `quota`, `quota-flight`,
    /// `quota-blocked`) for the
    /// credential `key` (`<vendor>:<credential identity>`).
    fn key(&self, key: &str, what: &str) -> String {
        format!("{}:{key}:{what}", self.shared.prefix)
    }

    /// Whether the last call reached Redis (false while it is unreachable).
    pub fn is_reachable(&self) -> bool {
        self.shared.connection.is_reachable()
    }
}

impl fmt::Debug for RedisStore {
    /// The URL is left out: it may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.shared.prefix)
            .field("on_failure", &self.shared.connection.on_failure())
            .field("reachable", &self.is_reachable())
            .finish()
    }
}
