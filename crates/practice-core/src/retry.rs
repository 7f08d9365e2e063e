//! "Should we retry?" ([`RetryClassifier`], over one outcome) kept apart from "may we?"
//! ([`RetryConfig`](crate::options::RetryConfig): attempts, backoff and an overall deadline). The retry layer joins them.
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
