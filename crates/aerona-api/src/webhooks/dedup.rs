//! Remembering which deliveries were seen, so redeliveries are dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use practice_core::Error;
use practice_core::auth::BoxFuture;
use tokio::time::Instant;

/// Redeliveries arrive for up to 24 hours; keep what was seen a little longer.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(25 * 3600);

/// Remembers which deliveries were seen, so redeliveries are dropped.
pub trait DedupStore: Send + Sync + 'static {
    /// Records `key` if it was not seen within `retention`; returns whether it is new.
    fn claim<'a>(&'a self, key: &'a str, retention: Duration)
    -> BoxFuture<'a, Result<bool, Error>>;
    /// Forgets `key` (the handler asked for redelivery).
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>>;
}

/// The default [`DedupStore`], in this process.
#[derive(Default)]
pub struct InMemoryDedupStore {
    seen: Mutex<HashMap<String, Instant>>,
}

impl InMemoryDedupStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl DedupStore for InMemoryDedupStore {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, at| now < *at + retention);
        let new = !seen.contains_key(key);
        if new {
            seen.insert(key.to_owned(), now);
        }
        Box::pin(async move { Ok(new) })
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        Box::pin(async { Ok(()) })
    }
}
