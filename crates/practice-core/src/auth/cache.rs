//! The core-owned cache in front of a [`TokenStore`]: renewal before expiry, single flight in
//! the process and (through the store's renewal claim) across processes, and a failed renewal
//! that never evicts a token still valid.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::auth::authenticator::{AuthContext, DynAuthenticator};
use crate::auth::store::{RenewalClaim, TokenStore};
use crate::auth::token::Token;
use crate::error::Error;
use crate::options::RenewalPolicy;
use crate::redact::Redactor;

/// How often a process re-reads a shared store while another renews: from the first to the
/// last interval, doubling. Renewals happen about once a token lifetime, so this is rare.
const WAIT_FOR_RENEWAL: (Duration, Duration) =
    (Duration::from_millis(20), Duration::from_millis(500));

/// The first pause after a failed renewal with no valid token to fall back on; it doubles
/// with each failure in a row, up to [`RenewalPolicy::retry_failed_after`].
const FIRST_FAILED_RENEWAL_PAUSE: Duration = Duration::from_secs(1);

/// The last failed renewal, shared with every caller until the pause after it ends.
struct Failure {
    /// No renewal is tried before then.
    until: Instant,
    /// Failures in a row.
    count: u32,
    /// The failure, already redacted.
    error: Arc<Error>,
}

impl Failure {
    /// The shared outcome, for every caller in the pause: the failure itself (the same first
    /// line, whoever made the attempt and however many callers share it, and the same
    /// `source()` chain down to the transport's error). The pause is news only for the logs.
    fn to_error(&self) -> Error {
        let left = self.until.saturating_duration_since(Instant::now());
        tracing::debug!(
            pause_left_ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX),
            "the last token renewal failed; its failure is shared until the pause ends"
        );
        Error::same_as(&self.error)
    }
}

/// The core-owned cache in front of a [`TokenStore`]: single flight per process, renewal
/// before expiry, and a failed renewal never evicts a token that is still valid. A failed
/// renewal's outcome is shared with every caller until a pause (doubling per failure) ends,
/// so a broken login answer costs one login per pause, whatever the concurrency.
pub(crate) struct TokenCache {
    store: Arc<dyn TokenStore>,
    key: String,
    renewal: tokio::sync::Mutex<Option<Failure>>,
    policy: RenewalPolicy,
    redactor: Redactor,
}

impl TokenCache {
    pub(crate) fn new(
        store: Arc<dyn TokenStore>,
        key: String,
        policy: RenewalPolicy,
        redactor: Redactor,
    ) -> Self {
        TokenCache {
            store,
            key,
            renewal: tokio::sync::Mutex::new(None),
            policy,
            redactor,
        }
    }

    /// Remembers a token's secrets for redaction before it is used.
    fn known(&self, token: Token) -> Token {
        self.redactor.add_token(token.access());
        if let Some(refresh) = token.refresh() {
            self.redactor.add_token(refresh);
        }
        token
    }

    pub(crate) async fn current(
        &self,
        auth: &dyn DynAuthenticator,
        ctx: &AuthContext,
    ) -> Result<Token, Error> {
        self.current_unrecorded(auth, ctx)
            .await
            .map(|t| self.known(t))
    }

    async fn current_unrecorded(
        &self,
        auth: &dyn DynAuthenticator,
        ctx: &AuthContext,
    ) -> Result<Token, Error> {
        if let Some(token) = self.store.get(&self.key).await?
            && token.is_fresh(self.policy.margin)
        {
            return Ok(token);
        }
        // One renewal at a time in this process; whoever waited here finds the new token in
        // the store, or the failure the renewal ended in.
        let mut last_failure = self.renewal.lock().await;
        loop {
            let existing = self.store.get(&self.key).await?;
            if let Some(token) = &existing
                && token.is_fresh(self.policy.margin)
            {
                return Ok(token.clone());
            }
            if let Some(failure) = last_failure.as_ref()
                && Instant::now() < failure.until
            {
                return match existing.filter(Token::is_valid) {
                    Some(token) => Ok(token),
                    None => Err(failure.to_error()),
                };
            }
            // And one at a time across the processes sharing the store.
            match self
                .store
                .claim_renewal(&self.key, self.policy.claim_hold)
                .await?
            {
                RenewalClaim::Granted(claim) => {
                    let renewed = self
                        .renew(auth, ctx, &mut last_failure, existing.as_ref())
                        .await;
                    // A claim that cannot be released lapses on its own; the renewal's outcome
                    // is what the caller needs.
                    if let Err(err) = self.store.release_renewal(&self.key, &claim).await {
                        tracing::warn!(
                            vendor = ctx.vendor(),
                            error = %err,
                            "could not release the renewal claim; it will lapse"
                        );
                    }
                    return renewed;
                }
                RenewalClaim::HeldElsewhere { lapses_in } => {
                    // A renewal ahead of expiry elsewhere: the current token still serves.
                    if let Some(token) = existing.filter(Token::is_valid) {
                        return Ok(token);
                    }
                    if let Some(token) = self.wait_for_renewal(lapses_in).await? {
                        return Ok(token);
                    }
                    // The claim lapsed without a new token (its holder failed or crashed):
                    // claim it again.
                }
            }
        }
    }

    /// Re-reads the store until another process has stored a usable token, or its claim has
    /// lapsed (`None`).
    async fn wait_for_renewal(&self, lapses_in: Duration) -> Result<Option<Token>, Error> {
        let now = Instant::now();
        let deadline = now.checked_add(lapses_in).unwrap_or(now);
        let (mut interval, longest) = WAIT_FOR_RENEWAL;
        loop {
            tokio::time::sleep(interval.min(deadline.saturating_duration_since(Instant::now())))
                .await;
            if let Some(token) = self.store.get(&self.key).await?
                && token.is_valid()
            {
                return Ok(Some(token));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            interval = interval.saturating_mul(2).min(longest);
        }
    }

    /// Obtains a new token and stores it; on failure keeps a still-valid one.
    async fn renew(
        &self,
        auth: &dyn DynAuthenticator,
        ctx: &AuthContext,
        last_failure: &mut Option<Failure>,
        existing: Option<&Token>,
    ) -> Result<Token, Error> {
        // Another process may have renewed between our read and our claim.
        if let Some(token) = self.store.get(&self.key).await?
            && token.is_fresh(self.policy.margin)
        {
            return Ok(token);
        }
        match auth.acquire(ctx, existing).await {
            Ok(token) => {
                *last_failure = None;
                let token = self.known(token);
                self.store.put(&self.key, token.clone()).await?;
                tracing::debug!(vendor = ctx.vendor(), "token renewed");
                Ok(token)
            }
            Err(err) => match existing {
                Some(token) if token.is_valid() => {
                    let err =
                        self.record_failure(last_failure, err, self.policy.retry_failed_after);
                    // News: the call goes on with the current token, so no error tells it.
                    tracing::warn!(
                        vendor = ctx.vendor(),
                        error = %err,
                        "token renewal failed; keeping the current token until it expires"
                    );
                    Ok(token.clone())
                }
                _ => {
                    let count = last_failure.as_ref().map_or(0, |f| f.count);
                    let pause = FIRST_FAILED_RENEWAL_PAUSE
                        .saturating_mul(1u32.checked_shl(count).unwrap_or(u32::MAX))
                        .min(self.policy.retry_failed_after);
                    let err = self.record_failure(last_failure, err, pause);
                    // Not a warning: the caller gets this very error, and a warning would
                    // only repeat it.
                    tracing::debug!(
                        vendor = ctx.vendor(),
                        error = %err,
                        pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                        "token renewal failed; callers get this failure until the pause ends"
                    );
                    Err(Error::same_as(&err))
                }
            },
        }
    }

    /// Keeps the (redacted) failure to share until the pause ends.
    fn record_failure(
        &self,
        last: &mut Option<Failure>,
        err: Error,
        pause: Duration,
    ) -> Arc<Error> {
        let now = Instant::now();
        let error = Arc::new(self.redactor.error(err));
        *last = Some(Failure {
            until: now.checked_add(pause).unwrap_or(now),
            count: last.as_ref().map_or(0, |f| f.count).saturating_add(1),
            error: error.clone(),
        });
        error
    }

    pub(crate) async fn replace_rejected(
        &self,
        rejected: &Token,
        auth: &dyn DynAuthenticator,
        ctx: &AuthContext,
    ) -> Result<Token, Error> {
        self.store.remove_if_same(&self.key, rejected).await?;
        self.current(auth, ctx).await
    }
}
