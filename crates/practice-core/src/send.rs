//! The callers' send path: an endpoint's request (built by [`Exchange`]) sent through the
//! finished stack inside a span and within the call's deadline, and its answer's outcome.
//! Token requests do not come here: an authenticator sends below auth through its
//! `AuthContext`, so one call enters this file once, login or not.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::base_url::BaseUrl;
use crate::body::StreamRequest;
use crate::deadline::CallClock;
use crate::error::{Dispatch, Error, ErrorKind};
use crate::exchange::Exchange;
use crate::operation::{Endpoint, OperationMeta};
use crate::redact::Redactor;
use crate::service::TransportService;

/// Sends callers' endpoints of one vendor at one base URL.
#[derive(Debug)]
pub(crate) struct Sender {
    exchange: Arc<Exchange>,
}

impl Sender {
    pub(crate) fn new(base: BaseUrl, vendor: &'static str, redactor: Redactor) -> Self {
        Sender {
            exchange: Arc::new(Exchange::new(base, vendor, redactor)),
        }
    }

    /// The requests and outcomes of this client, shared with its authenticator's context.
    pub(crate) fn exchange(&self) -> Arc<Exchange> {
        self.exchange.clone()
    }

    /// Masks the client's credentials and tokens in an error.
    pub(crate) fn redact(&self, err: Error) -> Error {
        self.exchange.redact(err)
    }

    /// The error for a 2xx answer that did not decode ([`Exchange::decode_failed`]).
    pub(crate) fn decode_failed(
        &self,
        meta: &OperationMeta,
        status: StatusCode,
        err: Error,
    ) -> Error {
        self.exchange.decode_failed(meta, status, err)
    }

    /// The vendor's name.
    pub(crate) fn vendor(&self) -> &'static str {
        self.exchange.vendor()
    }

    /// The base URL.
    pub(crate) fn base(&self) -> &BaseUrl {
        self.exchange.base()
    }

    /// Validates, builds and sends `endpoint` through `service` inside `span`, cut at the
    /// deadline of `clock` if given; a non-2xx answer becomes the vendor's error.
    pub(crate) async fn send<E: Endpoint>(
        &self,
        service: &TransportService,
        endpoint: &E,
        span: tracing::Span,
        clock: Option<CallClock>,
    ) -> Result<Response<Bytes>, Error> {
        let request = self.exchange.request(endpoint)?;
        self.dispatch(service, endpoint.meta(), request, span, clock)
            .await
    }

    /// As [`send`](Self::send), asking the transport to hand over a 2xx answer's body
    /// undrained ([`StreamRequest`]), for the caller to read as it arrives.
    pub(crate) async fn send_streamed<E: Endpoint>(
        &self,
        service: &TransportService,
        endpoint: &E,
        span: tracing::Span,
        clock: Option<CallClock>,
    ) -> Result<Response<Bytes>, Error> {
        let mut request = self.exchange.request(endpoint)?;
        request.extensions_mut().insert(StreamRequest);
        self.dispatch(service, endpoint.meta(), request, span, clock)
            .await
    }

    /// The client's redaction, for errors made while reading a streamed answer.
    pub(crate) fn redactor(&self) -> &Redactor {
        self.exchange.redactor()
    }

    async fn dispatch(
        &self,
        service: &TransportService,
        meta: &'static OperationMeta,
        mut request: Request<Bytes>,
        span: tracing::Span,
        clock: Option<CallClock>,
    ) -> Result<Response<Bytes>, Error> {
        let deadline = clock.as_ref().and_then(CallClock::deadline);
        if let Some(clock) = &clock {
            request.extensions_mut().insert(clock.clone());
        }
        let call = service.call_shared(request).instrument(span);
        let outcome = match (deadline, &clock) {
            (Some(at), Some(clock)) => tokio::time::timeout_at(at, call)
                .await
                .unwrap_or_else(|_| Err(deadline_passed(meta, clock))),
            _ => call.await,
        };
        let response = outcome.map_err(|e| self.redact(e.with_operation(meta.name)))?;
        let time_left = clock.as_ref().map(CallClock::remaining);
        self.exchange.answer(meta, response, time_left)
    }
}

/// The error of a call cut at its deadline: says what it was doing, and, for a write that may
/// have left, that its outcome is unknown.
fn deadline_passed(meta: &OperationMeta, clock: &CallClock) -> Error {
    let err = Error::new(
        ErrorKind::Timeout,
        format!(
            "the call's deadline of {}s ran out while {}",
            clock.limit().as_secs(),
            clock.phase()
        ),
    )
    .with_operation(meta.name);
    if !clock.maybe_sent() {
        return err.with_dispatch(Dispatch::NotSent);
    }
    if meta.idempotent {
        err
    } else {
        err.into_outcome_unknown()
    }
}
