//! Budgets: how many requests per window ([`RateLimit`]), and what to do when one is spent
//! ([`WhenExhausted`], [`QuotaPolicy`]). The quota layer (`layer/quota.rs`) holds calls to them.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::time::Duration;

use crate::error::Error;

/// A budget: at most `limit` requests in any `window`. Made with [`RateLimit::new`] (or
/// [`RateLimit::parse`]) and [`RateLimit::with_safety_margin`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u32,
    /// The window's length.
    pub window: Duration,
    /// Added to the window, to absorb clock and network skew between us and the vendor.
    pub safety_margin: Duration,
}

impl RateLimit {
    /// `limit` requests per `window`, with no margin.
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimit {
            limit,
            window,
            safety_margin: Duration::ZERO,
        }
    }

    /// Adds a safety margin to the window.
    pub fn with_safety_margin(mut self, margin: Duration) -> Self {
        self.safety_margin = margin;
        self
    }

    /// Parses `N/<duration>` such as `300/15m`, `1000/1d` or `5/1s` (units `s`, `m`, `h`, `d`;
    /// the number before the unit may be left out: `300/m`). Windows longer than
    /// [`MAX_WINDOW`](Self::MAX_WINDOW) are refused: no vendor counts over years, and such a
    /// number is a typo.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = || {
            Error::invalid_request(format!(
                "invalid rate limit {text:?}: expected N/<duration> such as 300/15m (units s, m, h, d)"
            ))
        };
        let (count, span) = text.trim().split_once('/').ok_or_else(bad)?;
        let limit: u32 = count.trim().parse().map_err(|_| bad())?;
        let span = span.trim();
        let unit_at = span.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (amount, unit) = span.split_at(unit_at);
        let amount: u64 = if amount.is_empty() {
            1
        } else {
            amount.parse().map_err(|_| bad())?
        };
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        if limit == 0 || amount == 0 {
            return Err(bad());
        }
        let window = Duration::from_secs(amount.saturating_mul(seconds));
        if window > Self::MAX_WINDOW {
            return Err(Error::invalid_request(format!(
                "invalid rate limit {text:?}: the window is longer than {} days",
                Self::MAX_WINDOW.as_secs() / 86_400
            )));
        }
        Ok(RateLimit::new(limit, window))
    }

    /// The longest window [`parse`](Self::parse) accepts: 366 days.
    pub const MAX_WINDOW: Duration = Duration::from_secs(366 * 86_400);

    pub(crate) fn span(&self) -> Duration {
        self.window.saturating_add(self.safety_margin)
    }
}

/// What to do when the budget is spent. Matches need a `_` arm: more choices may come.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenExhausted {
    /// Fail at once with [`ErrorKind::QuotaExhausted`](crate::ErrorKind::QuotaExhausted) carrying the reset instant.
    FailFast,
    /// Wait for budget, up to `max_wait`; beyond that, fail as with `FailFast`.
    Wait {
        /// The longest a call may wait for budget.
        max_wait: Duration,
    },
}

/// The quota layer's settings. Made with [`QuotaPolicy::new`] or [`QuotaPolicy::default`]
/// (no client-side budget; fail fast).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QuotaPolicy {
    /// The client-side budget, if any.
    pub limit: Option<RateLimit>,
    /// What to do when it (or the vendor's announced budget) is spent.
    pub when_exhausted: WhenExhausted,
}

impl WhenExhausted {
    /// Wait for budget up to `max_wait`.
    pub fn wait_up_to(max_wait: Duration) -> Self {
        WhenExhausted::Wait { max_wait }
    }
}

impl QuotaPolicy {
    /// A client-side budget (or none: then only the vendor's announced budget counts) and
    /// what to do when a budget is spent.
    pub fn new(limit: Option<RateLimit>, when_exhausted: WhenExhausted) -> Self {
        QuotaPolicy {
            limit,
            when_exhausted,
        }
    }
}

impl Default for QuotaPolicy {
    fn default() -> Self {
        QuotaPolicy {
            limit: None,
            when_exhausted: WhenExhausted::FailFast,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn parses_budgets() {
        assert_eq!(
            RateLimit::parse("300/15m").unwrap(),
            RateLimit::new(300, Duration::from_secs(900))
        );
        assert_eq!(
            RateLimit::parse("5/s").unwrap().window,
            Duration::from_secs(1)
        );
        assert_eq!(
            RateLimit::parse(" 1000/1d ").unwrap().window,
            Duration::from_secs(86_400)
        );
        for bad in ["", "300", "0/15m", "300/0m", "300/15x", "x/15m", "300/m15"] {
            let err = RateLimit::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad}");
        }
    }
}
