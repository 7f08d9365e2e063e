//! One error type for every client, whose [`ErrorKind`]s are the decisions a caller makes.
//!
//! Messages never carry a credential, a token or a response body: the body excerpt kept for
//! decode failures is reachable through [`Error::body_excerpt`] only, never through `Display`
//! or `Debug`.
//!
//! `Display` is one line: what failed (the operation), the kind, and the cause in words — for a
//! transport failure the phase and the host (`connecting to 127.0.0.1:9: connection refused`).
//! `Debug` is that line and the `caused by:` lines of the [`source`](std::error::Error::source)
//! chain under it, so that an `Error` returned from `main` reads like the CLI's report.
//!
//! The setters the layers use to build an error (`with_status`, `with_dispatch`,
//! `with_retry_after`) are hidden from the documentation: they are not part of the stable API
//! (see each one's note), while [`Error::new`], [`Error::with_operation`] and
//! [`Error::with_source`] are there for implementors of [`Authenticator`](crate::Authenticator),
//! [`QuotaStore`](crate::QuotaStore) and [`TransportService`](crate::TransportService).
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

mod kind;
mod phase;
mod report;

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use time::OffsetDateTime;

pub use kind::{DecodeDetail, Dispatch, ErrorKind, VendorMessage};
pub use phase::TransportPhase;
pub use report::chain;

/// A boxed error usable as a `source`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A client error. Cheap to move (one box); carries the source chain.
pub struct Error {
    inner: Box<Inner>,
}

/// What [`Error::source`](std::error::Error::source) returns.
enum Cause {
    None,
    Own(BoxError),
    /// This error is a copy of a shared one (a failed token renewal handed to every caller
    /// in its pause): its cause is the shared error's cause, the same object.
    SameAs(Arc<Error>),
}

struct Inner {
    kind: ErrorKind,
    message: String,
    operation: Option<&'static str>,
    status: Option<StatusCode>,
    vendor_messages: Vec<VendorMessage>,
    retry_at: Option<OffsetDateTime>,
    retry_after: Option<Duration>,
    decode: Option<DecodeDetail>,
    dispatch: Dispatch,
    phase: Option<TransportPhase>,
    source: Cause,
}

impl Error {
    /// A new error of `kind` with a message that must not contain secrets or body text.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let dispatch = match kind {
            ErrorKind::InvalidRequest
            | ErrorKind::Configuration
            | ErrorKind::QuotaExhausted
            | ErrorKind::SharedState => Dispatch::NotSent,
            _ => Dispatch::MaybeSent,
        };
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                operation: None,
                status: None,
                vendor_messages: Vec::new(),
                retry_at: None,
                retry_after: None,
                decode: None,
                dispatch,
                phase: None,
                source: Cause::None,
            }),
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidRequest`].
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    /// Shorthand for an [`ErrorKind::Configuration`].
    pub fn configuration(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Configuration, message)
    }

    /// Names the operation the error belongs to (kept if already set).
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation.get_or_insert(operation);
        self
    }

    /// Records the HTTP status. Not part of the stable API: the status comes from the vendor's
    /// answer, which the client reads itself; public (hidden) only so that the `practice`
    /// CLI's tests can build the errors whose exit codes they check.
    #[doc(hidden)]
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Records the vendor's error names and messages.
    pub(crate) fn with_vendor_messages(mut self, messages: Vec<VendorMessage>) -> Self {
        self.inner.vendor_messages = messages;
        self
    }

    /// Records when the caller may try again, as a delay from now. Not part of the stable API
    /// (the client sets it from the vendor's headers and its own budget); public (hidden) so
    /// that the `practice` CLI's tests can build the errors they check.
    #[doc(hidden)]
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.inner.retry_after = Some(delay);
        // A delay past the calendar's end (a vendor's absurd header) has no instant.
        self.inner.retry_at = time::Duration::try_from(delay)
            .ok()
            .and_then(|delay| OffsetDateTime::now_utc().checked_add(delay));
        self
    }

    /// Rewrites every text this error carries that may quote the vendor: its message, the
    /// vendor's names and messages, and the same in causes that are themselves [`Error`]s
    /// (used to mask secrets; causes of other types carry no vendor text).
    pub(crate) fn map_text(mut self, f: &dyn Fn(&str) -> String) -> Self {
        self.inner.message = f(&self.inner.message);
        for m in &mut self.inner.vendor_messages {
            m.message = f(&m.message);
            if let Some(name) = &m.name {
                m.name = Some(f(name));
            }
        }
        if let Some(detail) = &mut self.inner.decode {
            detail.excerpt = f(&detail.excerpt);
        }
        // A shared cause was masked when it was shared (`auth/cache.rs`), and is not ours to
        // change.
        self.inner.source = match std::mem::replace(&mut self.inner.source, Cause::None) {
            Cause::Own(source) => Cause::Own(match source.downcast::<Error>() {
                Ok(cause) => Box::new(cause.map_text(f)),
                Err(other) => other,
            }),
            other => other,
        };
        self
    }

    /// Adds a sentence to the message (our own wording: no secret, no body text).
    pub(crate) fn append_message(mut self, sentence: &str) -> Self {
        if !self.inner.message.is_empty() {
            self.inner.message.push_str("; ");
        }
        self.inner.message.push_str(sentence);
        self
    }

    /// Records where a decode failed.
    pub(crate) fn with_decode_detail(mut self, detail: DecodeDetail) -> Self {
        self.inner.decode = Some(detail);
        self
    }

    /// Records whether the request may have reached the server. Not part of the stable API:
    /// public (hidden) for implementors of [`TransportService`](crate::TransportService)
    /// outside this crate (tests with a stand-in transport), whose connect failures must say
    /// `NotSent` for a write to be retried safely. Errors of kinds that never send
    /// (`InvalidRequest`, `Configuration`, `QuotaExhausted`, `SharedState`) are `NotSent`
    /// already.
    #[doc(hidden)]
    pub fn with_dispatch(mut self, dispatch: Dispatch) -> Self {
        self.inner.dispatch = dispatch;
        self
    }

    /// Records the underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Cause::Own(source.into());
        self
    }

    /// Records the step of the request that failed (made by the transport).
    pub(crate) fn with_phase(mut self, phase: TransportPhase) -> Self {
        self.inner.phase = Some(phase);
        self
    }

    /// A copy of `shared` for one more caller: the same kind, operation, message and every
    /// other field, so the same first line, and the same cause (the very object, not a copy of
    /// its text), so that [`source`](std::error::Error::source) leads to the transport's error
    /// from every copy.
    pub(crate) fn same_as(shared: &Arc<Error>) -> Self {
        let i = &shared.inner;
        Error {
            inner: Box::new(Inner {
                kind: i.kind,
                message: i.message.clone(),
                operation: i.operation,
                status: i.status,
                vendor_messages: i.vendor_messages.clone(),
                retry_at: i.retry_at,
                retry_after: i.retry_after,
                decode: i.decode.clone(),
                dispatch: i.dispatch,
                phase: i.phase,
                source: match i.source {
                    Cause::None => Cause::None,
                    _ => Cause::SameAs(shared.clone()),
                },
            }),
        }
    }

    /// Turns this error into an [`ErrorKind::OutcomeUnknown`] that keeps it as its source.
    pub(crate) fn into_outcome_unknown(self) -> Self {
        let operation = self.inner.operation;
        let status = self.inner.status;
        let mut unknown = Error::new(
            ErrorKind::OutcomeUnknown,
            "the write may have reached the server and was not retried; reconcile before trying again",
        )
        .with_source(self);
        unknown.inner.operation = operation;
        unknown.inner.status = status;
        unknown
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The operation, when known.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// The HTTP status, when the vendor answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The vendor's error names and messages, as sent.
    pub fn vendor_messages(&self) -> &[VendorMessage] {
        &self.inner.vendor_messages
    }

    /// When a rate limit or quota resets, if known.
    pub fn retry_at(&self) -> Option<OffsetDateTime> {
        self.inner.retry_at
    }

    /// How long to wait before trying again, if known (measured when the error was made).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Where a decode failed.
    pub fn decode_detail(&self) -> Option<&DecodeDetail> {
        self.inner.decode.as_ref()
    }

    /// A short excerpt of the body around a decode failure. May hold patient data: never log
    /// it without thought.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.inner.decode.as_ref().map(|d| d.excerpt.as_str())
    }

    /// Whether the request may have reached the server.
    pub fn dispatch(&self) -> Dispatch {
        self.inner.dispatch
    }

    /// The step that failed, for an error of the transport (resolving the host, connecting,
    /// the TLS handshake, sending, reading); `None` for other errors, a vendor's answer
    /// included (see [`status`](Self::status)).
    pub fn transport_phase(&self) -> Option<TransportPhase> {
        self.inner.phase
    }

    /// Whether trying the same request again later could succeed. A name that does not
    /// resolve and a failed TLS handshake fail the same way every time, so they are not.
    pub fn is_retryable(&self) -> bool {
        if self
            .inner
            .phase
            .is_some_and(TransportPhase::is_deterministic)
        {
            return false;
        }
        matches!(
            self.inner.kind,
            ErrorKind::RateLimited
                | ErrorKind::QuotaExhausted
                | ErrorKind::Transport
                | ErrorKind::Timeout
        ) || (self.inner.kind == ErrorKind::Api
            && self.inner.status.is_some_and(|s| s.is_server_error()))
    }

    /// The message, without kind or operation.
    pub fn message(&self) -> &str {
        &self.inner.message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_withholds_the_body_excerpt() {
        let err = Error::new(ErrorKind::Decode, "bad row").with_decode_detail(DecodeDetail {
            path: "data[0].dob".into(),
            row: Some(0),
            excerpt: "\"firstName\":\"Mary\"".into(),
        });
        let dbg = format!("{err:?}");
        assert!(!dbg.contains("Mary"), "{dbg}");
        assert!(!err.to_string().contains("Mary"));
        assert_eq!(err.body_excerpt(), Some("\"firstName\":\"Mary\""));
        assert!(err.to_string().contains("at `data[0].dob` (row 0)"));
    }

    #[test]
    fn debug_reads_like_display_with_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let transport = Error::new(
            ErrorKind::Transport,
            "connecting to 127.0.0.1:9: connection refused",
        )
        .with_operation("login")
        .with_source(io);
        let err = transport.into_outcome_unknown();
        assert_eq!(
            format!("{err:?}"),
            "login: outcome unknown: the request may have been applied: the write may have reached the server and was not retried; reconcile before trying again\n\
             caused by: login: transport error: connecting to 127.0.0.1:9: connection refused\n\
             caused by: refused"
        );
        assert_eq!(format!("{err:#?}"), format!("{err:?}"));
    }

    #[test]
    fn a_shared_copy_reads_the_same_and_has_the_same_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let shared = Arc::new(
            Error::new(
                ErrorKind::Transport,
                "connecting to 127.0.0.1:9: connection refused",
            )
            .with_operation("login")
            .with_dispatch(Dispatch::NotSent)
            .with_phase(TransportPhase::Connecting)
            .with_source(io),
        );
        let copy = Error::same_as(&shared).with_operation("getThing");
        assert_eq!(copy.to_string(), shared.to_string());
        assert_eq!(copy.dispatch(), Dispatch::NotSent);
        assert_eq!(copy.transport_phase(), Some(TransportPhase::Connecting));
        let cause = std::error::Error::source(&copy).unwrap();
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
        assert!(std::ptr::eq(
            cause,
            std::error::Error::source(shared.as_ref()).unwrap()
        ));
    }

    #[test]
    fn deterministic_transport_phases_are_not_retryable() {
        let err = |phase| Error::new(ErrorKind::Transport, "x").with_phase(phase);
        assert!(!err(TransportPhase::TlsHandshake).is_retryable());
        assert!(!err(TransportPhase::Resolving).is_retryable());
        assert!(err(TransportPhase::Connecting).is_retryable());
        assert!(err(TransportPhase::Reading).is_retryable());
    }

    #[test]
    fn outcome_unknown_keeps_the_cause() {
        let cause = Error::new(ErrorKind::Timeout, "no answer").with_operation("createAppointment");
        let err = cause.into_outcome_unknown();
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(err.operation(), Some("createAppointment"));
        assert!(
            std::error::Error::source(&err)
                .unwrap()
                .to_string()
                .contains("timed out")
        );
    }
}
