//! What reaches logs, errors and `Debug`: never a secret, a token or a response body.
//!
//! Alone in its test binary on purpose: tracing caches each callsite's interest globally, and
//! other tests running the same callsites at the same time without a subscriber can make a
//! thread-local subscriber miss events.

mod support;

#[path = "support/capture.rs"]
mod capture;

use std::sync::Arc;
use std::time::Duration;

use capture::Capture;

use httpmock::MockServer;
use practice_core::{ClientBuilder, HttpClient, RetryConfig};
use support::*;

fn client(base: String) -> HttpClient {
    ClientBuilder::new(Arc::new(TestProfile), base, "test-agent/1.0")
        .map_options(|o| {
            o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        })
        .build(TestAuth {
            lifetime: Duration::from_secs(3600),
        })
        .unwrap()
}

#[tokio::test]
async fn no_secret_token_or_body_reaches_logs_errors_or_debug() {
    let (capture, _guard) = Capture::trace_everything();

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path("/login");
            then.status(200).body(r#""tok-very-secret-token""#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/things/1");
            then.status(200).body(r#"{"patient":"Mary Simpson"}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/things/2");
            then.status(500).body("internal error");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/things/3");
            then.status(200).body(r#"{"patient": "Mary Simpson""#);
        })
        .await;
    let client = client(server.base_url());
    let mut outputs = vec![format!("{client:?}")];
    outputs.push(
        format!("{:?}", client.execute(&GetThing(1)).await.unwrap()).replace("Mary Simpson", ""),
    );
    for id in [2, 3] {
        let err = client.execute(&GetThing(id)).await.unwrap_err();
        outputs.push(format!("{err} {err:?}"));
    }
    let token = practice_core::Token::valid_for(
        practice_core::Secret::new("tok-very-secret-token"),
        Duration::from_secs(5),
    );
    outputs.push(format!("{token:?}"));

    let logs = capture.text();
    assert!(logs.contains("getThing"), "spans are recorded: {logs}");
    assert!(
        logs.contains("/things/{id}"),
        "path templates, not paths: {logs}"
    );
    // The OpenTelemetry names an exporter maps without configuration.
    for field in [
        "http.request.method=GET",
        "url.template=\"/things/{id}\"",
        "http.response.status_code=200",
        "http.response.status_code=500",
        "otel.kind=\"client\"",
        "otel.name=GET /things/{id}",
        "otel.status_code=\"ERROR\"",
    ] {
        assert!(logs.contains(field), "{field} missing from: {logs}");
    }
    outputs.push(logs);
    for text in outputs {
        for needle in [SECRET, "tok-very-secret-token", "Mary Simpson"] {
            assert!(!text.contains(needle), "{needle:?} leaked into: {text}");
        }
    }
}
