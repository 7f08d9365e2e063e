//! "Should we retry?" ([`RetryClassifier`], over one outcome) kept apart from "may we?"
//! ([`RetryConfig`]: attempts, backoff and an overall deadline). The retry layer joins them.
//!
//! Idempotent requests retry on connect errors (a refused connection, say), timeouts, 5xx and
//! 429, with exponential
//! backoff and full jitter, honouring `Retry-After` and reset headers. A request that is not
//! idempotent retries only when it provably never left (connect failure, token failure);
//! once it may have reached the server, a 5xx, reset or timeout becomes
//! [`ErrorKind::OutcomeUnknown`] — never a duplicate write. A name that does not resolve
//! and a failed TLS handshake are never retried: they fail the same way every time
//! ([`TransportPhase::is_deterministic`](crate::error::TransportPhase::is_deterministic)).
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::time::Duration;

use bytes::Bytes;
use http::Response;

use crate::error::{Dispatch, Error, ErrorKind};
use crate::vendor::ResponseReading;

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

/// What one outcome calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryClass {
    /// Worth another try, after at least `after` when the vendor said so.
    Retry {
        /// The vendor's requested delay (`Retry-After` or a rate-limit reset).
        after: Option<Duration>,
    },
    /// Final: a success, or an error another try would not fix.
    Final,
    /// A write may have been applied; it must not be retried and the caller must be told.
    OutcomeUnknown,
}

/// Decides whether an outcome is worth retrying. Knows nothing of attempt counts or time, and
/// nothing of the vendor: it reads the [`ResponseReading`] made when the answer came back.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryClassifier;

impl RetryClassifier {
    /// The classifier.
    pub fn new() -> Self {
        RetryClassifier
    }

    /// Classifies the outcome of one try of a request that is (or is not) idempotent.
    pub fn classify(
        &self,
        idempotent: bool,
        outcome: &Result<Response<Bytes>, Error>,
    ) -> RetryClass {
        match outcome {
            Ok(response) => {
                let reading = ResponseReading::of(response);
                if !reading.transient {
                    return RetryClass::Final;
                }
                let after = reading.retry_after;
                if idempotent {
                    RetryClass::Retry { after }
                } else if reading.refused_unprocessed {
                    // Final, and nothing was applied.
                    RetryClass::Final
                } else {
                    RetryClass::OutcomeUnknown
                }
            }
            Err(err)
                if err
                    .transport_phase()
                    .is_some_and(|phase| phase.is_deterministic()) =>
            {
                RetryClass::Final
            }
            Err(err) => match err.kind() {
                ErrorKind::Transport | ErrorKind::Timeout => {
                    if err.dispatch() == Dispatch::NotSent || idempotent {
                        RetryClass::Retry { after: None }
                    } else {
                        RetryClass::OutcomeUnknown
                    }
                }
                _ => RetryClass::Final,
            },
        }
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
