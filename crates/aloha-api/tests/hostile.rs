//! Hostile token answers and echoed credentials (issue 16), against httpmock on loopback.

use aloha_api::{Appointments, Client, DEFAULT_DAYS_PER_CHUNK, DateRange, ErrorKind};
use futures_util::TryStreamExt;
use httpmock::{Mock, MockServer};

mod support;
use support::{PREFIX, envelope, in_seconds, mock_client, report_mock};
const CLIENT_ID: &str = "client-id-7788";
const SECRET_KEY: &str = "secret-key-\"quoted\"-value";

fn token_body(expiration: &str) -> String {
    format!(
        r#"{{"status":200,"message":"Success","data":{{"username":"u","accessToken":"access-token-value","accessTokenExpiration":"{expiration}","refreshToken":"refresh-token-value","subscriptionId":"s"}}}}"#
    )
}

async fn token_mock<'a>(server: &'a MockServer, body: String) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/token"));
            then.status(200).body(body);
        })
        .await
}

fn client(server: &MockServer) -> Client {
    mock_client(server, CLIENT_ID, SECRET_KEY)
}

/// Twelve chunks of 31 days.
fn twelve_chunks() -> DateRange {
    DateRange::parse("2024-01-01", "2025-01-06").unwrap()
}

#[tokio::test]
async fn a_short_lived_skewed_or_unreadable_expiry_costs_one_token_request_per_report() {
    for expiration in [
        in_seconds(60),    // inside the 5-minute renewal margin
        in_seconds(-7200), // already past: a skewed server clock
        "soon".to_owned(), // unreadable: the documented 3 hours, with a warning
        "2024-13-45T99:00:00Z".to_owned(),
    ] {
        let server = MockServer::start_async().await;
        let token = token_mock(&server, token_body(&expiration)).await;
        let report = report_mock(&server, "appointments", 200, envelope("[]")).await;
        let rows: Vec<_> = client(&server)
            .stream::<Appointments>(twelve_chunks(), DEFAULT_DAYS_PER_CHUNK)
            .try_collect()
            .await
            .unwrap();
        assert!(rows.is_empty(), "{expiration}");
        assert_eq!(report.calls_async().await, 12, "{expiration}");
        assert_eq!(token.calls_async().await, 1, "{expiration}");
    }
}

#[tokio::test]
async fn echoed_credentials_are_masked_in_errors() {
    let escaped = serde_json::to_string(&format!("{CLIENT_ID} / {SECRET_KEY}")).unwrap();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/token"));
            then.status(401).body(format!(
                r#"{{"status":401,"message":{escaped},"errors":[{{"name":{escaped},"message":{escaped}}}]}}"#
            ));
        })
        .await;
    let err = client(&server).clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    let text = format!("{err} {err:?}");
    assert!(text.contains("***"), "{text}");
    for needle in [CLIENT_ID, SECRET_KEY, "secret-key-\\\"quoted"] {
        assert!(!text.contains(needle), "{needle} leaked: {text}");
    }

    let server = MockServer::start_async().await;
    token_mock(&server, token_body(&in_seconds(3 * 3600))).await;
    report_mock(&server, "clients", 500, 
                "<- not JSON: token access-token-value refresh refresh-token-value secret-key-\"quoted\"-value",
            ).await;
    let err = client(&server).clients().await.unwrap_err();
    let text = format!("{err} {err:?}");
    for needle in ["access-token-value", "refresh-token-value", SECRET_KEY] {
        assert!(!text.contains(needle), "{needle} leaked: {text}");
    }
}
