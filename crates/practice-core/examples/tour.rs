//! A tour of the engine against a throwaway local server (no credentials, no internet):
//! one login shared by concurrent calls, a transient 503 retried, the client-side budget
//! holding calls back, and a write that is never repeated once it may have been applied.
//!
//! Run: `cargo run -p practice-core --example tour`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response};
use httpmock::MockServer;
use practice_core::{
    AuthContext, Authenticator, ClientBuilder, Endpoint, Error, OperationMeta, QuotaPolicy,
    RateLimit, RetryConfig, Secret, Token, VendorMessage, VendorProfile, WhenExhausted,
};

struct Demo;
impl VendorProfile for Demo {
    fn name(&self) -> &'static str {
        "demo"
    }
    fn error_messages(&self, _: &Response<Bytes>) -> Vec<VendorMessage> {
        Vec::new()
    }
}

static LOGIN: OperationMeta = OperationMeta {
    vendor: "demo",
    name: "login",
    method: Method::POST,
    path_template: "/login",
    idempotent: true,
    authenticated: false,
};
static GET_PATIENT: OperationMeta = OperationMeta {
    vendor: "demo",
    name: "getPatient",
    method: Method::GET,
    path_template: "/patients/{id}",
    idempotent: true,
    authenticated: true,
};
static BOOK: OperationMeta = OperationMeta {
    vendor: "demo",
    name: "book",
    method: Method::POST,
    path_template: "/appointments",
    idempotent: false,
    authenticated: true,
};

struct Login;
impl Endpoint for Login {
    type Output = String;
    fn meta(&self) -> &'static OperationMeta {
        &LOGIN
    }
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
    fn path(&self) -> String {
        "/login".into()
    }
    fn decode(&self, body: &[u8]) -> Result<String, Error> {
        practice_core::decode::json(&LOGIN, body)
    }
}

struct GetPatient(i64);
impl Endpoint for GetPatient {
    type Output = serde_json::Value;
    fn meta(&self) -> &'static OperationMeta {
        &GET_PATIENT
    }
    fn validate(&self) -> Result<(), Error> {
        let mut v = practice_core::Validator::new();
        v.max_digits("patientId", Some(self.0), 11);
        v.finish("getPatient")
    }
    fn path(&self) -> String {
        format!("/patients/{}", self.0)
    }
    fn decode(&self, body: &[u8]) -> Result<serde_json::Value, Error> {
        practice_core::decode::json(&GET_PATIENT, body)
    }
}

struct Book;
impl Endpoint for Book {
    type Output = i64;
    fn meta(&self) -> &'static OperationMeta {
        &BOOK
    }
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
    fn path(&self) -> String {
        "/appointments".into()
    }
    fn body(&self) -> Result<Option<Bytes>, Error> {
        Ok(Some(Bytes::from_static(b"{\"patientId\":1}")))
    }
    fn decode(&self, body: &[u8]) -> Result<i64, Error> {
        practice_core::decode::json(&BOOK, body)
    }
}

struct DemoAuth;
impl Authenticator for DemoAuth {
    fn credential_key(&self) -> String {
        "demo-user".into()
    }
    async fn acquire(&self, ctx: &AuthContext, _: Option<&Token>) -> Result<Token, Error> {
        Ok(Token::valid_for(
            Secret::new(ctx.execute(&Login).await?),
            Duration::from_secs(3600),
        ))
    }
    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error> {
        let value = token
            .access()
            .expose()
            .parse()
            .map_err(|_| Error::configuration("bad token"))?;
        request.headers_mut().insert("x-demo-token", value);
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method("POST").path("/demo/login");
            then.status(200).body("\"demo-token\"");
        })
        .await;
    let flaky = server
        .mock_async(|when, then| {
            when.method("GET").path("/demo/patients/13");
            then.status(503).header("retry-after", "0");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path_includes("/demo/patients/");
            then.status(200)
                .body(r#"{"forename":"Test","surname":"Patient"}"#);
        })
        .await;
    let book = server
        .mock_async(|when, then| {
            when.method("POST").path("/demo/appointments");
            then.status(502);
        })
        .await;

    let client = ClientBuilder::new(
        Arc::new(Demo),
        server.url("/demo"),
        "practice-core-tour/0.1",
    )
    .map_options(|o| {
        o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(20)))
            .quota(QuotaPolicy::new(
                Some(RateLimit::new(10, Duration::from_secs(1))),
                WhenExhausted::wait_up_to(Duration::from_secs(5)),
            ))
    })
    .build(DemoAuth)?;

    let started = Instant::now();
    let calls: Vec<_> = (1..=12)
        .map(|id| {
            let c = client.clone();
            tokio::spawn(async move { c.execute(&GetPatient(id)).await })
        })
        .collect();
    for call in calls {
        call.await.expect("task")?;
    }
    println!(
        "12 concurrent reads: {} login, budget 10/s held them for {:.1?}",
        login.calls_async().await,
        started.elapsed()
    );

    let err = client.execute(&GetPatient(13)).await.unwrap_err();
    println!(
        "a read that keeps failing: {} tries, then: {err}",
        flaky.calls_async().await
    );

    let err = client.execute(&Book).await.unwrap_err();
    println!(
        "a write answered 502: sent {} time(s), then: {err}",
        book.calls_async().await
    );

    let err = client
        .execute(&GetPatient(123_456_789_012))
        .await
        .unwrap_err();
    println!("bad input: {err}");
    Ok(())
}
