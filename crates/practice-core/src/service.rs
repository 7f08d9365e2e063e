//! [`TransportService`]: the stack's type-erased service, shared behind an `Arc`.
//!
//! tower's `BoxCloneSyncService` allocates a new box on every clone, and tower's
//! clone-and-swap idiom clones each layer's inner service on every call: with three erased
//! levels that was about a dozen allocations per request (see `docs/performance.md`). Here
//! a clone is a reference-count increment, and each call drives its own clone of the wrapped
//! service, so a service that reserves capacity in `poll_ready` still works.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower::{Service, ServiceExt};

use crate::error::Error;
use crate::request::BoxFuture;

/// The answer of one call through a [`TransportService`].
pub type ResponseFuture = BoxFuture<'static, Result<Response<Bytes>, Error>>;

/// A type-erased HTTP transport, cheap to clone: what a client sends its requests through.
///
/// At the public seam it is the transport a caller may hand in
/// ([`ClientOptions::transport_service`](crate::ClientOptions::transport_service): tests,
/// record/replay). Inside the client the same erasure also wraps the layers below auth (the
/// transport that authenticators send their token requests through) and the finished stack.
///
/// It is always ready; readiness of the wrapped service is awaited inside each call, on a
/// clone of its own (`oneshot`).
///
/// ```
/// use practice_core::{Error, TransportService, bytes::Bytes, http::{Request, Response}};
/// let transport = TransportService::new(tower::service_fn(|_request: Request<Bytes>| async {
///     Ok::<_, Error>(Response::new(Bytes::from_static(b"{}")))
/// }));
/// let copy = transport.clone(); // an Arc increment, no allocation
/// # drop(copy);
/// ```
#[derive(Clone)]
pub struct TransportService {
    service: Arc<dyn CallShared>,
}

impl TransportService {
    /// Erases `service`.
    pub fn new<S>(service: S) -> Self
    where
        S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        TransportService {
            service: Arc::new(service),
        }
    }

    /// Sends one request through the wrapped service, without needing `&mut self`.
    pub fn call_shared(&self, request: Request<Bytes>) -> ResponseFuture {
        self.service.call_shared(request)
    }
}

/// Object-safe calling through `&self`: each call clones the concrete service (reference
/// counts only, once nothing below is boxed) and drives that clone to readiness.
trait CallShared: Send + Sync {
    fn call_shared(&self, request: Request<Bytes>) -> ResponseFuture;
}

impl<S> CallShared for S
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    fn call_shared(&self, request: Request<Bytes>) -> ResponseFuture {
        Box::pin(self.clone().oneshot(request))
    }
}

impl Service<Request<Bytes>> for TransportService {
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        self.call_shared(request)
    }
}

impl fmt::Debug for TransportService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportService").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// tower's `ConcurrencyLimit` takes its permit in `poll_ready`: the erased service must
    /// await that readiness on each call, never call an unready clone.
    #[tokio::test]
    async fn each_call_awaits_the_wrapped_services_readiness() {
        let (active, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let counted = {
            let (active, peak) = (active.clone(), peak.clone());
            tower::service_fn(move |_request: Request<Bytes>| {
                let (active, peak) = (active.clone(), peak.clone());
                async move {
                    peak.fetch_max(active.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    active.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, Error>(Response::new(Bytes::new()))
                }
            })
        };
        let service = TransportService::new(tower::limit::ConcurrencyLimit::new(counted, 2));
        let calls = (0..8).map(|_| service.call_shared(Request::new(Bytes::new())));
        for outcome in futures_util::future::join_all(calls).await {
            outcome.unwrap();
        }
        assert_eq!(
            peak.load(Ordering::SeqCst),
            2,
            "the limit held across clones"
        );
    }
}
