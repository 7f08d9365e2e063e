//! [`QuotaStore`] on Redis: the same slot accounting as the in-memory store (see
//! `practice_core::quota::store`), checked and taken in one Lua script on the Redis server's
//! clock, so that concurrent processes can neither overfill a window nor race each other.
//!
//! Waiting: in each process the callers of one credential queue in line, and only the first
//! asks Redis. It sleeps until the slot the script names frees; while other slots are still
//! in flight (an answer in any process could bring that instant forward) it re-checks at the
//! latest one span (window + drift allowance) later. That loses no time: an answer frees its
//! slot only one span after it came back, so any answer after a check frees nothing before
//! the next check. A waiting process thus runs at most one script per span, plus one per slot
//! it is told of.

// Times and durations here come from Redis and vendors: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use practice_core::auth::BoxFuture;
use practice_core::quota::store::{LONGEST_WAIT, later};
use practice_core::quota::{BudgetStatus, Reservation, SlotId, SlotRequest};
use practice_core::{Error, QuotaStore, RateLimit, ServerQuota};
use redis::Script;
use tokio::time::Instant;

use crate::RedisStore;
use crate::connection::Outcome;

static RESERVE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/reserve.lua")));
static RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/quota_release.lua")));
static STATUS: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/quota_status.lua")));
static OBSERVE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/observe.lua")));

/// Lua numbers are doubles: every argument stays well inside 2^53.
const LUA_MAX: u64 = 1 << 50;

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .min(LUA_MAX)
}

fn span_of(limit: &RateLimit) -> Duration {
    limit.window.saturating_add(limit.safety_margin)
}

impl RedisStore {
    /// This process's line of waiters for `key`.
    fn line(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut lines = self.shared.lines.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(line) = lines.get(key) {
            return line.clone();
        }
        lines.entry(key.to_owned()).or_default().clone()
    }

    async fn reserve_shared(
        &self,
        key: &str,
        limit: Option<&RateLimit>,
        ask: SlotRequest,
    ) -> Result<Reservation, Error> {
        let log = self.key(key, "quota");
        let flight = self.key(key, "quota-flight");
        let blocked = self.key(key, "quota-blocked");
        let member = practice_core::ClaimId::random();
        let (count, span) = limit.map_or((0, Duration::ZERO), |l| (l.limit, span_of(l)));
        let now = Instant::now();
        // As in practice-core's in-memory store: no wait is longer than a year (tokio's timer
        // does not sleep past about two years at once), so the deadline is always on the clock.
        let deadline = later(now, ask.max_wait.min(LONGEST_WAIT));
        let line = self.line(key);
        let _first_in_line = line.lock().await;
        loop {
            let outcome = self
                .shared
                .connection
                .run("quota reserve", async |conn| {
                    RESERVE
                        .key(&log)
                        .key(&flight)
                        .key(&blocked)
                        .arg(count)
                        .arg(micros(span))
                        .arg(micros(ask.lapse_after))
                        .arg(member.as_str())
                        .invoke_async::<(i64, i64, i64)>(conn)
                        .await
                })
                .await?;
            let (granted, wait_us, exact) = match outcome {
                Outcome::Shared(answer) => answer,
                Outcome::Local => {
                    let local = &self.shared.connection.local_quota;
                    let ask = SlotRequest {
                        max_wait: deadline.saturating_duration_since(Instant::now()),
                        ..ask
                    };
                    return local.reserve(key, limit, ask).await;
                }
            };
            if granted == 1 {
                return Ok(Reservation::Granted {
                    slot: limit.map(|_| SlotId::new(member.as_str())),
                });
            }
            let wait = Duration::from_micros(u64::try_from(wait_us).unwrap_or(0));
            let now = Instant::now();
            let frees = later(now, wait);
            if now >= deadline || (exact == 1 && frees > deadline) {
                return Ok(Reservation::Denied { retry_after: wait });
            }
            // Exact: nothing can free a slot sooner. Otherwise re-check within one span.
            let nap = if exact == 1 { wait } else { wait.min(span) };
            let wake = later(now, nap).min(deadline);
            tokio::time::sleep_until(wake).await;
        }
    }
}

impl QuotaStore for RedisStore {
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: Option<&'a RateLimit>,
        ask: SlotRequest,
    ) -> BoxFuture<'a, Result<Reservation, Error>> {
        Box::pin(self.reserve_shared(key, limit, ask))
    }

    fn release<'a>(&'a self, key: &'a str, slot: SlotId) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let log = self.key(key, "quota");
            let flight = self.key(key, "quota-flight");
            let outcome = self
                .shared
                .connection
                .run("quota release", async |conn| {
                    RELEASE
                        .key(&log)
                        .key(&flight)
                        .arg(slot.as_str())
                        .invoke_async::<i64>(conn)
                        .await
                })
                .await?;
            match outcome {
                Outcome::Shared(_) => Ok(()),
                Outcome::Local => self.shared.connection.local_quota.release(key, slot).await,
            }
        })
    }

    fn observe<'a>(&'a self, key: &'a str, quota: ServerQuota) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if quota.remaining > 0 {
                return Ok(());
            }
            let blocked = self.key(key, "quota-blocked");
            let reset_in = micros(quota.reset_in);
            let outcome = self
                .shared
                .connection
                .run("quota observe", async |conn| {
                    OBSERVE
                        .key(&blocked)
                        .arg(reset_in)
                        .invoke_async::<i64>(conn)
                        .await
                })
                .await?;
            match outcome {
                Outcome::Shared(_) => Ok(()),
                Outcome::Local => self.shared.connection.local_quota.observe(key, quota).await,
            }
        })
    }

    fn status<'a>(
        &'a self,
        key: &'a str,
        limit: &'a RateLimit,
    ) -> BoxFuture<'a, Result<BudgetStatus, Error>> {
        Box::pin(async move {
            let log = self.key(key, "quota");
            let flight = self.key(key, "quota-flight");
            let blocked = self.key(key, "quota-blocked");
            let span = span_of(limit);
            let outcome = self
                .shared
                .connection
                .run("quota status", async |conn| {
                    STATUS
                        .key(&log)
                        .key(&flight)
                        .key(&blocked)
                        .arg(limit.limit)
                        .arg(micros(span))
                        .invoke_async::<(u64, u64, u64)>(conn)
                        .await
                })
                .await?;
            match outcome {
                Outcome::Shared((counted, in_flight, next_us)) => Ok(BudgetStatus::counted(
                    u64::from(limit.limit),
                    span,
                    u64::from(limit.limit).saturating_sub(counted),
                    in_flight,
                    Duration::from_micros(next_us),
                )),
                Outcome::Local => self.shared.connection.local_quota.status(key, limit).await,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_stay_inside_lua_numbers() {
        assert_eq!(micros(Duration::MAX), LUA_MAX);
        assert_eq!(micros(Duration::from_millis(3)), 3_000);
        let absurd = RateLimit::new(1, Duration::MAX);
        assert_eq!(span_of(&absurd), Duration::MAX);
    }
}
