//! What the Aloha test files share: their client of a mock server, token expiry instants, and
//! the mock of one report in its envelope.

use std::time::Duration;

use aloha_api::{Client, RetryConfig};
use httpmock::{Mock, MockServer};

/// The path prefix of the tests' base URL, as the vendor's own base URL has one.
pub const PREFIX: &str = "/customer";

/// Answers `GET {PREFIX}/v1/report/{report}` (any query) with `status` and `body`.
pub async fn report_mock<'a>(
    server: &'a MockServer,
    report: &str,
    status: u16,
    body: impl Into<String>,
) -> Mock<'a> {
    let path = format!("{PREFIX}/v1/report/{report}");
    let body = body.into();
    server
        .mock_async(|when, then| {
            when.method("GET").path(path);
            then.status(status).body(body);
        })
        .await
}

/// A client of `server` under [`PREFIX`] whose retries wait a millisecond.
pub fn mock_client(server: &MockServer, client_id: &str, secret_key: &str) -> Client {
    Client::builder(client_id, secret_key)
        .base_url(server.url(PREFIX))
        .map_options(|o| {
            o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        })
        .build()
        .unwrap()
}

/// The instant `seconds` from now (negative: ago) in RFC 3339, whole seconds, as Aloha sends
/// a token's expiry.
pub fn in_seconds(seconds: i64) -> String {
    let at = practice_core::time::OffsetDateTime::now_utc()
        + practice_core::time::Duration::seconds(seconds);
    at.replace_nanosecond(0)
        .unwrap()
        .format(&practice_core::time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Aloha's success envelope around `rows` (JSON).
pub fn envelope(rows: &str) -> String {
    format!(r#"{{"status":200,"message":"Success","data":{rows}}}"#)
}
