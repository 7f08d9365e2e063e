//! The one send path, used by the client for callers' requests and by authenticators for
//! their token requests: validate and build the endpoint's request, send it through a
//! service inside a span, and map a non-2xx answer to its error from the answer's reading.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Request, Response};
use tracing::Instrument;

use crate::base_url::BaseUrl;
use crate::error::Error;
use crate::operation::{Endpoint, OperationMeta};
use crate::service::TransportService;
use crate::vendor::ResponseReading;

/// Sends endpoints of one vendor at one base URL.
#[derive(Debug)]
pub(crate) struct Sender {
    base: BaseUrl,
    vendor: &'static str,
}

impl Sender {
    pub(crate) fn new(base: BaseUrl, vendor: &'static str) -> Self {
        Sender { base, vendor }
    }

    /// The vendor's name.
    pub(crate) fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The base URL.
    pub(crate) fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Validates, builds and sends `endpoint` through `service` inside `span`; a non-2xx
    /// answer becomes the vendor's error.
    pub(crate) async fn send<E: Endpoint>(
        &self,
        service: &TransportService,
        endpoint: &E,
        span: tracing::Span,
    ) -> Result<Response<Bytes>, Error> {
        let meta = endpoint.meta();
        let request = self.build_request(endpoint)?;
        let response = service
            .call_shared(request)
            .instrument(span)
            .await
            .map_err(|e| e.with_operation(meta.name))?;
        ResponseReading::check(meta, response)
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
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        request
            .extensions_mut()
            .insert::<&'static OperationMeta>(meta);
        Ok(request)
    }
}
