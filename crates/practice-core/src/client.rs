//! The composed client: the layers stacked once, in a fixed order, and type-erased so that
//! public client types carry no generic parameters.
//!
//! ```text
//! HttpClient::execute            validate → build request (nothing sent if invalid)
//!   └ Retry                      per call: classifier + attempts/deadline budget
//!      └ Trace (per try)         span: vendor, operation, method, path template, attempt, status, latency
//!         └ Auth                 token per try; 401 → one renewal, one replay
//!            └ Quota             every try and every token request counted
//!               └ Timeout        per try
//!                  └ User-Agent, Accept
//!                     └ Transport   reqwest, pooled, TLS ≥ 1.2, h2 via ALPN, gzip
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};
use http::{Request, Response, StatusCode};
use tower::retry::Retry;
use tower::{Layer, ServiceBuilder};
use tracing::Instrument;

use crate::auth::{
    AuthContext, AuthService, Authenticator, InMemoryTokenStore, RenewalPolicy, TokenCache,
    TokenStore,
};
use crate::base_url::BaseUrl;
use crate::error::{BoxError, Error, ErrorKind, VendorMessage};
use crate::operation::{Endpoint, OperationMeta};
use crate::quota::{InMemoryQuotaStore, QuotaLayer, QuotaPolicy, QuotaStore, ServerQuota};
use crate::retry::{RetryClassifier, RetryConfig, RetryPolicy, parse_retry_after};
use crate::trace::TryTraceLayer;
use crate::transport::{HttpTransport, TransportConfig};

pub use crate::shared_service::InnerService;

/// What a vendor crate plugs into the core besides its [`Authenticator`]: how its error bodies
/// read, which answers are transient, and what its headers say about its budget.
pub trait VendorProfile: Send + Sync + 'static {
    /// The vendor's short name, e.g. `aloha`.
    fn name(&self) -> &'static str;

    /// The vendor's error names and messages from an error body (none if it has none).
    fn error_messages(&self, response: &Response<Bytes>) -> Vec<VendorMessage>;

    /// Maps a non-2xx answer to an error. The default maps statuses to kinds and keeps the
    /// vendor's messages; vendors override it for their quirks.
    fn error_for(&self, meta: &OperationMeta, response: &Response<Bytes>) -> Error {
        default_error_for(
            meta,
            response,
            self.error_messages(response),
            self.retry_after(response),
        )
    }

    /// Whether an answer is worth retrying (for idempotent requests). Default: 408, 429, 5xx.
    fn is_transient(&self, response: &Response<Bytes>) -> bool {
        let status = response.status();
        status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
    }

    /// How long the vendor asks us to wait: `Retry-After`, else on a 429 the
    /// `X-RateLimit-Reset` instant.
    fn retry_after(&self, response: &Response<Bytes>) -> Option<Duration> {
        let headers = response.headers();
        if let Some(after) = headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after)
        {
            return Some(after);
        }
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            return ServerQuota::from_headers(headers).map(|q| q.reset_in);
        }
        None
    }

    /// The vendor's own budget count, from its headers. Default: `X-RateLimit-*`.
    fn server_quota(&self, response: &Response<Bytes>) -> Option<ServerQuota> {
        ServerQuota::from_headers(response.headers())
    }
}

/// The status-to-kind mapping shared by both vendors.
pub fn default_error_for(
    meta: &OperationMeta,
    response: &Response<Bytes>,
    messages: Vec<VendorMessage>,
    retry_after: Option<Duration>,
) -> Error {
    let status = response.status();
    let kind = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ErrorKind::Authentication,
        StatusCode::NOT_FOUND => ErrorKind::NotFound,
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::RateLimited,
        _ => ErrorKind::Api,
    };
    let message = if status.is_redirection() {
        let to = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("elsewhere");
        format!(
            "the server redirected to {to}; use that base URL (redirects are not followed, so that tokens stay on the configured host)"
        )
    } else {
        status
            .canonical_reason()
            .unwrap_or("unexpected status")
            .to_owned()
    };
    let mut err = Error::new(kind, message)
        .with_operation(meta.name)
        .with_status(status)
        .with_vendor_messages(messages);
    if let Some(after) = retry_after {
        err = err.with_retry_after(after);
    }
    err
}

/// Builds requests from endpoints and finishes answers into outputs.
pub struct Dispatcher {
    base: BaseUrl,
    profile: Arc<dyn VendorProfile>,
}

impl Dispatcher {
    /// The vendor's name.
    pub fn vendor(&self) -> &'static str {
        self.profile.name()
    }

    /// Validates and builds the HTTP request of an endpoint. Nothing is sent here.
    pub fn build_request<E: Endpoint>(&self, endpoint: &E) -> Result<Request<Bytes>, Error> {
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

    /// Maps a non-2xx answer to the vendor's error; passes a 2xx through.
    pub fn check_status(
        &self,
        meta: &'static OperationMeta,
        response: Response<Bytes>,
    ) -> Result<Response<Bytes>, Error> {
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(self.profile.error_for(meta, &response))
        }
    }

    /// Checks the status and decodes the body.
    pub fn finish<E: Endpoint>(
        &self,
        endpoint: &E,
        response: Response<Bytes>,
    ) -> Result<E::Output, Error> {
        let response = self.check_status(endpoint.meta(), response)?;
        endpoint.decode(response.body())
    }
}

/// Per-try timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    /// One try, from sending to the last byte of the answer. Default 60 s (reports are big).
    pub per_try: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            per_try: Duration::from_secs(60),
        }
    }
}

enum TransportChoice {
    Config(TransportConfig),
    Reqwest(reqwest::Client, usize),
    Service(InnerService),
}

/// Configures and builds an [`HttpClient`]. Vendor crates wrap it in their own builders.
pub struct ClientBuilder {
    profile: Arc<dyn VendorProfile>,
    base_url: String,
    user_agent: String,
    transport: TransportChoice,
    timeouts: Timeouts,
    retry: RetryConfig,
    quota: QuotaPolicy,
    quota_store: Arc<dyn QuotaStore>,
    token_store: Arc<dyn TokenStore>,
    renewal: RenewalPolicy,
}

impl ClientBuilder {
    /// A builder for `profile`'s API at `base_url`, identifying itself as `user_agent`.
    pub fn new(
        profile: Arc<dyn VendorProfile>,
        base_url: impl Into<String>,
        user_agent: impl Into<String>,
    ) -> Self {
        ClientBuilder {
            profile,
            base_url: base_url.into(),
            user_agent: user_agent.into(),
            transport: TransportChoice::Config(TransportConfig::default()),
            timeouts: Timeouts::default(),
            retry: RetryConfig::default(),
            quota: QuotaPolicy::default(),
            quota_store: Arc::new(InMemoryQuotaStore::new()),
            token_store: Arc::new(InMemoryTokenStore::new()),
            renewal: RenewalPolicy::default(),
        }
    }

    /// The base URL.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Settings of the shared connection pool.
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport = TransportChoice::Config(config);
        self
    }

    /// Uses a caller's own reqwest client (proxies, custom roots). Redirects should stay
    /// disabled on it so tokens never follow a redirect.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.transport =
            TransportChoice::Reqwest(client, TransportConfig::default().max_response_bytes);
        self
    }

    /// Replaces the HTTP transport with any service (tests, record/replay).
    pub fn transport_service(mut self, service: InnerService) -> Self {
        self.transport = TransportChoice::Service(service);
        self
    }

    /// Per-try timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The retry budget.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The client-side budget and what to do when it is spent.
    pub fn quota(mut self, quota: QuotaPolicy) -> Self {
        self.quota = quota;
        self
    }

    /// Where budgets are counted (default: in this process).
    pub fn quota_store(mut self, store: Arc<dyn QuotaStore>) -> Self {
        self.quota_store = store;
        self
    }

    /// Where tokens are kept (default: in this process).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = store;
        self
    }

    /// When tokens are renewed.
    pub fn renewal(mut self, renewal: RenewalPolicy) -> Self {
        self.renewal = renewal;
        self
    }

    /// Composes the stack around `authenticator`.
    pub fn build(self, authenticator: impl Authenticator) -> Result<HttpClient, Error> {
        let base = BaseUrl::parse(&self.base_url)?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::configuration("the user agent is not a valid header value"))?;
        let transport: InnerService = match self.transport {
            TransportChoice::Config(config) => {
                InnerService::new(HttpTransport::from_config(&config)?)
            }
            TransportChoice::Reqwest(client, max) => {
                InnerService::new(HttpTransport::new(client, max))
            }
            TransportChoice::Service(service) => service,
        };
        let credential_key = authenticator.credential_key();
        let key = format!("{}:{}", self.profile.name(), credential_key);
        let dispatcher = Arc::new(Dispatcher {
            base,
            profile: self.profile.clone(),
        });

        let below_auth = ServiceBuilder::new()
            .layer(QuotaLayer::new(
                self.quota_store,
                key.clone(),
                self.quota,
                self.profile.clone(),
            ))
            .map_err(timeout_to_error)
            .timeout(self.timeouts.per_try)
            // One map for both defaults: two tower-http `SetRequestHeader` layers cost
            // ~580 more instructions per call (docs/performance.md).
            .map_request(move |mut request: Request<Bytes>| {
                let headers = request.headers_mut();
                headers
                    .entry(USER_AGENT)
                    .or_insert_with(|| user_agent.clone());
                headers
                    .entry(ACCEPT)
                    .or_insert(HeaderValue::from_static("application/json"));
                request
            })
            .service(transport);
        // Erased behind an `Arc`: each layer above clones its inner service per call, and
        // one reference count is cheaper than cloning this chain (measured in
        // docs/performance.md). Token requests go through the same layers.
        let below_auth = InnerService::new(below_auth);
        let ctx = AuthContext::new(below_auth.clone(), dispatcher.clone());
        let cache = Arc::new(TokenCache::new(self.token_store, key, self.renewal));
        let authed = AuthService::new(below_auth, Arc::new(authenticator), cache, ctx);

        let traced = TryTraceLayer.layer(authed);

        let stack = Retry::new(
            RetryPolicy::new(RetryClassifier::new(self.profile.clone()), self.retry),
            traced,
        );
        // Erased at the top as well: client types name no layers, and the vendor crates'
        // streams must be `Send`, which the compiler fails to prove through the named
        // stack's future (a known limit of its higher-ranked `Send` inference).
        Ok(HttpClient {
            stack: InnerService::new(stack),
            dispatcher,
        })
    }
}

fn timeout_to_error(err: BoxError) -> Error {
    match err.downcast::<Error>() {
        Ok(err) => *err,
        Err(err) if err.is::<tower::timeout::error::Elapsed>() => {
            Error::new(ErrorKind::Timeout, "no answer within the per-try timeout")
        }
        Err(err) => Error::new(ErrorKind::Transport, "the request failed").with_source(err),
    }
}

/// A vendor's composed client. Clone is cheap; clones share pool, tokens and budget.
#[derive(Clone)]
pub struct HttpClient {
    stack: InnerService,
    dispatcher: Arc<Dispatcher>,
}

impl HttpClient {
    /// Validates, sends (through every layer) and decodes one request.
    pub async fn execute<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let response = self.execute_raw(endpoint).await?;
        endpoint.decode(response.body())
    }

    /// Like [`execute`](Self::execute), but returns the successful answer undecoded, for
    /// decoders of the vendor crate's own (row by row, streaming).
    pub async fn execute_raw<E: Endpoint>(&self, endpoint: &E) -> Result<Response<Bytes>, Error> {
        let meta = endpoint.meta();
        let request = self.dispatcher.build_request(endpoint)?;
        let span = tracing::info_span!(
            "call",
            vendor = meta.vendor,
            operation = meta.name,
            method = %meta.method,
            path = meta.path_template,
        );
        let response = self
            .stack
            .call_shared(request)
            .instrument(span)
            .await
            .map_err(|e| e.with_operation(meta.name))?;
        self.dispatcher.check_status(meta, response)
    }

    /// The configured base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.dispatcher.base
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.dispatcher.vendor())
            .field("base_url", &self.dispatcher.base)
            .finish_non_exhaustive()
    }
}

/// Writes the settings every vendor client builder forwards to its [`ClientBuilder`]
/// (held in a field named `core`): base URL, stores, renewal, retry, timeouts and transport.
/// Used inside an `impl` block of the vendor's builder.
#[macro_export]
macro_rules! forward_client_settings {
    () => {
        /// The base URL. A path prefix is kept; `https` is required except for loopback hosts.
        pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
            self.core = self.core.base_url(base_url);
            self
        }

        /// Where budgets are counted (default: this process; share one store across the
        /// processes that use the same credentials).
        pub fn quota_store(mut self, store: ::std::sync::Arc<dyn $crate::QuotaStore>) -> Self {
            self.core = self.core.quota_store(store);
            self
        }

        /// Where tokens are kept (default: this process).
        pub fn token_store(mut self, store: ::std::sync::Arc<dyn $crate::TokenStore>) -> Self {
            self.core = self.core.token_store(store);
            self
        }

        /// When tokens are renewed (default: 5 minutes before expiry).
        pub fn renewal(mut self, renewal: $crate::RenewalPolicy) -> Self {
            self.core = self.core.renewal(renewal);
            self
        }

        /// The retry budget.
        pub fn retry(mut self, retry: $crate::RetryConfig) -> Self {
            self.core = self.core.retry(retry);
            self
        }

        /// Per-try timeouts.
        pub fn timeouts(mut self, timeouts: $crate::Timeouts) -> Self {
            self.core = self.core.timeouts(timeouts);
            self
        }

        /// Uses your own reqwest client (proxies, custom roots). Keep redirects disabled on it
        /// so that tokens never follow a redirect.
        pub fn reqwest_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.core = self.core.reqwest_client(client);
            self
        }

        /// Replaces the HTTP transport (tests, record/replay).
        pub fn transport_service(mut self, service: $crate::InnerService) -> Self {
            self.core = self.core.transport_service(service);
            self
        }
    };
}
