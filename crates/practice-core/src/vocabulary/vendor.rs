//! The hooks a vendor crate plugs into the core besides its authenticator
//! ([`VendorProfile`]), and what they produce: one [`ResponseReading`] per answer, made when
//! the answer comes back from the transport and kept in its extensions. Retry, quota and the
//! status check read it; none of them asks the vendor again.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::error::{Error, ErrorKind, VendorMessage};
use crate::headers::{ServerQuota, retry_after_header};
use crate::operation::OperationMeta;

/// What a vendor crate plugs into the core besides its
/// [`Authenticator`](crate::Authenticator): how its error bodies read and what one answer
/// means (transient? how long to wait? budget left? which error?).
pub trait VendorProfile: Send + Sync + 'static {
    /// The vendor's short name, as used in store keys and logs.
    fn name(&self) -> &'static str;

    /// The vendor's error names and messages from an error body (none if it has none).
    fn error_messages(&self, response: &Response<Bytes>) -> Vec<VendorMessage>;

    /// Reads one answer, once, as it comes back from the transport. The default is
    /// [`standard_read`](Self::standard_read); vendors override it for their quirks,
    /// adjusting the standard reading rather than writing it again.
    fn read(&self, response: &Response<Bytes>) -> ResponseReading {
        self.standard_read(response)
    }

    /// [`ResponseReading::standard`] over [`error_messages`](Self::error_messages), which
    /// are read for non-2xx answers only: what [`read`](Self::read) starts from.
    fn standard_read(&self, response: &Response<Bytes>) -> ResponseReading {
        let messages = if response.status().is_success() {
            Vec::new()
        } else {
            self.error_messages(response)
        };
        ResponseReading::standard(response, messages)
    }
}

/// What one answer says, read once by the [`VendorProfile`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseReading {
    /// Worth another try, for a request that may be repeated.
    pub transient: bool,
    /// How long the vendor asks us to wait.
    pub retry_after: Option<Duration>,
    /// The vendor's own budget count.
    pub server_quota: Option<ServerQuota>,
    /// The vendor refused the token (a 401 as standard): the auth layer renews it once and
    /// replays the request, which was not applied.
    pub token_rejected: bool,
    /// The vendor refused the request before processing it (a 429 as standard): nothing was
    /// applied, so even a write that is not idempotent is known not to have happened.
    pub refused_unprocessed: bool,
    /// The vendor's error names and messages (empty for a 2xx answer).
    pub messages: Vec<VendorMessage>,
    /// For an answer that is not a 2xx: the error it maps to.
    pub failure: Option<Failure>,
}

/// The error a non-2xx answer maps to: its kind and our wording (never the body's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The kind of error.
    pub kind: ErrorKind,
    /// Our message.
    pub message: String,
}

impl Failure {
    /// A failure of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl ResponseReading {
    /// The reading both vendors start from: 408, 429 and 5xx are transient; 401 rejects the
    /// token; 429 refuses the request unprocessed; the wait is
    /// `Retry-After`, else on a 429 the `X-RateLimit-Reset` instant; the budget is
    /// `X-RateLimit-*`; a non-2xx answer maps its status to an [`ErrorKind`] and keeps
    /// `messages`.
    pub fn standard(response: &Response<Bytes>, messages: Vec<VendorMessage>) -> Self {
        let status = response.status();
        let headers = response.headers();
        let server_quota = ServerQuota::from_headers(headers);
        let retry_after = retry_after_header(headers).or_else(|| {
            (status == StatusCode::TOO_MANY_REQUESTS)
                .then(|| server_quota.as_ref().map(|q| q.reset_in))
                .flatten()
        });
        ResponseReading {
            transient: status.is_server_error()
                || status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::REQUEST_TIMEOUT,
            retry_after,
            server_quota,
            token_rejected: status == StatusCode::UNAUTHORIZED,
            refused_unprocessed: status == StatusCode::TOO_MANY_REQUESTS,
            messages,
            failure: (!status.is_success()).then(|| standard_failure(response)),
        }
    }

    /// The reading kept in `response`'s extensions; a response that never passed the reading
    /// step (none does, inside the stack) is read by the standard rules, without messages.
    pub fn of(response: &Response<Bytes>) -> Cow<'_, ResponseReading> {
        match response.extensions().get::<ResponseReading>() {
            Some(reading) => Cow::Borrowed(reading),
            None => Cow::Owned(ResponseReading::standard(response, Vec::new())),
        }
    }

    /// Maps a non-2xx answer to its error; passes a 2xx through. `time_left` is what the
    /// call has left before its deadline (`None`: no deadline): a transient answer whose wait
    /// reaches past it was not retried (the retry layer stops there), and its error says so
    /// instead of leaving the caller to wonder why it was not.
    pub fn check(
        meta: &'static OperationMeta,
        mut response: Response<Bytes>,
        time_left: Option<Duration>,
    ) -> Result<Response<Bytes>, Error> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let reading = match response.extensions_mut().remove::<ResponseReading>() {
            Some(reading) => reading,
            None => ResponseReading::standard(&response, Vec::new()),
        };
        let failure = reading
            .failure
            .unwrap_or_else(|| standard_failure(&response));
        let mut err = Error::new(failure.kind, failure.message)
            .with_operation(meta.name)
            .with_status(status)
            .with_vendor_messages(reading.messages);
        if let Some(after) = reading.retry_after {
            err = err.with_retry_after(after);
            if reading.transient && time_left.is_some_and(|left| after >= left) {
                err = err.append_message(&format!(
                    "the vendor asks to wait {}s before trying again, longer than this call may take; not retried",
                    after.as_secs()
                ));
            }
        }
        Err(err)
    }
}

/// The status-to-kind mapping shared by both vendors.
fn standard_failure(response: &Response<Bytes>) -> Failure {
    let status = response.status();
    let kind = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ErrorKind::Authentication,
        StatusCode::NOT_FOUND => ErrorKind::NotFound,
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::RateLimited,
        _ => ErrorKind::Api,
    };
    let message = if status.is_redirection() {
        let to = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("elsewhere");
        format!(
            "the server redirected to {to} (redirects are not followed, so that tokens stay on the configured host)"
        )
    } else {
        status
            .canonical_reason()
            .unwrap_or("unexpected status")
            .to_owned()
    };
    Failure::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    static META: OperationMeta = OperationMeta {
        vendor: "test",
        name: "getThing",
        method: http::Method::GET,
        path_template: "/thing",
        idempotent: true,
        authenticated: true,
    };

    fn too_many(retry_after: &str) -> Response<Bytes> {
        Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header("retry-after", retry_after)
            .body(Bytes::new())
            .unwrap()
    }

    #[test]
    fn a_wait_past_the_time_left_is_said_in_the_error_and_only_then() {
        let err = ResponseReading::check(&META, too_many("120"), Some(Duration::from_secs(30)))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("asks to wait 120s before trying again, longer than this call may take"),
            "{err}"
        );
        for left in [None, Some(Duration::from_secs(600))] {
            let err = ResponseReading::check(&META, too_many("120"), left).unwrap_err();
            assert!(!err.to_string().contains("asks to wait"), "{left:?}: {err}");
            assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
        }
    }

    #[test]
    fn a_2xx_passes_whatever_the_time_left() {
        let ok = Response::builder().status(200).body(Bytes::new()).unwrap();
        assert!(ResponseReading::check(&META, ok, Some(Duration::ZERO)).is_ok());
    }
}
