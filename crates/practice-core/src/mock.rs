//! A transport that answers by operation, for testing code that uses a vendor client without
//! a server (feature `test-util`). The vendor crates wrap it in their own `test_util::Mock`,
//! which knows their wire shapes and answers their logins; users need not depend on this
//! crate or on tower.
//!
//! Requests are matched by the operation they carry ([`OperationMeta`], attached by the
//! client), never by parsing paths. An operation without an answer fails loudly, naming it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use crate::error::{Dispatch, Error, ErrorKind};
use crate::operation::OperationMeta;
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

/// What a vendor's answers look like on the wire, supplied by the vendor crate.
#[derive(Clone, Copy)]
pub struct WireShape {
    /// The answer to a login or token operation (an operation that is not `authenticated`).
    pub login: fn(&OperationMeta) -> Response<Bytes>,
    /// The body of a successful answer carrying `record`.
    pub success: fn(serde_json::Value) -> Vec<u8>,
    /// The body of an error answer with `status`.
    pub error: fn(StatusCode) -> Vec<u8>,
}

impl fmt::Debug for WireShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireShape").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    answers: HashMap<&'static str, Answer>,
    calls: Vec<&'static str>,
}

/// A transport answering each operation as told. Clones share answers and the call record.
#[derive(Clone)]
pub struct MockTransport {
    shape: WireShape,
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut answered: Vec<_> = state.answers.keys().copied().collect();
        answered.sort_unstable();
        f.debug_struct("MockTransport")
            .field("answered", &answered)
            .field("calls", &state.calls.len())
            .finish()
    }
}

impl MockTransport {
    /// A mock speaking `shape`, with no answers yet (logins are always answered).
    pub fn new(shape: WireShape) -> Self {
        MockTransport {
            shape,
            state: Arc::default(),
        }
    }

    /// Answers every call of `operation` with `answer` from now on (replacing an earlier one).
    pub fn answer(&self, operation: &'static OperationMeta, answer: Answer) {
        self.lock().answers.insert(operation.name, answer);
    }

    /// The operations called so far, in order, by `operationId` (logins and retries included).
    pub fn calls(&self) -> Vec<&'static str> {
        self.lock().calls.clone()
    }

    /// How many times `operation` was called (each try counts).
    pub fn calls_to(&self, operation: &'static OperationMeta) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|name| **name == operation.name)
            .count()
    }

    /// The transport to hand to a client builder's `transport_service`.
    pub fn service(&self) -> TransportService {
        let mock = self.clone();
        TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
            let answer = mock.reply(&request);
            async move { answer }
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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
            state.answers.get(meta.name).cloned()
        };
        let Some(Answer(reply)) = answer else {
            if !meta.authenticated {
                return Ok((self.shape.login)(meta));
            }
            return Err(Error::configuration(format!(
                "the mock has no answer for operation `{}`: add one with `on`",
                meta.name
            ))
            .with_operation(meta.name));
        };
        let (status, body) = match reply {
            Reply::Record(Ok(value)) => (StatusCode::OK, Bytes::from((self.shape.success)(value))),
            Reply::Record(Err(e)) => {
                return Err(
                    Error::configuration("the mock's record could not be serialised")
                        .with_source(e),
                );
            }
            Reply::Status(status) => (status, Bytes::from((self.shape.error)(status))),
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
