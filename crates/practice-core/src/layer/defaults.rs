//! The small steps between quota and the transport: the per-try timeout's error mapping and
//! the default `User-Agent` and `Accept` headers.

use bytes::Bytes;
use http::Request;
use http::header::{ACCEPT, HeaderValue, USER_AGENT};

use crate::error::{BoxError, Error, ErrorKind};

/// Maps what tower's timeout layer yields back to one [`Error`].
pub(crate) fn timeout_to_error(err: BoxError) -> Error {
    match err.downcast::<Error>() {
        Ok(err) => *err,
        Err(err) if err.is::<tower::timeout::error::Elapsed>() => {
            Error::new(ErrorKind::Timeout, "no answer within the per-try timeout")
        }
        Err(err) => Error::new(ErrorKind::Transport, "the request failed").with_source(err),
    }
}

/// Adds `User-Agent` and `Accept` unless the request has them. One map for both defaults:
/// two tower-http `SetRequestHeader` layers cost ~580 more instructions per call
/// (docs/performance.md).
pub(crate) fn default_headers(
    user_agent: HeaderValue,
) -> impl Fn(Request<Bytes>) -> Request<Bytes> + Clone + Send + Sync + 'static {
    move |mut request: Request<Bytes>| {
        let headers = request.headers_mut();
        headers
            .entry(USER_AGENT)
            .or_insert_with(|| user_agent.clone());
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        request
    }
}
