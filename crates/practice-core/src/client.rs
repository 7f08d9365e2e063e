//! The composed client: the layers of [`crate::layer`] stacked once, in a fixed order, and
//! type-erased so that public client types carry no generic parameters.
//!
//! ```text
//! HttpClient::execute            validate → build request (nothing sent if invalid)   send.rs
//!   └ Retry                      per call: classifier + attempts/deadline settings   layer/retry.rs
//!      └ Trace (per try)         span: vendor, operation, method, path template, …  layer/trace.rs
//!         └ Auth                 token per try; 401 → one renewal, one replay        layer/auth.rs
//!            └ Quota             every try and every token request counted           layer/quota.rs
//!               └ Timeout        per try                                             layer/timeout.rs
//!                  └ User-Agent, Accept                                              layer/default_headers.rs
//!                     └ Read     the vendor reads the answer once                    layer/read.rs
//!                        └ Transport   reqwest, pooled, TLS ≥ 1.2, h2, gzip          layer/transport.rs
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http::header::HeaderValue;
use tower::retry::Retry;
use tower::{Layer, ServiceBuilder};

use crate::auth::cache::TokenCache;
use crate::auth::{AuthContext, Authenticator, InMemoryTokenStore, RenewalPolicy, TokenStore};
use crate::base_url::BaseUrl;
use crate::body::{BodyStream, StreamLimits};
use crate::deadline::CallClock;
use crate::decode::RowPolicy;
use crate::decode::scan::RowsAt;
use crate::decode::stream::RowStream;
use crate::error::Error;
use crate::layer::auth::AuthService;
use crate::layer::default_headers::default_headers;
use crate::layer::quota::{QuotaLayer, QuotaShared};
use crate::layer::read::read_once;
use crate::layer::retry::RetryPolicy;
use crate::layer::timeout::timeout_to_error;
use crate::layer::trace::TryTraceLayer;
use crate::layer::transport::{HttpTransport, TransportConfig};
use crate::operation::Endpoint;
use crate::quota::{BudgetStatus, InMemoryQuotaStore, QuotaPolicy, QuotaStore, WhenExhausted};
use crate::redact::Redactor;
use crate::retry::{RetryClassifier, RetryConfig};
use crate::send::Sender;
use crate::service::TransportService;
use crate::vendor::VendorProfile;
use crate::wire::Deviating;
use serde::de::DeserializeOwned;

/// Per-try timeouts. Made with [`Timeouts::per_try`] or [`Timeouts::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// One try, from sending to the last byte of the answer. Default 60 s (reports are big).
    pub per_try: Duration,
}

impl Timeouts {
    /// Each try may take at most `per_try`, from sending to the last byte of the answer.
    pub fn per_try(per_try: Duration) -> Self {
        Timeouts { per_try }
    }
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
    #[cfg(feature = "reqwest-0_13")]
    Reqwest(reqwest::Client, usize),
    Service(TransportService),
}

impl fmt::Debug for TransportChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportChoice::Config(config) => fmt::Debug::fmt(config, f),
            #[cfg(feature = "reqwest-0_13")]
            TransportChoice::Reqwest(..) => f.write_str("OwnReqwestClient"),
            TransportChoice::Service(_) => f.write_str("TransportService"),
        }
    }
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
    deadline: Option<Duration>,
    stream_limits: StreamLimits,
    ca_files: Vec<std::path::PathBuf>,
}

/// Settings only: no credentials live in this builder, and the stores are shown by presence.
impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("vendor", &self.profile.name())
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent)
            .field("transport", &self.transport)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("quota", &self.quota)
            .field("renewal", &self.renewal)
            .field("deadline", &self.deadline)
            .field("stream_limits", &self.stream_limits)
            .field("ca_files", &self.ca_files)
            .finish_non_exhaustive()
    }
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
            deadline: None,
            stream_limits: StreamLimits::default(),
            ca_files: Vec::new(),
        }
    }

    /// Trusts the certificate authorities in the PEM file at `path` in addition to the
    /// platform's store (a clinic's private CA; see
    /// [`TransportConfig::with_ca_file`]). Applies to the built-in transport, whatever
    /// [`transport_config`](Self::transport_config) sets; with a caller's own reqwest client
    /// or transport service, `build` refuses it (add the CA there).
    pub fn add_ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Limits of answers read as they arrive (reports streamed row by row).
    pub fn stream_limits(mut self, limits: StreamLimits) -> Self {
        self.stream_limits = limits;
        self
    }

    /// The whole-call deadline: one call, with its logins, replays, retries, backoff and waits
    /// for budget, ends within this. Default: twice the per-try timeout or the retry deadline,
    /// whichever is longer, plus the longest wait for budget the quota policy allows
    /// (2 minutes with the default settings).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
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

    /// Uses a caller's own reqwest 0.13 client (proxies, custom roots). Redirects should stay
    /// disabled on it so tokens never follow a redirect. Feature `reqwest-0_13`.
    #[cfg(feature = "reqwest-0_13")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest-0_13")))]
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.transport =
            TransportChoice::Reqwest(client, TransportConfig::default().max_response_bytes);
        self
    }

    /// Replaces the HTTP transport with any service (tests, record/replay).
    pub fn transport_service(mut self, service: TransportService) -> Self {
        self.transport = TransportChoice::Service(service);
        self
    }

    /// Per-try timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How many tries a call may make, and the backoff between them.
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
        if !self.ca_files.is_empty() && !matches!(self.transport, TransportChoice::Config(_)) {
            return Err(Error::configuration(
                "a CA file applies to the built-in transport only; add it to your own HTTP client instead",
            ));
        }
        let transport: TransportService = match self.transport {
            TransportChoice::Config(mut config) => {
                config.extra_ca_files.extend(self.ca_files);
                TransportService::new(HttpTransport::from_config(&config)?)
            }
            #[cfg(feature = "reqwest-0_13")]
            TransportChoice::Reqwest(client, max) => {
                TransportService::new(HttpTransport::over(client, max))
            }
            TransportChoice::Service(service) => service,
        };
        let credential_key = authenticator.credential_key();
        let key = format!("{}:{}", self.profile.name(), credential_key);
        let redactor = Redactor::new();
        for secret in authenticator.secrets() {
            redactor.add_credential(&secret);
        }
        let deadline = self.deadline.unwrap_or_else(|| {
            let budget_wait = match &self.quota.when_exhausted {
                WhenExhausted::FailFast => Duration::ZERO,
                WhenExhausted::Wait { max_wait } => *max_wait,
            };
            self.timeouts
                .per_try
                .saturating_mul(2)
                .max(self.retry.deadline)
                .saturating_add(budget_wait)
        });
        let sender = Arc::new(Sender::new(base, self.profile.name(), redactor.clone()));

        let quota = QuotaLayer::new(
            self.quota_store,
            key.clone(),
            self.quota,
            self.timeouts.per_try,
        );
        let budget = quota.shared();
        let below_auth = ServiceBuilder::new()
            .layer(quota)
            .map_err(timeout_to_error)
            .timeout(self.timeouts.per_try)
            .map_request(default_headers(user_agent))
            .map_response(read_once(self.profile.clone(), redactor.clone()))
            .service(transport);
        // Erased behind an `Arc`: each layer above clones its inner service per call, and
        // one reference count is cheaper than cloning this chain (measured in
        // docs/performance.md). Token requests go through the same layers.
        let below_auth = TransportService::new(below_auth);
        let ctx = AuthContext::new(below_auth.clone(), sender.exchange());
        let cache = Arc::new(TokenCache::new(
            self.token_store,
            key,
            self.renewal,
            redactor,
        ));
        let authed = AuthService::new(below_auth, Arc::new(authenticator), cache, ctx);

        let traced = TryTraceLayer.layer(authed);

        let stack = Retry::new(RetryPolicy::new(RetryClassifier::new(), self.retry), traced);
        // Erased at the top as well: client types name no layers, and the vendor crates'
        // streams must be `Send`, which the compiler fails to prove through the named
        // stack's future (a known limit of its higher-ranked `Send` inference).
        Ok(HttpClient {
            stack: TransportService::new(stack),
            sender,
            deadline,
            budget,
            per_try: self.timeouts.per_try,
            stream_limits: self.stream_limits,
        })
    }
}

/// A vendor's composed client. Clone is cheap; clones share pool, tokens and budget.
#[derive(Clone)]
pub struct HttpClient {
    stack: TransportService,
    sender: Arc<Sender>,
    deadline: Duration,
    budget: Arc<QuotaShared>,
    /// The longest gap between two chunks of a streamed answer.
    per_try: Duration,
    stream_limits: StreamLimits,
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

        /// Limits of answers read as they arrive (default: 16 GiB an answer, 16 MiB a row).
        pub fn stream_limits(mut self, limits: $crate::StreamLimits) -> Self {
            self.core = self.core.stream_limits(limits);
            self
        }

        /// When tokens are renewed (default: 5 minutes before expiry).
        pub fn renewal(mut self, renewal: $crate::RenewalPolicy) -> Self {
            self.core = self.core.renewal(renewal);
            self
        }

        /// How many tries a call may make, and the backoff between them.
        pub fn retry(mut self, retry: $crate::RetryConfig) -> Self {
            self.core = self.core.retry(retry);
            self
        }

        /// Per-try timeouts.
        pub fn timeouts(mut self, timeouts: $crate::Timeouts) -> Self {
            self.core = self.core.timeouts(timeouts);
            self
        }

        /// The whole-call deadline: logins, replays, retries, backoff and waits for budget
        /// included (default: twice the per-try timeout or the retry deadline, whichever is
        /// longer, plus the longest wait for budget).
        pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.core = self.core.deadline(deadline);
            self
        }

        /// The whole quota policy: the client-side budget (or none) and what to do when a
        /// budget is spent. Replaces the vendor's default policy.
        pub fn quota(mut self, policy: $crate::QuotaPolicy) -> Self {
            self.core = self.core.quota(policy);
            self
        }

        /// Trusts the certificate authorities in the PEM file at `path` in addition to the
        /// platform's store (a clinic's private CA). `SSL_CERT_FILE`, by contrast, replaces
        /// the platform's store. A file that cannot be read, or holds no certificate, fails
        /// `build`.
        pub fn add_ca_file(mut self, path: impl Into<::std::path::PathBuf>) -> Self {
            self.core = self.core.add_ca_file(path);
            self
        }

        /// Settings of the shared connection pool (connect and idle timeouts, the largest
        /// answer accepted).
        pub fn transport_config(mut self, config: $crate::TransportConfig) -> Self {
            self.core = self.core.transport_config(config);
            self
        }

        /// Uses your own reqwest 0.13 client (proxies, custom roots). Keep redirects disabled
        /// on it so that tokens never follow a redirect. Feature `reqwest-0_13`: reqwest stays
        /// out of the default API, so a new reqwest will be a new feature, not a break.
        #[cfg(feature = "reqwest-0_13")]
        #[cfg_attr(docsrs, doc(cfg(feature = "reqwest-0_13")))]
        pub fn reqwest_client(mut self, client: $crate::reqwest_0_13::Client) -> Self {
            self.core = self.core.reqwest_client(client);
            self
        }

        /// Replaces the HTTP transport with any tower service of `http::Request<Bytes>`
        /// (another HTTP stack, record/replay, tests: see the `test-util` feature's mock).
        pub fn transport_service(mut self, service: $crate::TransportService) -> Self {
            self.core = self.core.transport_service(service);
            self
        }

        /// Passes the practice-core builder inside through `settings` (the test-util mock
        /// points it at itself this way). Feature `test-util` of the vendor crate.
        #[cfg(feature = "test-util")]
        pub(crate) fn map_core(
            mut self,
            settings: impl FnOnce($crate::ClientBuilder) -> $crate::ClientBuilder,
        ) -> Self {
            self.core = settings(self.core);
            self
        }
    };
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
