//! The connection to Redis, and the failure policy applied to every call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use practice_core::{Dispatch, Error, ErrorKind, InMemoryQuotaStore, InMemoryTokenStore};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::OnFailure;

/// A lazily created [`ConnectionManager`] (it reconnects by itself), plus this process's own
/// stores for [`OnFailure::UseLocal`].
pub(crate) struct Connection {
    client: redis::Client,
    config: ConnectionManagerConfig,
    manager: OnceCell<ConnectionManager>,
    on_failure: OnFailure,
    reachable: AtomicBool,
    pub(crate) local_tokens: InMemoryTokenStore,
    pub(crate) local_quota: InMemoryQuotaStore,
}

/// What a store method does next.
pub(crate) enum Outcome<T> {
    /// Redis answered.
    Shared(T),
    /// Redis is unreachable and the policy says to go on with local state.
    Local,
}

impl Connection {
    pub(crate) fn new(
        url: &str,
        on_failure: OnFailure,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> Result<Self, Error> {
        // The parse error may quote the URL, password included: say what is wrong, not what
        // was given.
        let client = redis::Client::open(url)
            .map_err(|e| Error::configuration(format!("invalid Redis URL ({:?})", e.kind())))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(response_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        Ok(Connection {
            client,
            config,
            manager: OnceCell::new(),
            on_failure,
            reachable: AtomicBool::new(true),
            local_tokens: InMemoryTokenStore::new(),
            local_quota: InMemoryQuotaStore::new(),
        })
    }

    pub(crate) fn on_failure(&self) -> OnFailure {
        self.on_failure
    }

    pub(crate) fn is_reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }

    /// Runs `call` on a connection; applies the failure policy when Redis cannot be reached.
    pub(crate) async fn run<T, F>(&self, what: &'static str, call: F) -> Result<Outcome<T>, Error>
    where
        F: AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    {
        let result = match self
            .manager
            .get_or_try_init(|| async {
                ConnectionManager::new_lazy_with_config(self.client.clone(), self.config.clone())
            })
            .await
        {
            Ok(manager) => call(&mut manager.clone()).await,
            Err(err) => Err(err),
        };
        match result {
            Ok(value) => {
                if !self.reachable.swap(true, Ordering::Relaxed) {
                    tracing::info!(operation = what, "Redis is reachable again");
                }
                Ok(Outcome::Shared(value))
            }
            // A script or data error is a bug or a foreign value under our keys, not an
            // outage: never hidden behind local state.
            Err(err) if !is_unreachable(&err) => Err(Error::new(
                ErrorKind::SharedState,
                format!("Redis refused `{what}` ({:?})", err.kind()),
            )
            .with_source(err)
            .with_dispatch(Dispatch::NotSent)),
            Err(err) => {
                let first = self.reachable.swap(false, Ordering::Relaxed);
                match self.on_failure {
                    OnFailure::FailClosed => Err(Error::new(
                        ErrorKind::SharedState,
                        format!("Redis is unreachable during `{what}`; nothing was sent"),
                    )
                    .with_source(err)
                    .with_dispatch(Dispatch::NotSent)),
                    OnFailure::UseLocal => {
                        if first {
                            tracing::warn!(
                                operation = what,
                                error = %err,
                                "Redis is unreachable; going on with this process's own tokens \
                                 and budget until it is back"
                            );
                        }
                        Ok(Outcome::Local)
                    }
                }
            }
        }
    }
}

/// Whether the error means Redis could not be reached (rather than that it refused).
fn is_unreachable(err: &redis::RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_timeout()
}
