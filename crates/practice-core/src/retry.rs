//! Retries as a `tower::retry::Policy`, with "should we retry?" ([`RetryClassifier`], over
//! one outcome) kept apart from "may we?" ([`RetryConfig`]: attempts and an overall deadline).
//!
//! Idempotent requests retry on connect errors, timeouts, 5xx and 429, with exponential
//! backoff and full jitter, honouring `Retry-After` and reset headers. A request that is not
//! idempotent retries only when it provably never left (connect failure, token failure);
//! once it may have reached the server, a 5xx, reset or timeout becomes
//! [`ErrorKind::OutcomeUnknown`] — never a duplicate write.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tokio::time::Instant;

use crate::auth::{clone_request, operation_of};
use crate::client::VendorProfile;
use crate::error::{Dispatch, Error, ErrorKind};

/// The retry budget.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Decides whether an outcome is worth retrying. Knows nothing of attempt counts or time.
#[derive(Clone)]
pub struct RetryClassifier {
    profile: Arc<dyn VendorProfile>,
}

impl RetryClassifier {
    /// A classifier that asks `profile` which statuses are transient.
    pub fn new(profile: Arc<dyn VendorProfile>) -> Self {
        RetryClassifier { profile }
    }

    /// Classifies the outcome of one try of a request that is (or is not) idempotent.
    pub fn classify(
        &self,
        idempotent: bool,
        outcome: &Result<Response<Bytes>, Error>,
    ) -> RetryClass {
        match outcome {
            Ok(response) => {
                let status = response.status();
                if !self.profile.is_transient(response) {
                    return RetryClass::Final;
                }
                let after = self.profile.retry_after(response);
                if idempotent {
                    RetryClass::Retry { after }
                } else if status == StatusCode::TOO_MANY_REQUESTS {
                    // Refused before being processed: final, and nothing was applied.
                    RetryClass::Final
                } else {
                    RetryClass::OutcomeUnknown
                }
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

/// The try number of a request, set in its extensions by the retry policy (1 for the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt(pub u32);

/// Reads the try number of a request.
pub fn attempt_of<B>(request: &Request<B>) -> u32 {
    request.extensions().get::<Attempt>().map_or(1, |a| a.0)
}

/// The `tower::retry::Policy` joining classifier and budget. Cloned per call by tower, so its
/// counters are per call.
#[derive(Clone)]
pub(crate) struct RetryPolicy {
    classifier: RetryClassifier,
    config: Arc<RetryConfig>,
    attempt: u32,
    started: Option<Instant>,
}

impl RetryPolicy {
    pub(crate) fn new(classifier: RetryClassifier, config: RetryConfig) -> Self {
        RetryPolicy {
            classifier,
            config: Arc::new(config),
            attempt: 1,
            started: None,
        }
    }
}

impl tower::retry::Policy<Request<Bytes>, Response<Bytes>, Error> for RetryPolicy {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        request: &mut Request<Bytes>,
        result: &mut Result<Response<Bytes>, Error>,
    ) -> Option<Self::Future> {
        let meta = operation_of(request);
        let idempotent = meta.is_some_and(|m| m.idempotent);
        let after = match self.classifier.classify(idempotent, result) {
            RetryClass::Final => return None,
            RetryClass::OutcomeUnknown => {
                let err = match std::mem::replace(result, Err(Error::new(ErrorKind::Transport, "")))
                {
                    Ok(response) => {
                        Error::new(ErrorKind::Api, "server error after the write was sent")
                            .with_status(response.status())
                    }
                    Err(err) => err,
                };
                let err = match meta {
                    Some(meta) => err.with_operation(meta.name),
                    None => err,
                };
                *result = Err(err.into_outcome_unknown());
                return None;
            }
            RetryClass::Retry { after } => after,
        };
        // May we? Attempts, then the deadline.
        if self.attempt >= self.config.max_attempts {
            return None;
        }
        let delay = after.unwrap_or_else(|| self.config.backoff(self.attempt));
        let started = self.started.unwrap_or_else(Instant::now);
        if started.elapsed() + delay > self.config.deadline {
            return None;
        }
        self.attempt += 1;
        request.extensions_mut().insert(Attempt(self.attempt));
        tracing::debug!(
            attempt = self.attempt,
            delay_ms = delay.as_millis() as u64,
            "retrying"
        );
        Some(tokio::time::sleep(delay))
    }

    fn clone_request(&mut self, request: &Request<Bytes>) -> Option<Request<Bytes>> {
        self.started.get_or_insert_with(Instant::now);
        Some(clone_request(request))
    }
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    (at - time::OffsetDateTime::now_utc()).try_into().ok()
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

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        let soon = time::OffsetDateTime::now_utc() + Duration::from_secs(120);
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let text = soon.format(&format).unwrap();
        let parsed = parse_retry_after(&text).unwrap();
        assert!(
            parsed <= Duration::from_secs(120) && parsed >= Duration::from_secs(110),
            "{parsed:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
