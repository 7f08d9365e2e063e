//! Words every layer shares about a request in flight: which operation it belongs to, which
//! try it is, how to copy it, and the boxed future the layers answer with. Imports no layer.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::Request;

use crate::operation::OperationMeta;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The operation a request belongs to, set by the client when it builds the request.
pub fn operation_of<B>(request: &Request<B>) -> Option<&'static OperationMeta> {
    request
        .extensions()
        .get::<&'static OperationMeta>()
        .copied()
}

/// Copies a request, body and extensions included (bodies are `Bytes`, so this is cheap).
pub fn clone_request(request: &Request<Bytes>) -> Request<Bytes> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

/// The try number of a request, set in its extensions by the retry layer (1 for the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt(pub u32);

/// Reads the try number of a request.
pub fn attempt_of<B>(request: &Request<B>) -> u32 {
    request.extensions().get::<Attempt>().map_or(1, |a| a.0)
}
