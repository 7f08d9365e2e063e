//! When tokens are renewed; the token cache (`auth/cache.rs`) applies it.

use std::time::Duration;

#[cfg(doc)]
use crate::auth::TokenStore;

/// Renewal settings. Start from [`RenewalPolicy::default`] and adjust with the `with_*`
/// methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RenewalPolicy {
    /// Renew this long before expiry. Default 5 minutes.
    pub margin: Duration,
    /// After a failed renewal while the old token is still valid, wait this long before trying
    /// again (so a vendor outage does not turn every call into a renewal attempt); with no
    /// valid token, the pause starts at 1 s and doubles per failure up to this. Callers in the
    /// pause get the last failure without a login. Default 30 s.
    pub retry_failed_after: Duration,
    /// With a shared [`TokenStore`], the longest one process may hold the renewal claim before
    /// the others stop waiting for it and renew themselves. Default 60 s.
    pub claim_hold: Duration,
}

impl Default for RenewalPolicy {
    fn default() -> Self {
        RenewalPolicy {
            margin: Duration::from_secs(300),
            retry_failed_after: Duration::from_secs(30),
            claim_hold: Duration::from_secs(60),
        }
    }
}

impl RenewalPolicy {
    /// Renew this long before expiry.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// After a failed renewal while the old token is still valid, wait this long before
    /// trying again.
    pub fn with_retry_failed_after(mut self, wait: Duration) -> Self {
        self.retry_failed_after = wait;
        self
    }

    /// With a shared [`TokenStore`], the longest one process may hold the renewal claim.
    pub fn with_claim_hold(mut self, hold: Duration) -> Self {
        self.claim_hold = hold;
        self
    }
}
