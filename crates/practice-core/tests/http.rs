//! The stack over real HTTP (reqwest against httpmock on loopback).

mod support;

use std::sync::Arc;
use std::time::Duration;

use httpmock::MockServer;
use practice_core::{ClientBuilder, Dispatch, ErrorKind, HttpClient, RetryConfig};
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
async fn requests_keep_the_base_path_and_carry_token_and_user_agent() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method("POST")
                .path("/prefix/v2/login")
                .body(format!(r#"{{"password":"{SECRET}"}}"#));
            then.status(200).body(r#""tok-real""#);
        })
        .await;
    let thing = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/prefix/v2/things/42")
                .header("x-token", "tok-real")
                .header("user-agent", "test-agent/1.0")
                .header("accept", "application/json");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"id":42}"#);
        })
        .await;
    let client = client(server.url("/prefix/v2/"));
    let value = client.execute(&GetThing(42)).await.unwrap();
    assert_eq!(value["id"], 42);
    client.execute(&GetThing(42)).await.unwrap();
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(thing.calls_async().await, 2);
}

#[tokio::test]
async fn a_401_over_http_renews_and_replays_once() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method("POST").path("/login");
            then.status(200).body(r#""tok-x""#);
        })
        .await;
    let refused = server
        .mock_async(|when, then| {
            when.method("GET").path("/things/1");
            then.status(401).body("expired");
        })
        .await;
    let client = client(server.base_url());
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(login.calls_async().await, 2);
    assert_eq!(refused.calls_async().await, 2);
}

#[tokio::test]
async fn a_redirect_is_reported_not_followed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path("/login");
            then.status(200).body(r#""tok""#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path("/things/1");
            then.status(301)
                .header("location", "https://secure.example/things/1");
        })
        .await;
    let err = client(server.base_url())
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status().unwrap().as_u16(), 301);
    assert!(
        err.to_string().contains("https://secure.example/things/1"),
        "{err}"
    );
    // The advice is the base URL, not the operation's URL the server named.
    assert!(
        err.to_string()
            .contains("; use the base URL https://secure.example"),
        "{err}"
    );
    assert!(
        !err.to_string()
            .contains("use the base URL https://secure.example/things"),
        "{err}"
    );
}

#[tokio::test]
async fn a_closed_port_is_a_transport_error_that_provably_sent_nothing() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = client(format!("http://127.0.0.1:{port}"))
        .execute(&CreateThing)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert_eq!(err.dispatch(), Dispatch::NotSent);
}

#[test]
fn plain_http_is_refused_except_on_loopback() {
    let build = |base: &str| {
        ClientBuilder::new(Arc::new(TestProfile), base, "ua").build(TestAuth {
            lifetime: Duration::from_secs(60),
        })
    };
    let err = build("http://api.example.com").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(build("http://localhost:8080/x").is_ok());
    assert!(build("https://api.example.com/x").is_ok());
}
