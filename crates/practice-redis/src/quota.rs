//! [`QuotaStore`] on Redis: the same FIFO sliding-window reservations as the in-memory store,
//! checked and taken in one Lua script on the Redis server's clock, so that concurrent
//! processes can neither overfill a window nor race each other.

use std::sync::LazyLock;
use std::time::Duration;

use practice_core::auth::BoxFuture;
use practice_core::quota::Reservation;
use practice_core::{Error, QuotaStore, RateLimit, ServerQuota};
use redis::Script;

use crate::RedisStore;
use crate::connection::Outcome;

static RESERVE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/reserve.lua")));
static OBSERVE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/observe.lua")));

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

impl QuotaStore for RedisStore {
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: Option<&'a RateLimit>,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Reservation, Error>> {
        Box::pin(async move {
            let log = self.key(key, "quota");
            let blocked = self.key(key, "quota-blocked");
            let member = practice_core::ClaimId::random();
            let (count, span) = limit.map_or((0, 0), |l| {
                (l.limit, micros(l.window.saturating_add(l.safety_margin)))
            });
            // Lua numbers are doubles: keep every argument well inside 2^53.
            let max_wait = micros(max_wait).min(1 << 50);
            let outcome = self
                .shared
                .connection
                .run("quota reserve", async |conn| {
                    RESERVE
                        .key(&log)
                        .key(&blocked)
                        .arg(count)
                        .arg(span.min(1 << 50))
                        .arg(max_wait)
                        .arg(member.as_str())
                        .invoke_async::<(i64, i64)>(conn)
                        .await
                })
                .await?;
            match outcome {
                Outcome::Shared((granted, wait_us)) => {
                    let wait = Duration::from_micros(u64::try_from(wait_us).unwrap_or(0));
                    Ok(if granted == 1 {
                        Reservation::Granted { wait }
                    } else {
                        Reservation::Denied { retry_after: wait }
                    })
                }
                Outcome::Local => {
                    let local = &self.shared.connection.local_quota;
                    local
                        .reserve(key, limit, Duration::from_micros(max_wait))
                        .await
                }
            }
        })
    }

    fn observe<'a>(&'a self, key: &'a str, quota: ServerQuota) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if quota.remaining > 0 {
                return Ok(());
            }
            let blocked = self.key(key, "quota-blocked");
            let reset_in = micros(quota.reset_in).min(1 << 50);
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
}
