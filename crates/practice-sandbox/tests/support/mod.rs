//! Plain-HTTP helpers shared by the sandbox's own tests.
#![allow(dead_code)]

use std::time::Duration;

use practice_sandbox::Sandbox;
use serde_json::Value;

/// A client that shows redirects rather than following them. One per test thread (each test
/// has its own thread and runtime): since reqwest 0.13 a client loads the platform's trust
/// store when built, too slow to repeat per request in the real-clock timing tests.
pub fn http() -> reqwest::Client {
    thread_local! {
        static CLIENT: reqwest::Client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
    }
    CLIENT.with(Clone::clone)
}

/// JSON bodies without reqwest's `json` feature.
pub trait JsonBody {
    fn json_body(self, body: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(body.to_string())
    }
}

pub async fn json_of(r: reqwest::Response) -> Value {
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

/// Logs in to the sandbox's Aerona with its credentials; the token from the response header.
pub async fn aerona_login(s: &Sandbox) -> String {
    let c = s.credentials();
    let r = http()
        .post(format!("{}/v1/login", s.aerona_base_url()))
        .json_body(
            &serde_json::json!({"username": c.aerona_username, "password": c.aerona_password}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.headers()["aerona-auth-token"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Polls `done` every 10 ms (real time: deliveries run on their own tasks) and fails the test
/// if it is not true within `within`.
pub async fn wait_for(within: Duration, mut done: impl FnMut() -> bool) {
    let polls = within.as_millis() / 10;
    for _ in 0..polls {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not met within {within:?}");
}
