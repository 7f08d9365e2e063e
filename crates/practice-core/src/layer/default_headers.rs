//! The default `User-Agent` and `Accept` headers, added to every request that lacks them.

use bytes::Bytes;
use http::Request;
use http::header::{ACCEPT, HeaderValue, USER_AGENT};

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
