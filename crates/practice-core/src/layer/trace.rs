//! One tracing span per try: vendor, operation, method, path *template* (real paths carry
//! patient ids), attempt, status and latency. Never headers, never bodies.
//!
//! The span also carries the OpenTelemetry HTTP client names (`http.request.method`,
//! `url.template`, `http.response.status_code`) and the `otel.*` fields that
//! tracing-opentelemetry reads (`otel.name` "GET /v1/payments/{paymentId}", `otel.kind`
//! "client", `otel.status_code` "ERROR" for a failure or a 4xx/5xx answer), so an exporter
//! maps it without configuration. The shorter names stay for existing log queries.
//!
//! tower-http's `TraceLayer` was the first choice, but it re-wraps the response body type,
//! and this stack keeps bodies as `Bytes` end to end so that tries can be replayed.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};
use tracing::Instrument;

use crate::error::Error;
use crate::request::{BoxFuture, attempt_of, operation_of};

/// Adds the per-try span.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TryTraceLayer;

impl<S> Layer<S> for TryTraceLayer {
    type Service = TryTrace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TryTrace { inner }
    }
}

/// See [`TryTraceLayer`].
#[derive(Clone, Debug)]
pub(crate) struct TryTrace<S> {
    inner: S,
}

impl<S> Service<Request<Bytes>> for TryTrace<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Bytes>, Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let inner = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, inner);
        let meta = operation_of(&request);
        let template = meta.map_or("", |m| m.path_template);
        let method = request.method();
        let span = tracing::info_span!(
            "try",
            vendor = meta.map_or("", |m| m.vendor),
            operation = meta.map_or("", |m| m.name),
            method = %method,
            path = template,
            attempt = attempt_of(&request),
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            "http.request.method" = %method,
            "url.template" = template,
            "http.response.status_code" = tracing::field::Empty,
            "otel.name" = %format_args!("{method} {template}"),
            "otel.kind" = "client",
            "otel.status_code" = tracing::field::Empty,
        );
        let started = Instant::now();
        let record = span.clone();
        Box::pin(
            async move {
                let outcome = inner.oneshot(request).await;
                let latency_ms = started.elapsed().as_millis() as u64;
                record.record("latency_ms", latency_ms);
                match &outcome {
                    Ok(response) => {
                        let status = response.status();
                        record.record("status", status.as_u16());
                        record.record("http.response.status_code", status.as_u16());
                        if status.is_client_error() || status.is_server_error() {
                            record.record("otel.status_code", "ERROR");
                        }
                        tracing::debug!(
                            status = response.status().as_u16(),
                            latency_ms,
                            "answered"
                        );
                    }
                    Err(err) => {
                        record.record("otel.status_code", "ERROR");
                        tracing::debug!(error = %err, latency_ms, "failed")
                    }
                }
                outcome
            }
            .instrument(span),
        )
    }
}
