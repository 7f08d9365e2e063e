//! The built client: sends a call down the stack once, and reads its answer whole, row by
//! row, or as the budget stands.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use serde::de::DeserializeOwned;

use crate::base_url::BaseUrl;
use crate::body::BodyStream;
use crate::deadline::CallClock;
use crate::decode::RowPolicy;
use crate::decode::scan::RowsAt;
use crate::decode::stream::RowStream;
use crate::error::Error;
use crate::layer::quota::QuotaShared;
use crate::operation::Endpoint;
use crate::options::StreamLimits;
use crate::quota::BudgetStatus;
use crate::send::Sender;
use crate::service::TransportService;
use crate::wire::Deviating;

/// A vendor's composed client. Clone is cheap; clones share pool, tokens and budget.
#[derive(Clone)]
pub struct HttpClient {
    pub(super) stack: TransportService,
    pub(super) sender: Arc<Sender>,
    pub(super) deadline: Duration,
    pub(super) budget: Arc<QuotaShared>,
    /// The longest gap between two chunks of a streamed answer.
    pub(super) per_try: Duration,
    pub(super) stream_limits: StreamLimits,
}

impl HttpClient {
    /// A clone whose calls have `deadline` as their whole-call deadline (for one call, or a
    /// few: clones share pool, tokens and budget).
    pub fn with_deadline(&self, deadline: Duration) -> Self {
        HttpClient {
            deadline,
            ..self.clone()
        }
    }

    /// The whole-call deadline of this client's calls.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Validates, sends (through every layer) and decodes one request. A write that is not
    /// idempotent and is answered 2xx with an unreadable body fails with
    /// [`ErrorKind::AppliedUnreadable`](crate::ErrorKind::AppliedUnreadable), never with a
    /// decode error.
    pub async fn execute<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let response = self.execute_raw(endpoint).await?;
        endpoint.decode(response.body()).map_err(|err| {
            self.sender
                .decode_failed(endpoint.meta(), response.status(), err)
        })
    }

    /// The redaction of this client's credentials and tokens from an error, for errors a
    /// vendor crate makes from an answer itself (row-by-row decoding).
    pub fn redact(&self, err: Error) -> Error {
        self.sender.redact(err)
    }

    /// Like [`execute`](Self::execute), but returns the successful answer undecoded, for
    /// decoders of the vendor crate's own (row by row, streaming).
    pub async fn execute_raw<E: Endpoint>(&self, endpoint: &E) -> Result<Response<Bytes>, Error> {
        let span = call_span(endpoint.meta());
        let clock = CallClock::start(self.deadline);
        self.sender
            .send(&self.stack, endpoint, span, Some(clock))
            .await
    }

    /// Sends one request and reads its rows as they arrive: rows at `at` of the 2xx answer,
    /// each decoded as [`decode_row`](crate::decode::decode_row) does, under `policy`. The
    /// answer's headers come back within the call's deadline like any call (retried as any
    /// call is); its body is then read within the same deadline, with at most the per-try
    /// timeout between two chunks, and never fetched again: a body that breaks, stalls or
    /// passes its [`StreamLimits`] ends the stream with an error.
    pub async fn execute_rows<E: Endpoint, T>(
        &self,
        endpoint: &E,
        at: RowsAt,
        policy: RowPolicy,
    ) -> Result<RowStream<T>, Error>
    where
        T: DeserializeOwned + Deviating + Send + 'static,
    {
        let span = call_span(endpoint.meta());
        let clock = CallClock::start(self.deadline);
        let deadline = clock.deadline();
        let mut response = self
            .sender
            .send_streamed(&self.stack, endpoint, span, Some(clock))
            .await?;
        let body = BodyStream::of(&mut response, &self.stream_limits, self.per_try, deadline);
        Ok(RowStream::new(
            endpoint.meta(),
            body,
            at,
            self.stream_limits.max_row_bytes,
            policy,
            self.sender.redactor().clone(),
        ))
    }

    /// The budget as it stands: from our own count when a client-side limit is set (every
    /// try and login counted, across the fleet with a shared store), otherwise from the
    /// vendor's `X-RateLimit-*` headers on its last answer (`None` before any).
    pub async fn budget(&self) -> Result<Option<BudgetStatus>, Error> {
        self.budget.status().await
    }

    /// The configured base URL.
    pub fn base_url(&self) -> &BaseUrl {
        self.sender.base()
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.sender.vendor())
            .field("base_url", self.sender.base())
            .finish_non_exhaustive()
    }
}

/// The span of one call, around its tries, logins and waits.
fn call_span(meta: &crate::operation::OperationMeta) -> tracing::Span {
    tracing::info_span!(
        "call",
        vendor = meta.vendor,
        operation = meta.name,
        method = %meta.method,
        path = meta.path_template,
    )
}
