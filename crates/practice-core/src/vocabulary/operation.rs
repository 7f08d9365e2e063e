//! What a request is: per-operation metadata (generated from the specs) and the [`Endpoint`]
//! trait that generated request types implement. Generated code only describes requests; the
//! stack in [`crate::client`] executes them.

use bytes::Bytes;
use http::Method;

use crate::error::Error;

/// Facts about one operation that the stack needs: for tracing, retry and quota decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationMeta {
    /// The vendor's short name, as its profile gives it.
    pub vendor: &'static str,
    /// The spec's `operationId`, e.g. `listAppointments`.
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template under the base URL, e.g. `/v1/payments/{paymentId}`. Logged instead
    /// of the real path, which may carry patient identifiers.
    pub path_template: &'static str,
    /// Whether sending the request twice has the same effect as once (spec `x-idempotent`).
    pub idempotent: bool,
    /// Whether the request carries the vendor's token (false for token and login calls).
    pub authenticated: bool,
}

/// A typed request of one operation.
pub trait Endpoint {
    /// The decoded answer.
    type Output;

    /// The operation's metadata.
    fn meta(&self) -> &'static OperationMeta;

    /// Client-side checks from the spec's constraints. When they fail nothing is sent.
    fn validate(&self) -> Result<(), Error>;

    /// The path under the base URL with parameters filled in and percent-encoded.
    fn path(&self) -> String;

    /// Query parameters, in spec order, already formatted for the wire.
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The JSON body, if the operation has one.
    fn body(&self) -> Result<Option<Bytes>, Error> {
        Ok(None)
    }

    /// The `Content-Type` of the body, when there is one: JSON unless an operation's shape
    /// says otherwise (a login a user configured as form-encoded).
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    /// Decodes a successful (2xx) answer.
    fn decode(&self, body: &[u8]) -> Result<Self::Output, Error>;
}

/// Percent-encodes one path segment.
pub fn encode_path_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Serialises a JSON request body.
pub fn json_body<T: serde::Serialize + ?Sized>(
    meta: &OperationMeta,
    value: &T,
) -> Result<Option<Bytes>, Error> {
    serde_json::to_vec(value)
        .map(|v| Some(Bytes::from(v)))
        .map_err(|e| {
            Error::invalid_request(format!("could not serialise the body: {e}"))
                .with_operation(meta.name)
        })
}
