//! Answers read as they arrive, for reports too big to hold: the request asks for it
//! ([`StreamRequest`] in its extensions), the transport hands over the body of a 2xx answer
//! undrained ([`StreamedBody`] in the response's extensions), and the caller reads it chunk by
//! chunk through a [`BodyStream`], which bounds the bytes, the gap between chunks and the
//! whole call.
//!
//! Every layer above the transport still sees a complete `Response<Bytes>` (empty for a
//! streamed 2xx): error answers are buffered as before, so retry, auth and the vendor's
//! reading are unchanged. Once the headers are back the call is over for retry: a body that
//! breaks, stalls or grows too large ends the stream with an error and is never fetched
//! again.
// Times, durations and byte counts here come from servers: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;

use crate::error::{Error, ErrorKind};
use crate::options::StreamLimits;
use crate::request::BoxFuture;

/// In a request's extensions: the caller reads a 2xx answer's body as it arrives. A transport
/// that honours it puts a [`StreamedBody`] in the response instead of buffering the body; one
/// that does not is still correct (the buffered body is read as one chunk).
#[derive(Debug, Clone, Copy)]
pub struct StreamRequest;

impl StreamRequest {
    /// Whether `request` asks for its answer's body to be streamed.
    pub fn is_set<B>(request: &Request<B>) -> bool {
        request.extensions().get::<StreamRequest>().is_some()
    }
}

/// Where a streamed body's chunks come from (the transport's connection, or a test double's
/// script). `None` is the end of the body.
pub trait BodySource: Send {
    /// The next chunk of the body.
    fn next_chunk(&mut self) -> BoxFuture<'_, Result<Option<Bytes>, Error>>;
}

/// In a 2xx response's extensions: its body, not yet read. Taken once, by the caller that
/// asked for it.
#[derive(Clone)]
pub struct StreamedBody {
    source: Arc<Mutex<Option<Box<dyn BodySource>>>>,
}

impl StreamedBody {
    /// Wraps a body source for a response's extensions.
    pub fn new(source: impl BodySource + 'static) -> Self {
        StreamedBody {
            source: Arc::new(Mutex::new(Some(Box::new(source)))),
        }
    }

    fn take(&self) -> Option<Box<dyn BodySource>> {
        self.source
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

impl fmt::Debug for StreamedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedBody").finish_non_exhaustive()
    }
}

enum Source {
    /// A body the transport buffered (a transport that does not stream, or a test double).
    Whole(Option<Bytes>),
    Live(Box<dyn BodySource>),
}

/// A 2xx answer's body, chunk by chunk, within limits: at most
/// [`StreamLimits::max_body_bytes`] in all, at most `idle` between two chunks, and nothing
/// after the call's deadline.
pub struct BodyStream {
    source: Source,
    received: u64,
    max_bytes: u64,
    idle: Duration,
    deadline: Option<Instant>,
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyStream")
            .field("received", &self.received)
            .field("max_bytes", &self.max_bytes)
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

impl BodyStream {
    /// The body of `response`: the streamed one in its extensions, else its buffered body.
    pub fn of(
        response: &mut Response<Bytes>,
        limits: &StreamLimits,
        idle: Duration,
        deadline: Option<Instant>,
    ) -> Self {
        let streamed = response
            .extensions_mut()
            .remove::<StreamedBody>()
            .and_then(|body| body.take());
        let source = match streamed {
            Some(live) => Source::Live(live),
            None => Source::Whole(Some(std::mem::take(response.body_mut()))),
        };
        BodyStream {
            source,
            received: 0,
            max_bytes: limits.max_body_bytes,
            idle,
            deadline,
        }
    }

    /// A body held whole, with no limits of time (tests, replays).
    pub fn whole(body: Bytes) -> Self {
        BodyStream {
            source: Source::Whole(Some(body)),
            received: 0,
            max_bytes: u64::MAX,
            idle: Duration::MAX,
            deadline: None,
        }
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next chunk, `None` at the end of the body.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let chunk = match &mut self.source {
            Source::Whole(body) => body.take(),
            Source::Live(live) => {
                let idle_until = Instant::now().checked_add(self.idle);
                let until = match (idle_until, self.deadline) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let next = live.next_chunk();
                match until {
                    Some(at) => match tokio::time::timeout_at(at, next).await {
                        Ok(chunk) => chunk?,
                        Err(_) => return Err(self.stalled()),
                    },
                    None => next.await?,
                }
            }
        };
        let Some(chunk) = chunk else {
            return Ok(None);
        };
        self.received = self.received.saturating_add(chunk.len() as u64);
        if self.received > self.max_bytes {
            self.source = Source::Whole(None);
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "the answer went past the {}-byte limit of a streamed answer",
                    self.max_bytes
                ),
            ));
        }
        Ok(Some(chunk))
    }

    fn stalled(&mut self) -> Error {
        self.source = Source::Whole(None);
        let deadline_passed = self.deadline.is_some_and(|at| at <= Instant::now());
        let message = if deadline_passed {
            format!(
                "the call's deadline ran out while reading the answer ({} bytes in)",
                self.received
            )
        } else {
            format!(
                "no part of the answer arrived for {}s ({} bytes in)",
                self.idle.as_secs(),
                self.received
            )
        };
        Error::new(ErrorKind::Timeout, message)
    }
}
