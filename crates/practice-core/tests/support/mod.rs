//! A scripted in-process server and a minimal vendor, for tests of the stack on tokio's paused
//! clock (a real socket would let the paused clock jump past every timeout while waiting).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use practice_core::auth::BoxFuture;
use practice_core::{
    AuthContext, Authenticator, ClientBuilder, ClientOptions, Endpoint, Error, OperationMeta,
    RetryConfig, Secret, Token, TransportService, VendorMessage, VendorProfile,
};
use tokio::time::Instant;

pub mod http_head;
pub mod loopback;

pub const SECRET: &str = "s3cr3t-password-value";
pub const TOKEN_PREFIX: &str = "tok-";

pub struct TestProfile;

impl VendorProfile for TestProfile {
    fn name(&self) -> &'static str {
        "test"
    }
    fn error_messages(&self, response: &Response<Bytes>) -> Vec<VendorMessage> {
        match std::str::from_utf8(response.body()) {
            Ok(text) if !text.is_empty() => vec![VendorMessage {
                name: None,
                message: text.to_owned(),
            }],
            _ => Vec::new(),
        }
    }
}

pub static LOGIN: OperationMeta = OperationMeta {
    vendor: "test",
    name: "login",
    method: Method::POST,
    path_template: "/login",
    idempotent: true,
    authenticated: false,
};
pub static GET_THING: OperationMeta = OperationMeta {
    vendor: "test",
    name: "getThing",
    method: Method::GET,
    path_template: "/things/{id}",
    idempotent: true,
    authenticated: true,
};
pub static CREATE_THING: OperationMeta = OperationMeta {
    vendor: "test",
    name: "createThing",
    method: Method::POST,
    path_template: "/things",
    idempotent: false,
    authenticated: true,
};

pub struct Login;
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
    fn body(&self) -> Result<Option<Bytes>, Error> {
        Ok(Some(Bytes::from(format!(r#"{{"password":"{SECRET}"}}"#))))
    }
    fn decode(&self, body: &[u8]) -> Result<String, Error> {
        practice_core::decode::json(&LOGIN, body)
    }
}

pub struct GetThing(pub i64);
impl Endpoint for GetThing {
    type Output = serde_json::Value;
    fn meta(&self) -> &'static OperationMeta {
        &GET_THING
    }
    fn validate(&self) -> Result<(), Error> {
        let mut v = practice_core::Validator::new();
        v.max_digits("id", Some(self.0), 11);
        v.finish("getThing")
    }
    fn path(&self) -> String {
        format!("/things/{}", self.0)
    }
    fn decode(&self, body: &[u8]) -> Result<serde_json::Value, Error> {
        practice_core::decode::json(&GET_THING, body)
    }
}

pub struct CreateThing;
impl Endpoint for CreateThing {
    type Output = serde_json::Value;
    fn meta(&self) -> &'static OperationMeta {
        &CREATE_THING
    }
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
    fn path(&self) -> String {
        "/things".into()
    }
    fn body(&self) -> Result<Option<Bytes>, Error> {
        Ok(Some(Bytes::from_static(br#"{"name":"widget"}"#)))
    }
    fn decode(&self, body: &[u8]) -> Result<serde_json::Value, Error> {
        practice_core::decode::json(&CREATE_THING, body)
    }
}

/// Logs in with `POST /login` (answer: the token as a JSON string) and sends `x-token`.
pub struct TestAuth {
    pub lifetime: Duration,
}

impl Authenticator for TestAuth {
    fn credential_key(&self) -> String {
        "user-1".into()
    }
    async fn acquire(&self, ctx: &AuthContext, _previous: Option<&Token>) -> Result<Token, Error> {
        let access = ctx.execute(&Login).await?;
        Ok(Token::valid_for(Secret::new(access), self.lifetime))
    }
    fn apply(&self, request: &mut Request<Bytes>, token: &Token) -> Result<(), Error> {
        let value = http::HeaderValue::from_str(token.access().expose())
            .map_err(|_| Error::configuration("token is not a header value"))?;
        request.headers_mut().insert("x-token", value);
        Ok(())
    }
}

/// What the fake server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub method: Method,
    pub path: String,
    pub token: Option<String>,
    pub body: Bytes,
    pub user_agent: Option<String>,
}

pub enum Reply {
    Status(u16, &'static str),
    StatusWithHeader(u16, &'static str, &'static str, String),
    WithHeaders(u16, &'static str, Vec<(&'static str, String)>),
    Delay(Duration, Box<Reply>),
    Fail(Error),
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A scripted server: `handler(request, n)` where `n` counts earlier non-login requests.
#[derive(Clone)]
pub struct FakeServer {
    seen: Arc<Mutex<Vec<Seen>>>,
    handler: Arc<Handler>,
    logins: Arc<Mutex<usize>>,
    login_fails: Arc<Mutex<bool>>,
}

impl FakeServer {
    pub fn new(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        FakeServer {
            seen: Default::default(),
            handler: Arc::new(handler),
            logins: Default::default(),
            login_fails: Default::default(),
        }
    }

    pub fn ok() -> Self {
        Self::new(|_, _| Reply::Status(200, r#"{"ok":true}"#))
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn logins(&self) -> usize {
        *self.logins.lock().unwrap()
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path != "/base/login")
            .collect()
    }

    pub fn set_login_fails(&self, fails: bool) {
        *self.login_fails.lock().unwrap() = fails;
    }

    pub fn service(&self) -> TransportService {
        let server = self.clone();
        TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
            let server = server.clone();
            async move {
                let seen = Seen {
                    at: Instant::now(),
                    method: request.method().clone(),
                    path: request.uri().path().to_owned(),
                    token: header(&request, "x-token"),
                    body: request.body().clone(),
                    user_agent: header(&request, "user-agent"),
                };
                let reply = if seen.path.ends_with("/login") {
                    let n = {
                        let mut logins = server.logins.lock().unwrap();
                        *logins += 1;
                        *logins
                    };
                    if *server.login_fails.lock().unwrap() {
                        Reply::Status(503, "login unavailable")
                    } else {
                        Reply::StatusWithHeader(
                            200,
                            "",
                            "x-login",
                            format!("\"{TOKEN_PREFIX}{n}\""),
                        )
                    }
                } else {
                    let n = server.requests().len();
                    (server.handler)(&seen, n)
                };
                server.seen.lock().unwrap().push(seen);
                respond(reply).await
            }
        }))
    }

    pub fn client(
        &self,
        configure: impl FnOnce(ClientOptions) -> ClientOptions,
    ) -> practice_core::HttpClient {
        let builder = ClientBuilder::new(
            std::sync::Arc::new(TestProfile),
            "http://127.0.0.1:1/base",
            "test-agent/1.0",
        )
        .map_options(|o| {
            configure(
                o.transport_service(self.service())
                    .retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(100))),
            )
        });
        builder
            .build(TestAuth {
                lifetime: Duration::from_secs(3600),
            })
            .unwrap()
    }
}

fn header(request: &Request<Bytes>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn respond(reply: Reply) -> BoxFuture<'static, Result<Response<Bytes>, Error>> {
    Box::pin(async move {
        match reply {
            Reply::Status(status, body) => {
                Ok(response(status, Bytes::from_static(body.as_bytes()), None))
            }
            Reply::StatusWithHeader(status, body, name, value) => {
                // The login reply carries its token as the body (a JSON string).
                if name == "x-login" {
                    return Ok(response(status, Bytes::from(value), None));
                }
                Ok(response(
                    status,
                    Bytes::from_static(body.as_bytes()),
                    Some((name, value)),
                ))
            }
            Reply::WithHeaders(status, body, headers) => {
                let mut out = response(status, Bytes::from_static(body.as_bytes()), None);
                for (name, value) in headers {
                    out.headers_mut().insert(name, value.parse().unwrap());
                }
                Ok(out)
            }
            Reply::Delay(delay, reply) => {
                tokio::time::sleep(delay).await;
                respond(*reply).await
            }
            Reply::Fail(err) => Err(err),
        }
    })
}

fn response(status: u16, body: Bytes, header: Option<(&'static str, String)>) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    if let Some((name, value)) = header {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}
