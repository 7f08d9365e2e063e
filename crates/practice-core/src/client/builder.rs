//! The builder: a vendor's profile and user agent with the [`ClientOptions`], composed into
//! one stack by [`ClientBuilder::build`].

use std::fmt;
use std::sync::Arc;

use http::header::HeaderValue;
use tower::retry::Retry;
use tower::{Layer, ServiceBuilder};

use crate::auth::AuthContext;
use crate::auth::Authenticator;
use crate::auth::cache::TokenCache;
use crate::base_url::BaseUrl;
use crate::client::HttpClient;
use crate::error::Error;
use crate::layer::auth::AuthService;
use crate::layer::default_headers::default_headers;
use crate::layer::quota::QuotaLayer;
use crate::layer::read::read_once;
use crate::layer::retry::RetryPolicy;
use crate::layer::timeout::timeout_to_error;
use crate::layer::trace::TryTraceLayer;
use crate::layer::transport::HttpTransport;
use crate::options::{ClientOptions, TransportChoice};
use crate::redact::Redactor;
use crate::retry::RetryClassifier;
use crate::send::Sender;
use crate::service::TransportService;
use crate::vendor::VendorProfile;

/// Configures and builds an [`HttpClient`]: a vendor's profile and user agent, and the
/// [`ClientOptions`] a vendor builder hands over.
pub struct ClientBuilder {
    profile: Arc<dyn VendorProfile>,
    user_agent: String,
    options: ClientOptions,
}

/// What every vendor crate's `ClientBuilder` offers beside its own settings, for code generic
/// over vendors (the test-util `practice_core::mock::Mock`): change the vendor-neutral settings, and
/// build. Each vendor crate implements it in its generated `builder.rs`, forwarding to the
/// builder's own methods of the same names.
pub trait VendorBuilder: Sized {
    /// The client it builds.
    type Client;

    /// Changes the vendor-neutral settings, as the vendor builder's `map_options`.
    fn map_options(self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self;

    /// Builds the client, as the vendor builder's `build`.
    fn build(self) -> Result<Self::Client, Error>;
}

/// Settings only: no credentials live in this builder.
impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("vendor", &self.profile.name())
            .field("user_agent", &self.user_agent)
            .field("options", &self.options)
            .finish()
    }
}

impl ClientBuilder {
    /// A builder for `profile`'s API at `base_url`, identifying itself as `user_agent`, with
    /// the default [`ClientOptions`].
    pub fn new(
        profile: Arc<dyn VendorProfile>,
        base_url: impl Into<String>,
        user_agent: impl Into<String>,
    ) -> Self {
        ClientBuilder {
            profile,
            user_agent: user_agent.into(),
            options: ClientOptions::new(base_url),
        }
    }

    /// Replaces every setting (the base URL included) with `options`.
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Changes settings: `builder.map_options(|o| o.retry(RetryConfig::disabled()))`.
    pub fn map_options(mut self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self {
        self.options = change(self.options);
        self
    }

    /// Formats a vendor crate's builder as `name { <vendor>, core: <this builder>, .. }`: the
    /// vendor's own settings first (each value's `Debug` must mask credentials, as
    /// [`Secret`](crate::Secret)'s does), then these. Both vendor builders' `Debug`.
    pub fn fmt_vendor_builder(
        &self,
        f: &mut fmt::Formatter<'_>,
        name: &str,
        vendor: &[(&str, &dyn fmt::Debug)],
    ) -> fmt::Result {
        let mut shown = f.debug_struct(name);
        for (field, value) in vendor {
            shown.field(field, value);
        }
        shown.field("core", self).finish_non_exhaustive()
    }

    /// Composes the stack around `authenticator`.
    pub fn build(self, authenticator: impl Authenticator) -> Result<HttpClient, Error> {
        let deadline = self.options.call_deadline();
        let base = BaseUrl::parse(&self.options.base_url)?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::configuration("the user agent is not a valid header value"))?;
        if !self.options.ca_files.is_empty()
            && !matches!(self.options.transport, TransportChoice::Config(_))
        {
            return Err(Error::configuration(
                "a CA file applies to the built-in transport only; add it to your own HTTP client instead",
            ));
        }
        let transport: TransportService = match self.options.transport {
            TransportChoice::Config(mut config) => {
                config.extra_ca_files.extend(self.options.ca_files);
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
        let sender = Arc::new(Sender::new(base, self.profile.name(), redactor.clone()));

        let quota = QuotaLayer::new(
            self.options.quota_store,
            key.clone(),
            self.options.quota,
            self.options.timeouts.per_try,
        );
        let budget = quota.shared();
        let below_auth = ServiceBuilder::new()
            .layer(quota)
            .map_err(timeout_to_error)
            .timeout(self.options.timeouts.per_try)
            .map_request(default_headers(user_agent))
            .map_response(read_once(self.profile.clone(), redactor.clone()))
            .service(transport);
        // Erased behind an `Arc`: each layer above clones its inner service per call, and
        // one reference count is cheaper than cloning this chain (measured in
        // docs/performance.md). Token requests go through the same layers.
        let below_auth = TransportService::new(below_auth);
        let ctx = AuthContext::new(below_auth.clone(), sender.exchange());
        let cache = Arc::new(TokenCache::new(
            self.options.token_store,
            key,
            self.options.renewal,
            redactor,
        ));
        let authed = AuthService::new(below_auth, Arc::new(authenticator), cache, ctx);

        let traced = TryTraceLayer.layer(authed);

        let stack = Retry::new(
            RetryPolicy::new(RetryClassifier::new(), self.options.retry),
            traced,
        );
        // Erased at the top as well: client types name no layers, and the vendor crates'
        // streams must be `Send`, which the compiler fails to prove through the named
        // stack's future (a known limit of its higher-ranked `Send` inference).
        Ok(HttpClient {
            stack: TransportService::new(stack),
            sender,
            deadline,
            budget,
            per_try: self.options.timeouts.per_try,
            stream_limits: self.options.stream_limits,
        })
    }
}
