//! The retry layer: a `tower::retry::Policy` joining the classifier ("should we?") and the
//! attempts/deadline settings ("may we?") of [`crate::retry`].
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;

use crate::deadline::{self, Phase};
use crate::error::{Error, ErrorKind};
use crate::options::RetryConfig;
use crate::request::{Attempt, clone_request, operation_of};
use crate::retry::{RetryClass, RetryClassifier};

/// The `tower::retry::Policy` joining classifier and attempt settings. Cloned per call by tower, so its
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
        // May we? Attempts, then the deadlines.
        if self.attempt >= self.config.max_attempts {
            return None;
        }
        // The vendor's delay is a floor, not a replacement for backoff: a reset that has
        // already passed (zero) must not turn into tries a millisecond apart.
        let backoff = self.config.backoff(self.attempt);
        let delay = after.map_or(backoff, |after| after.max(backoff));
        let started = self.started.unwrap_or_else(Instant::now);
        let retry_left = self.config.deadline.saturating_sub(started.elapsed());
        let call_left = deadline::remaining(request);
        if delay > retry_left || delay >= call_left {
            // A vendor's wait past the deadline is said in the error (`send.rs`), not waited.
            return None;
        }
        self.attempt = self.attempt.saturating_add(1);
        request.extensions_mut().insert(Attempt(self.attempt));
        deadline::enter(request, Phase::WaitingToRetry);
        tracing::debug!(
            attempt = self.attempt,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        Some(tokio::time::sleep(delay))
    }

    fn clone_request(&mut self, request: &Request<Bytes>) -> Option<Request<Bytes>> {
        self.started.get_or_insert_with(Instant::now);
        Some(clone_request(request))
    }
}
