//! The settings a client is built with, apart from the layers that apply them: one
//! [`ClientOptions`] gathers them, and a vendor builder embeds it instead of copying setters.
//!
//! | setting | type | applied by |
//! |---|---|---|
//! | per-try timeout | [`Timeouts`] | `layer/timeout.rs` |
//! | tries and backoff | [`RetryConfig`] | `layer/retry.rs` |
//! | client-side budget | [`QuotaPolicy`] | `layer/quota.rs` |
//! | token renewal | [`RenewalPolicy`] | `auth/cache.rs` |
//! | connection pool | [`TransportConfig`] | `layer/transport.rs` |
//! | streamed answers | [`StreamLimits`] | `body.rs` |

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::{InMemoryTokenStore, TokenStore};
use crate::quota::{InMemoryQuotaStore, QuotaStore};
use crate::service::TransportService;

pub mod quota;
pub mod renewal;
pub mod retry;
pub mod stream;
pub mod timeouts;
pub mod transport;

pub use quota::{QuotaPolicy, RateLimit, WhenExhausted};
pub use renewal::RenewalPolicy;
pub use retry::RetryConfig;
pub use stream::StreamLimits;
pub use timeouts::Timeouts;
pub use transport::TransportConfig;

/// Which HTTP transport a client sends through.
#[derive(Clone)]
pub(crate) enum TransportChoice {
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

/// Every vendor-neutral setting of a client: base URL, stores, transport, timeouts, retries,
/// budget, renewal, deadline and stream limits. Vendor builders start it from the vendor's
/// defaults and hand it out through their `map_options`, so a setting is written once, here.
///
/// ```
/// use std::time::Duration;
/// use practice_core::{ClientOptions, RetryConfig, Timeouts};
/// let options = ClientOptions::new("https://api.example.com")
///     .timeouts(Timeouts::per_try(Duration::from_secs(30)))
///     .retry(RetryConfig::disabled());
/// assert_eq!(options.base_url_str(), "https://api.example.com");
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    pub(crate) base_url: String,
    pub(crate) transport: TransportChoice,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryConfig,
    pub(crate) quota: QuotaPolicy,
    pub(crate) quota_store: Arc<dyn QuotaStore>,
    pub(crate) token_store: Arc<dyn TokenStore>,
    pub(crate) renewal: RenewalPolicy,
    pub(crate) deadline: Option<Duration>,
    pub(crate) stream_limits: StreamLimits,
    pub(crate) ca_files: Vec<PathBuf>,
}

/// Settings only: no credentials live here, and the stores are shown by presence.
impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("base_url", &self.base_url)
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

impl ClientOptions {
    /// The defaults, for the API at `base_url`: the built-in transport, stores in this
    /// process, no client-side budget.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientOptions {
            base_url: base_url.into(),
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

    /// The base URL as set (checked when the client is built).
    pub fn base_url_str(&self) -> &str {
        &self.base_url
    }

    /// The base URL. A path prefix is kept; `https` is required except for loopback hosts.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Where budgets are counted (default: this process; share one store across the
    /// processes that use the same credentials).
    pub fn quota_store(mut self, store: Arc<dyn QuotaStore>) -> Self {
        self.quota_store = store;
        self
    }

    /// Where tokens are kept (default: this process).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = store;
        self
    }

    /// Limits of answers read as they arrive (default: 16 GiB an answer, 16 MiB a row).
    pub fn stream_limits(mut self, limits: StreamLimits) -> Self {
        self.stream_limits = limits;
        self
    }

    /// When tokens are renewed (default: 5 minutes before expiry).
    pub fn renewal(mut self, renewal: RenewalPolicy) -> Self {
        self.renewal = renewal;
        self
    }

    /// How many tries a call may make, and the backoff between them.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Per-try timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
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

    /// The whole quota policy: the client-side budget (or none) and what to do when a
    /// budget is spent. Replaces the vendor's default policy.
    pub fn quota(mut self, policy: QuotaPolicy) -> Self {
        self.quota = policy;
        self
    }

    /// Trusts the certificate authorities in the PEM file at `path` in addition to the
    /// platform's store (a clinic's private CA; see [`TransportConfig::with_ca_file`]).
    /// `SSL_CERT_FILE`, by contrast, replaces the platform's store. Applies to the built-in
    /// transport, whatever [`transport_config`](Self::transport_config) sets; a file that
    /// cannot be read, or holds no certificate, fails `build`, and so does a CA file together
    /// with a caller's own reqwest client or transport service (add the CA there).
    pub fn add_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Settings of the shared connection pool (connect and idle timeouts, the largest
    /// answer accepted).
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport = TransportChoice::Config(config);
        self
    }

    /// Uses your own reqwest 0.13 client (proxies, custom roots). Keep redirects disabled
    /// on it so that tokens never follow a redirect. Feature `reqwest-0_13`: reqwest stays
    /// out of the default API, so a new reqwest will be a new feature, not a break.
    #[cfg(feature = "reqwest-0_13")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest-0_13")))]
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.transport =
            TransportChoice::Reqwest(client, TransportConfig::default().max_response_bytes);
        self
    }

    /// Replaces the HTTP transport with any tower service of `http::Request<Bytes>`
    /// (another HTTP stack, record/replay, tests: see the `test-util` feature's mock).
    pub fn transport_service(mut self, service: TransportService) -> Self {
        self.transport = TransportChoice::Service(service);
        self
    }

    /// The whole-call deadline as set, or the default derived from the other settings.
    pub(crate) fn call_deadline(&self) -> Duration {
        self.deadline.unwrap_or_else(|| {
            let budget_wait = match &self.quota.when_exhausted {
                WhenExhausted::FailFast => Duration::ZERO,
                WhenExhausted::Wait { max_wait } => *max_wait,
            };
            self.timeouts
                .per_try
                .saturating_mul(2)
                .max(self.retry.deadline)
                .saturating_add(budget_wait)
        })
    }
}
