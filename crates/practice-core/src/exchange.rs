//! One endpoint's exchange at the vendor, apart from how it is sent: the HTTP request an
//! endpoint makes (validated and built, nothing sent) and the answer's outcome (a 2xx passes;
//! anything else becomes its error, with the client's secrets masked). Callers' requests use
//! it through `send.rs`; authenticators' token requests through [`AuthContext`](crate::AuthContext),
//! which sends below auth and so never re-enters the callers' path.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use http::{Request, Response, StatusCode};

use crate::base_url::BaseUrl;
use crate::error::{Error, ErrorKind};
use crate::operation::{Endpoint, OperationMeta};
use crate::redact::Redactor;
use crate::vendor::ResponseReading;

/// Builds one vendor's requests at one base URL and reads their outcomes.
#[derive(Debug)]
pub(crate) struct Exchange {
    base: BaseUrl,
    vendor: &'static str,
    redactor: Redactor,
}

impl Exchange {
    pub(crate) fn new(base: BaseUrl, vendor: &'static str, redactor: Redactor) -> Self {
        Exchange {
            base,
            vendor,
            redactor,
        }
    }

    /// The vendor's name.
    pub(crate) fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The base URL.
    pub(crate) fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// The client's redaction, for errors made while reading a streamed answer.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Masks the client's credentials and tokens in an error.
    pub(crate) fn redact(&self, err: Error) -> Error {
        self.redactor.error(err)
    }

    /// Validates and builds the HTTP request of an endpoint. Nothing is sent here.
    pub(crate) fn request<E: Endpoint>(&self, endpoint: &E) -> Result<Request<Bytes>, Error> {
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

    /// The outcome of an answer: a 2xx passes; anything else is its error from the answer's
    /// reading ([`ResponseReading::check`], told the time the call has left), with the base
    /// URL a redirect names, and masked.
    pub(crate) fn answer(
        &self,
        meta: &'static OperationMeta,
        response: Response<Bytes>,
        time_left: Option<Duration>,
    ) -> Result<Response<Bytes>, Error> {
        // Only a redirect pays for reading its location here.
        let moved = response
            .status()
            .is_redirection()
            .then(|| response.headers().get(LOCATION)?.to_str().ok())
            .flatten()
            .and_then(|location| self.base.moved_to(location));
        ResponseReading::check(meta, response, time_left).map_err(|err| {
            let err = match moved {
                Some(base) => err.append_message(&format!("use the base URL {base}")),
                None => err,
            };
            self.redact(err)
        })
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
}
