//! The words of an error a caller decides on: its [`ErrorKind`], whether the request may
//! have left ([`Dispatch`]), the vendor's own messages and where a decode failed.

use std::fmt;

/// What went wrong, at the granularity a caller acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request failed client-side validation; nothing was sent, not even a login.
    InvalidRequest,
    /// The client was built with an unusable configuration (for example a plain-http base URL).
    Configuration,
    /// The vendor refused the credentials, or a renewed token was refused again.
    Authentication,
    /// The vendor says the resource or path does not exist.
    NotFound,
    /// The vendor answered with another error status; see [`Error::status`](super::Error::status) and
    /// [`Error::vendor_messages`](super::Error::vendor_messages).
    Api,
    /// The vendor rate-limited the request; see [`Error::retry_at`](super::Error::retry_at).
    RateLimited,
    /// The client-side budget is spent and the policy is to fail rather than wait; see
    /// [`Error::retry_at`](super::Error::retry_at).
    QuotaExhausted,
    /// The connection could not be made or broke.
    Transport,
    /// No answer in time.
    Timeout,
    /// A non-idempotent request may have reached the server and its outcome is unknown; it was
    /// not retried so that it cannot be applied twice.
    OutcomeUnknown,
    /// The answer could not be decoded into the documented type.
    Decode,
    /// A write that is not idempotent was answered with success, so it was applied, but the
    /// answer could not be read (the new id, say, is unknown). It was not retried and must not
    /// be: look the result up instead. The decode failure is the error's source.
    AppliedUnreadable,
    /// The store that processes share tokens and budgets through (Redis, for example) could
    /// not be reached, and its policy is to fail rather than go on alone; nothing was sent.
    SharedState,
    /// The answer (or one row of a streamed answer) is larger than the configured limit
    /// ([`TransportConfig`](crate::TransportConfig)). Not retried: the same request would
    /// fetch the same answer again.
    TooLarge,
}

impl ErrorKind {
    pub(super) fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid request (nothing was sent)",
            ErrorKind::Configuration => "invalid client configuration",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::NotFound => "not found",
            ErrorKind::Api => "the API returned an error",
            ErrorKind::RateLimited => "rate limited by the vendor",
            ErrorKind::QuotaExhausted => "client-side request budget exhausted",
            ErrorKind::Transport => "transport error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::OutcomeUnknown => "outcome unknown: the request may have been applied",
            ErrorKind::Decode => "could not decode the response",
            ErrorKind::AppliedUnreadable => {
                "the write was applied, but its answer could not be read (do not retry it)"
            }
            ErrorKind::SharedState => "the shared token and budget store is unavailable",
            ErrorKind::TooLarge => "the answer is larger than the configured limit",
        }
    }
}

/// Whether the failing request may have reached the server. Drives the retry decision for
/// writes that are not idempotent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Provably never sent (connect failure, validation, client-side quota, token failure).
    NotSent,
    /// May have been sent.
    MaybeSent,
}

/// One error name and message as the vendor wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorMessage {
    /// The vendor's error name or field, when it gives one.
    pub name: Option<String>,
    /// The vendor's message.
    pub message: String,
}

/// Where a decode failed.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeDetail {
    /// JSON path of the failing value, e.g. `data[3].charge`.
    pub path: String,
    /// Index of the failing row, for row-by-row decoders.
    pub row: Option<usize>,
    /// A short excerpt of the body around the failure. Kept out of `Display` and `Debug`:
    /// it may hold patient data.
    pub excerpt: String,
}

impl fmt::Debug for DecodeDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeDetail")
            .field("path", &self.path)
            .field("row", &self.row)
            .field(
                "excerpt",
                &format_args!("<{} bytes withheld>", self.excerpt.len()),
            )
            .finish()
    }
}
