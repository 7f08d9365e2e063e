//! How many tries a call may make and the backoff between them; the retry layer
//! (`layer/retry.rs`) and the classifier (`retry.rs`) apply it.
// Durations here come from users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::time::Duration;

/// How many tries a call may make and how long to back off between them: attempts, backoff
/// and an overall deadline. It counts the tries of one call; it is not a budget shared by
/// calls (that is [`QuotaPolicy`](crate::QuotaPolicy)).
///
/// Start from [`RetryConfig::default`] (or [`RetryConfig::disabled`]) and adjust with the
/// `with_*` methods; new settings can then be added without breaking your code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Tries in all, the first included. `1` disables retries. Default 4.
    pub max_attempts: u32,
    /// Backoff ceiling of the first retry; doubles with each retry. Default 250 ms.
    pub initial_backoff: Duration,
    /// Largest backoff ceiling. Default 20 s.
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first try. Default 60 s.
    pub deadline: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(20),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Tries in all, the first included (`1` disables retries).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Backoff ceiling of the first retry.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Largest backoff ceiling.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry starts after this much time since the first try.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The full-jitter backoff before retry number `retry` (1-based): uniform in
    /// `[0, min(max_backoff, initial_backoff * 2^(retry-1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(
                1u32.checked_shl(retry.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_ceiling() {
        let config = RetryConfig::default();
        for retry in 1..=10 {
            let ceiling =
                (Duration::from_millis(250) * 2u32.pow(retry - 1)).min(Duration::from_secs(20));
            for _ in 0..200 {
                assert!(config.backoff(retry) <= ceiling);
            }
        }
        assert!(
            config.backoff(100) <= Duration::from_secs(20),
            "no overflow"
        );
    }
}
