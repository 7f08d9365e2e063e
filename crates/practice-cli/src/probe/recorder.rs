//! The probe's transport: the client's own HTTP transport with a ledger beside it, so that
//! the probe sees every request that leaves (logins and retries included) and every answer
//! as it arrived, and refuses to send past its ceiling whatever the layers above attempt.
//!
//! What it keeps stays in memory: bodies are read for their shape, never printed.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use practice_core::bytes::Bytes;
use practice_core::http::{HeaderMap, Method, Request, Response};
use practice_core::request::BoxFuture;
use practice_core::transport::HttpTransport;
use practice_core::{Error, ErrorKind, TransportConfig, TransportService};

/// One request that left, and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request's method.
    pub method: Method,
    /// The request's path (it may carry identifiers: compared, never printed).
    pub path: String,
    /// The answer's status; `None` when no answer came (network).
    pub status: Option<u16>,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The answer's body.
    pub body: Bytes,
}

/// The shared ledger and its ceiling.
#[derive(Clone)]
pub struct Recorder {
    inner: HttpTransport,
    log: Arc<Mutex<Vec<Exchange>>>,
    ceiling: usize,
}

impl Recorder {
    /// A recorder over the default transport that sends at most `ceiling` requests.
    pub fn new(ceiling: usize) -> Result<Self, Error> {
        Ok(Recorder {
            inner: HttpTransport::from_config(&TransportConfig::default())?,
            log: Arc::new(Mutex::new(Vec::new())),
            ceiling,
        })
    }

    /// The transport to hand a client builder.
    pub fn service(&self) -> TransportService {
        TransportService::new(self.clone())
    }

    /// Requests sent so far.
    pub fn sent(&self) -> usize {
        self.lock().len()
    }

    /// Every exchange so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.lock().clone()
    }

    /// Exchanges from the `from`-th on.
    pub fn since(&self, from: usize) -> Vec<Exchange> {
        self.lock().iter().skip(from).cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Exchange>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl tower::Service<Request<Bytes>> for Recorder {
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Bytes>, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let exchange = Exchange {
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            status: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        // The slot is taken before sending: the ceiling holds under concurrency too.
        let index = {
            let mut log = self.lock();
            if log.len() >= self.ceiling {
                let ceiling = self.ceiling;
                return Box::pin(async move {
                    Err(Error::new(
                        ErrorKind::InvalidRequest,
                        format!("the probe's ceiling of {ceiling} requests is reached; not sent"),
                    ))
                });
            }
            log.push(exchange);
            log.len() - 1
        };
        let mut inner = self.inner.clone();
        let log = self.log.clone();
        Box::pin(async move {
            let answer = tower::Service::call(&mut inner, request).await;
            if let Ok(response) = &answer {
                let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(entry) = log.get_mut(index) {
                    entry.status = Some(response.status().as_u16());
                    entry.headers = response.headers().clone();
                    entry.body = response.body().clone();
                }
            }
            answer
        })
    }
}
