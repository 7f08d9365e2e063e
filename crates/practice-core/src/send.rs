//! The one send path, used by the client for callers' requests and by authenticators for
//! their token requests: validate and build the endpoint's request, send it through a
//! service inside a span (within the call's deadline, for callers' requests), and map a
//! non-2xx answer to its error from the answer's reading. Every error leaving it has the
//! client's credentials and tokens masked.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use http::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::base_url::BaseUrl;
use crate::body::StreamRequest;
use crate::deadline::CallClock;
use crate::error::{Dispatch, Error, ErrorKind};
use crate::operation::{Endpoint, OperationMeta};
use crate::redact::Redactor;
use crate::service::TransportService;
use crate::vendor::ResponseReading;

/// Sends endpoints of one vendor at one base URL.
#[derive(Debug)]
pub(crate) struct Sender {
    base: BaseUrl,
    vendor: &'static str,
    redactor: Redactor,
}

impl Sender {
    pub(crate) fn new(base: BaseUrl, vendor: &'static str, redactor: Redactor) -> Self {
        Sender {
            base,
            vendor,
            redactor,
        }
    }

    /// Masks the client's credentials and tokens in an error.
    pub(crate) fn redact(&self, err: Error) -> Error {
        self.redactor.error(err)
    }

    /// The error for a 2xx answer that did not decode. For a write that is not idempotent the
    /// answer says it was applied: the caller must learn that, not that it may try again.
    pub(crate) fn decode_failed(
        &self,
        meta: &OperationMeta,
        status: StatusCode,
        err: Error,
    ) -> Error {
        let err = self.redact(err);
        if meta.idempotent {
            return err;
        }
        Error::new(
            ErrorKind::AppliedUnreadable,
            "the vendor accepted the write but its answer could not be read; do not send it again, look it up instead",
        )
        .with_operation(meta.name)
        .with_status(status)
        .with_source(err)
    }

    /// The vendor's name.
    pub(crate) fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The base URL.
    pub(crate) fn base(&self) -> &BaseUrl {
        &self.base
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
        let request = self.build_request(endpoint)?;
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
        let mut request = self.build_request(endpoint)?;
        request.extensions_mut().insert(StreamRequest);
        self.dispatch(service, endpoint.meta(), request, span, clock)
            .await
    }

    /// The client's redaction, for errors made while reading a streamed answer.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
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
        // A transient answer whose wait reaches past the call's deadline was not retried
        // (the retry layer stops there): the error says so instead of waiting.
        let wait = (!response.status().is_success())
            .then(|| {
                let reading = ResponseReading::of(&response);
                let left = clock.as_ref()?.remaining();
                reading
                    .retry_after
                    .filter(|after| reading.transient && *after >= left)
            })
            .flatten();
        // Only a redirect pays for reading its location here.
        let moved = response
            .status()
            .is_redirection()
            .then(|| response.headers().get(LOCATION)?.to_str().ok())
            .flatten()
            .and_then(|location| self.base.moved_to(location));
        ResponseReading::check(meta, response).map_err(|err| {
            let err = match moved {
                Some(base) => err.append_message(&format!("use the base URL {base}")),
                None => err,
            };
            let err = match wait {
                Some(after) => err.append_message(&format!(
                    "the vendor asks to wait {}s before trying again, longer than this call may take; not retried",
                    after.as_secs()
                )),
                None => err,
            };
            self.redact(err)
        })
    }

    /// Validates and builds the HTTP request of an endpoint. Nothing is sent here.
    fn build_request<E: Endpoint>(&self, endpoint: &E) -> Result<Request<Bytes>, Error> {
        let meta = endpoint.meta();
        endpoint
            .validate()
            .map_err(|e| e.with_operation(meta.name))?;
        let uri = self
            .base
            .uri(&endpoint.path(), &endpoint.query())
            .map_err(|e| e.with_operation(meta.name))?;
        let body = endpoint.body()?;
        let mut request = Request::new(body.clone().unwrap_or_default());
        *request.method_mut() = meta.method.clone();
        *request.uri_mut() = uri;
        // `Accept` and `User-Agent` are added below retry and auth, so that the copies those
        // layers keep of each request carry no header map to clone.
        if body.is_some() {
            request.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(endpoint.content_type()),
            );
        }
        request
            .extensions_mut()
            .insert::<&'static OperationMeta>(meta);
        Ok(request)
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
