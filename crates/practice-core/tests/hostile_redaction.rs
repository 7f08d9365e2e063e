//! A vendor that echoes every credential and token the client holds, in every error form:
//! none of them may reach an error's `Display` or `Debug`, or a log line at TRACE.
//!
//! Alone in its test binary, like `logs.rs`: tracing caches callsite interest globally.

mod support;

#[path = "support/capture.rs"]
mod capture;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use capture::Capture;
use http::{Request, Response, StatusCode};
use practice_core::{
    AuthContext, Authenticator, ClientBuilder, Error, RetryConfig, Secret, Token, TransportService,
};
use support::*;

const PASSWORD: &str = "pa55-\"quoted\"-word";
const SECRET_KEY: &str = "sk-live-0123456789";
const CLIENT_ID: &str = "client-id-4242";
const TOKEN: &str = "tok-echoed-access";
const REFRESH: &str = "rt-echoed-refresh";

/// Logs in with the support `Login` endpoint and keeps a refresh token too.
struct EchoedAuth;

impl Authenticator for EchoedAuth {
    fn credential_key(&self) -> String {
        "user".into()
    }
    async fn acquire(&self, ctx: &AuthContext, _previous: Option<&Token>) -> Result<Token, Error> {
        let access = ctx.execute(&Login).await?;
        Ok(
            Token::valid_for(Secret::new(access), Duration::from_secs(3600))
                .with_refresh(Secret::new(REFRESH)),
        )
    }
    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error> {
        let value = http::HeaderValue::from_str(token.access().expose())
            .map_err(|_| Error::configuration("token is not a header value"))?;
        request.headers_mut().insert("x-token", value);
        Ok(())
    }
    fn secrets(&self) -> Vec<Secret> {
        [PASSWORD, SECRET_KEY, CLIENT_ID]
            .into_iter()
            .map(Secret::new)
            .collect()
    }
}

fn all() -> String {
    format!("{PASSWORD} {SECRET_KEY} {CLIENT_ID} {TOKEN} {REFRESH}")
}

/// The error bodies and headers an echoing vendor sends, by the id of the thing asked for.
fn echo(id: i64) -> (u16, String, Vec<(&'static str, String)>) {
    let escaped = serde_json::to_string(&all()).unwrap();
    match id {
        // The vendor's JSON message field.
        1 => (400, format!(r#"{{"message":{escaped}}}"#), vec![]),
        // Plain text.
        2 => (500, format!("failed for {}", all()), vec![]),
        // A header, and a redirect whose location carries them.
        3 => (
            302,
            String::new(),
            vec![(
                "location",
                format!("https://elsewhere.example/?t={TOKEN}&k={SECRET_KEY}"),
            )],
        ),
        // Nested JSON.
        4 => (
            422,
            format!(r#"{{"errors":[{{"detail":{{"echo":{escaped},"more":[{escaped}]}}}}]}}"#),
            vec![],
        ),
        // A 200 whose body does not decode, quoting a token.
        5 => (200, format!("{{\"unterminated\": {escaped}"), vec![]),
        // A 429 whose text says so.
        6 => (
            429,
            format!("slow down {}", all()),
            vec![("x-echo", all().replace('"', ""))],
        ),
        _ => (
            404,
            format!("not found: {}", all()),
            vec![("x-echo", TOKEN.into())],
        ),
    }
}

fn echoing_vendor() -> TransportService {
    TransportService::new(tower::service_fn(|request: Request<Bytes>| async move {
        let path = request.uri().path().to_owned();
        if path.ends_with("/login") {
            return Ok::<_, Error>(Response::new(Bytes::from(format!("\"{TOKEN}\""))));
        }
        let id: i64 = path.rsplit('/').next().unwrap_or("0").parse().unwrap_or(0);
        let (status, body, headers) = echo(id);
        let mut response = Response::new(Bytes::from(body));
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        for (name, value) in headers {
            if let Ok(value) = value.parse() {
                response.headers_mut().insert(name, value);
            }
        }
        Ok(response)
    }))
}

#[tokio::test(start_paused = true)]
async fn echoed_credentials_and_tokens_never_reach_errors_or_logs() {
    let (capture, _guard) = Capture::trace_everything();
    let client = ClientBuilder::new(Arc::new(TestProfile), "http://127.0.0.1:1/base", "ua/1")
        .map_options(|o| {
            o.transport_service(echoing_vendor())
                .retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        })
        .build(EchoedAuth)
        .unwrap();
    let mut outputs = Vec::new();
    for id in 1..=7 {
        let err = client.execute(&GetThing(id)).await.unwrap_err();
        outputs.push(format!("{err} | {err:?} | {:?}", err.vendor_messages()));
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            outputs.push(format!("{cause} | {cause:?}"));
            source = cause.source();
        }
    }
    let err = client.execute(&CreateThing).await.unwrap_err();
    outputs.push(format!("{err} | {err:?}"));
    outputs.push(capture.text());
    assert!(
        outputs.iter().any(|o| o.contains("***")),
        "the echo is kept, masked"
    );
    for text in outputs {
        for needle in [
            PASSWORD,
            SECRET_KEY,
            CLIENT_ID,
            TOKEN,
            REFRESH,
            "pa55-\\\"quoted",
        ] {
            assert!(!text.contains(needle), "{needle:?} leaked into: {text}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_login_answer_echoing_the_password_is_masked() {
    let (capture, _guard) = Capture::trace_everything();
    let vendor = TransportService::new(tower::service_fn(|_request: Request<Bytes>| async move {
        let mut response = Response::new(Bytes::from(format!(
            r#"{{"message":"wrong password {}"}}"#,
            PASSWORD.replace('"', "\\\"")
        )));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        Ok::<_, Error>(response)
    }));
    let client = ClientBuilder::new(Arc::new(TestProfile), "http://127.0.0.1:1/base", "ua/1")
        .map_options(|o| o.transport_service(vendor))
        .build(EchoedAuth)
        .unwrap();
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    let text = format!("{err} | {err:?} | {}", capture.text());
    assert!(text.contains("wrong password ***"), "{text}");
    assert!(!text.contains("pa55"), "{text}");
}
