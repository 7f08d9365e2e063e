//! A stand-in for a vendor's API, answering by operation, for testing code that uses a vendor
//! client without a server (feature `test-util`). [`Mock`] holds everything both vendors
//! share (the answers, the call record, the client wired to it); each vendor crate supplies
//! only its wire shape and constants through [`MockVendor`], and names the result in its own
//! `test_util` module (`aloha_api::test_util::Mock`, `aerona_api::test_util::Mock`), so users
//! need not depend on this crate or on tower.
//!
//! Requests are matched by the operation they carry ([`OperationMeta`], attached by the
//! client), never by parsing paths. An operation without an answer fails loudly, naming it.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};

use crate::client::VendorBuilder;
use crate::error::{Dispatch, Error, ErrorKind};
use crate::operation::OperationMeta;
use crate::options::RetryConfig;
use crate::request::operation_of;
use crate::service::TransportService;

/// How one operation is answered.
#[derive(Clone)]
pub struct Answer(Reply);

#[derive(Clone)]
enum Reply {
    Record(Result<serde_json::Value, Arc<serde_json::Error>>),
    Status(StatusCode),
    Raw(StatusCode, Bytes),
    Fail(ErrorKind, Dispatch, &'static str),
}

impl Answer {
    /// A successful answer carrying `record` (a model, a list of models, any serialisable
    /// value), in the vendor's wire shape (for Aloha, inside its `{status, message, data}`
    /// envelope).
    pub fn record<T: serde::Serialize + ?Sized>(record: &T) -> Self {
        Answer(Reply::Record(
            serde_json::to_value(record).map_err(Arc::new),
        ))
    }

    /// A successful answer carrying this JSON, in the vendor's wire shape.
    pub fn json(value: serde_json::Value) -> Self {
        Answer(Reply::Record(Ok(value)))
    }

    /// An answer with this HTTP status and the vendor's usual error body for it. Statuses the
    /// client retries (429, 5xx) are retried, as they would be against the vendor.
    pub fn status(status: u16) -> Self {
        match StatusCode::from_u16(status) {
            Ok(status) => Answer(Reply::Status(status)),
            Err(_) => Answer(Reply::Fail(
                ErrorKind::Configuration,
                Dispatch::NotSent,
                "the mock was given an HTTP status outside 100..=999",
            )),
        }
    }

    /// An answer with this status and exactly this body (hostile or unusual answers).
    pub fn raw(status: u16, body: impl Into<Bytes>) -> Self {
        match StatusCode::from_u16(status) {
            Ok(status) => Answer(Reply::Raw(status, body.into())),
            Err(_) => Self::status(status),
        }
    }

    /// The connection was refused: nothing was sent.
    pub fn connection_refused() -> Self {
        Answer(Reply::Fail(
            ErrorKind::Transport,
            Dispatch::NotSent,
            "could not connect (mock)",
        ))
    }

    /// The connection broke after the request may have been sent.
    pub fn connection_broken() -> Self {
        Answer(Reply::Fail(
            ErrorKind::Transport,
            Dispatch::MaybeSent,
            "the connection failed (mock)",
        ))
    }

    /// The server did not answer in time, after the request may have been sent.
    pub fn timeout() -> Self {
        Answer(Reply::Fail(
            ErrorKind::Timeout,
            Dispatch::MaybeSent,
            "the server did not answer in time (mock)",
        ))
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Records may hold patient data: only their presence is shown.
        match &self.0 {
            Reply::Record(_) => f.write_str("Answer::Record(..)"),
            Reply::Status(status) => write!(f, "Answer::Status({})", status.as_u16()),
            Reply::Raw(status, _) => write!(f, "Answer::Raw({}, ..)", status.as_u16()),
            Reply::Fail(kind, ..) => write!(f, "Answer::Fail({kind:?})"),
        }
    }
}

/// What a vendor crate tells [`Mock`]: what its answers look like on the wire, where its mock
/// clients point, and its builder with made-up credentials. Each vendor crate implements it
/// for its own `ClientBuilder` in its `test_util` module; users never name it.
pub trait MockVendor: VendorBuilder + 'static {
    /// Where the mock's clients point: loopback, so nothing could leave even by mistake.
    const BASE_URL: &'static str;

    /// The vendor's builder with made-up credentials and the vendor's default settings.
    fn with_mock_credentials() -> Self;

    /// The answer to a login or token operation (an operation that is not `authenticated`),
    /// unless the test gave one.
    fn login(operation: &OperationMeta) -> Response<Bytes>;

    /// The body of a successful answer carrying `record`.
    fn success(record: serde_json::Value) -> Vec<u8>;

    /// The body of the vendor's usual error answer with `status`.
    fn error(status: StatusCode) -> Vec<u8>;
}

/// One request as the mock received it: its operation, method, path, query and body, for a
/// test to check what its code asked for (the dates of a report, the fields of a write).
#[derive(Clone)]
pub struct RecordedRequest {
    operation: &'static str,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Bytes,
}

impl RecordedRequest {
    fn of(operation: &'static str, request: &Request<Bytes>) -> Self {
        let query = request
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        RecordedRequest {
            operation,
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            query,
            body: request.body().clone(),
        }
    }

    /// The operation's `operationId`, such as `listAppointments`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method, such as `"GET"`.
    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// The path as sent, percent-encoded, the base URL's path included.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters in order, decoded.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The first value of query parameter `name`, decoded.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as sent (empty for a request without one).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body read as JSON, or `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Query values and bodies may hold credentials or patient data: names and sizes only.
        let names: Vec<&str> = self.query.iter().map(|(key, _)| key.as_str()).collect();
        f.debug_struct("RecordedRequest")
            .field("operation", &self.operation)
            .field("method", &self.method.as_str())
            .field("path", &self.path)
            .field("query", &names)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

#[derive(Default)]
struct State {
    answers: HashMap<&'static str, Answer>,
    calls: Vec<&'static str>,
    requests: Vec<RecordedRequest>,
}

/// A stand-in for vendor `V`'s API, answered by operation; logins are answered with a token
/// unless told otherwise. Clones share answers and the call record. Users name it through
/// their vendor crate's `test_util::Mock`.
pub struct Mock<V> {
    state: Arc<Mutex<State>>,
    vendor: PhantomData<fn() -> V>,
}

impl<V> Clone for Mock<V> {
    fn clone(&self) -> Self {
        Mock {
            state: Arc::clone(&self.state),
            vendor: PhantomData,
        }
    }
}

impl<V> fmt::Debug for Mock<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        let mut answered: Vec<_> = state.answers.keys().copied().collect();
        answered.sort_unstable();
        f.debug_struct("Mock")
            .field("answered", &answered)
            .field("calls", &state.calls.len())
            .finish()
    }
}

impl<V: MockVendor> Default for Mock<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Mock<V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<V: MockVendor> Mock<V> {
    /// A mock with no answers yet; logins are answered with a token.
    pub fn new() -> Self {
        Mock {
            state: Arc::default(),
            vendor: PhantomData,
        }
    }

    /// Answers every call of `operation` (a static of the vendor crate's `operations`
    /// module) with `answer` from now on, replacing an earlier answer. Answering the login or
    /// token operation replaces the built-in login answer (to test a refused login, say).
    pub fn on(self, operation: &'static OperationMeta, answer: Answer) -> Self {
        self.lock().answers.insert(operation.name, answer);
        self
    }

    /// The operations called so far by `operationId`, in order: logins and retried tries
    /// included.
    pub fn calls(&self) -> Vec<&'static str> {
        self.lock().calls.clone()
    }

    /// Every request received so far, in order (logins and retried tries included), with its
    /// method, path, query and body; see the vendor crate's `test_util::Mock` for an example.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// The requests of `operation` received so far, in order (each try counts).
    pub fn requests_to(&self, operation: &'static OperationMeta) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|request| request.operation == operation.name)
            .cloned()
            .collect()
    }

    /// How many times `operation` was called (each try counts).
    pub fn calls_to(&self, operation: &'static OperationMeta) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|name| **name == operation.name)
            .count()
    }

    /// A client of this mock with the vendor's default settings (its budget included).
    /// Retries keep their number but wait only a millisecond.
    pub fn client(&self) -> Result<V::Client, Error> {
        VendorBuilder::build(self.builder())
    }

    /// A builder of a client of this mock, for other settings.
    pub fn builder(&self) -> V {
        let transport = self.service();
        V::with_mock_credentials().map_options(move |core| {
            core.base_url(V::BASE_URL)
                .retry(
                    RetryConfig::default()
                        .with_initial_backoff(Duration::from_millis(1))
                        .with_max_backoff(Duration::from_millis(1)),
                )
                .transport_service(transport)
        })
    }

    /// The transport a client of this mock sends through.
    fn service(&self) -> TransportService {
        let mock = self.clone();
        TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
            let answer = mock.reply(&request);
            async move { answer }
        }))
    }

    fn reply(&self, request: &Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let Some(meta) = operation_of(request) else {
            return Err(Error::configuration(
                "the mock got a request that names no operation",
            ));
        };
        let answer = {
            let mut state = self.lock();
            state.calls.push(meta.name);
            state.requests.push(RecordedRequest::of(meta.name, request));
            state.answers.get(meta.name).cloned()
        };
        let Some(Answer(reply)) = answer else {
            if !meta.authenticated {
                return Ok(V::login(meta));
            }
            return Err(Error::configuration(format!(
                "the mock has no answer for operation `{}`: add one with `on`",
                meta.name
            ))
            .with_operation(meta.name));
        };
        let (status, body) = match reply {
            Reply::Record(Ok(value)) => (StatusCode::OK, Bytes::from(V::success(value))),
            Reply::Record(Err(e)) => {
                return Err(
                    Error::configuration("the mock's record could not be serialised")
                        .with_source(e),
                );
            }
            Reply::Status(status) => (status, Bytes::from(V::error(status))),
            Reply::Raw(status, body) => (status, body),
            Reply::Fail(kind, dispatch, message) => {
                return Err(Error::new(kind, message).with_dispatch(dispatch));
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        Ok(response)
    }
}
