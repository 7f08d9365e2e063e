//! [`TokenStore`] on Redis: one token per credential for the whole fleet, stored with its
//! remaining lifetime as the key's expiry, and a renewal claim that lapses on its own.

// Times and durations here come from Redis and vendors: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::LazyLock;
use std::time::Duration;

use practice_core::auth::BoxFuture;
use practice_core::{ClaimId, Error, RenewalClaim, Secret, Token, TokenStore};
use redis::{AsyncCommands, Script};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::RedisStore;
use crate::connection::Outcome;

static CLAIM: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/claim.lua")));
static RELEASE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/release.lua")));
static REMOVE_IF_SAME: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/remove_if_same.lua")));

/// The stored value. The expiry is the key's own, so no clock other than Redis's is involved.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(serialize_with = "practice_core::secret::serialize_exposed")]
    access: Secret,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "practice_core::secret::serialize_exposed_option"
    )]
    refresh: Option<Secret>,
}

impl Stored {
    /// The token, expiring `left` from now: believed for at most [`Token::MAX_LIFETIME`], as a
    /// token from the vendor would be.
    fn into_token(self, left: Duration) -> Token {
        let now = Instant::now();
        let expires_at = now
            .checked_add(left.min(Token::MAX_LIFETIME))
            .unwrap_or(now);
        let token = Token::new(self.access, expires_at);
        match self.refresh {
            Some(refresh) => token.with_refresh(refresh),
            None => token,
        }
    }
}

impl TokenStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>> {
        Box::pin(async move {
            let redis_key = self.key(key, "token");
            let outcome = self
                .shared
                .connection
                .run("token get", async |conn| {
                    let (value, left_ms): (Option<String>, i64) = redis::pipe()
                        .atomic()
                        .get(&redis_key)
                        .pttl(&redis_key)
                        .query_async(conn)
                        .await?;
                    Ok(value.zip(u64::try_from(left_ms).ok()))
                })
                .await?;
            match outcome {
                Outcome::Shared(None) => Ok(None),
                Outcome::Shared(Some((value, left_ms))) => {
                    // A value we cannot read is treated as absent: renewing replaces it.
                    Ok(serde_json::from_str::<Stored>(&value)
                        .ok()
                        .map(|stored| stored.into_token(Duration::from_millis(left_ms))))
                }
                Outcome::Local => self.shared.connection.local_tokens.get(key).await,
            }
        })
    }

    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let left = token.expires_at().saturating_duration_since(Instant::now());
            let left_ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX);
            if left_ms == 0 {
                return Ok(());
            }
            let value = serde_json::to_string(&Stored {
                access: token.access().clone(),
                refresh: token.refresh().cloned(),
            })
            .map_err(|e| Error::configuration(format!("cannot encode a token: {e}")))?;
            let redis_key = self.key(key, "token");
            let outcome = self
                .shared
                .connection
                .run("token put", async |conn| {
                    conn.pset_ex::<_, _, ()>(&redis_key, &value, left_ms).await
                })
                .await?;
            match outcome {
                Outcome::Shared(()) => Ok(()),
                Outcome::Local => self.shared.connection.local_tokens.put(key, token).await,
            }
        })
    }

    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let redis_key = self.key(key, "token");
            let outcome = self
                .shared
                .connection
                .run("token remove", async |conn| {
                    REMOVE_IF_SAME
                        .key(&redis_key)
                        .arg(token.access().expose())
                        .invoke_async::<i64>(conn)
                        .await
                })
                .await?;
            match outcome {
                Outcome::Shared(_) => Ok(()),
                Outcome::Local => {
                    let local = &self.shared.connection.local_tokens;
                    local.remove_if_same(key, token).await
                }
            }
        })
    }

    fn claim_renewal<'a>(
        &'a self,
        key: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<RenewalClaim, Error>> {
        Box::pin(async move {
            let claim = ClaimId::random();
            let redis_key = self.key(key, "token-claim");
            let hold_ms = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX).max(1);
            let outcome = self
                .shared
                .connection
                .run("token claim", async |conn| {
                    CLAIM
                        .key(&redis_key)
                        .arg(claim.as_str())
                        .arg(hold_ms)
                        .invoke_async::<i64>(conn)
                        .await
                })
                .await?;
            Ok(match outcome {
                Outcome::Shared(-1) => RenewalClaim::Granted(claim),
                Outcome::Shared(left_ms) => RenewalClaim::HeldElsewhere {
                    lapses_in: Duration::from_millis(u64::try_from(left_ms).unwrap_or(0)),
                },
                // Alone, this process's own single flight is the only claim there is.
                Outcome::Local => RenewalClaim::Granted(claim),
            })
        })
    }

    fn release_renewal<'a>(
        &'a self,
        key: &'a str,
        claim: &'a ClaimId,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let redis_key = self.key(key, "token-claim");
            self.shared
                .connection
                .run("token release", async |conn| {
                    RELEASE
                        .key(&redis_key)
                        .arg(claim.as_str())
                        .invoke_async::<i64>(conn)
                        .await
                })
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absurd_remaining_lifetime_is_believed_for_a_year_at_most() {
        for left in [Duration::MAX, Duration::from_millis(u64::MAX)] {
            let stored = Stored {
                access: Secret::new("tok"),
                refresh: None,
            };
            let token = stored.into_token(left);
            let believed = token.expires_at().saturating_duration_since(Instant::now());
            assert!(believed <= Token::MAX_LIFETIME, "{believed:?}");
            let nearly = Token::MAX_LIFETIME.saturating_sub(Duration::from_secs(60));
            assert!(believed > nearly, "{believed:?}");
        }
    }
}
