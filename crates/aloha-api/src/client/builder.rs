//! The builder of the Aloha [`Client`]: credentials, the token path, strict decoding, and the
//! vendor-neutral [`ClientOptions`].

use std::fmt;
use std::time::Duration;

use practice_core::base_url::check_path;
use practice_core::decode::RowPolicy;
use practice_core::env::Vars;
use practice_core::{Error, QuotaPolicy, RateLimit, Secret, WhenExhausted};

use crate::auth::AlohaAuth;
use crate::client::Client;

/// Configures a [`Client`]. Its `Debug` shows the settings, never the credentials. The
/// setters shared with the other vendor crate (`base_url`, `map_options`) are generated
/// (`src/generated/builder.rs`).
pub struct ClientBuilder {
    pub(super) client_id: String,
    pub(super) secret_key: Secret,
    // Crate-wide: the generated setters (`src/generated/builder.rs`) change it.
    pub(crate) core: practice_core::ClientBuilder,
    pub(super) policy: RowPolicy,
    pub(super) token_path: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: [(&str, &dyn fmt::Debug); 2] = [
            ("secret_key", &self.secret_key),
            ("token_path", &self.token_path),
        ];
        self.core.fmt_vendor_builder(f, "ClientBuilder", &shown)
    }
}

impl ClientBuilder {
    /// When the daily budget is spent (the vendor's `X-RateLimit-Remaining` reached 0), wait
    /// for the reset — possibly hours — up to `max_wait`, instead of failing at once.
    pub fn wait_for_quota(self, max_wait: Duration) -> Self {
        self.map_options(|options| {
            options.quota(QuotaPolicy::new(None, WhenExhausted::wait_up_to(max_wait)))
        })
    }

    /// Adds a client-side budget on top of the vendor's headers (for example
    /// `RateLimit::new(1000, Duration::from_secs(86_400))`), and says what to do when spent.
    /// Named as in `aerona-api`.
    pub fn rate_limit(self, limit: RateLimit, when_exhausted: WhenExhausted) -> Self {
        self.map_options(|options| options.quota(QuotaPolicy::new(Some(limit), when_exhausted)))
    }

    /// Decode strictly: a field that does not match its documented type or format fails the
    /// call ([`ErrorKind::Decode`](practice_core::ErrorKind::Decode), naming the row and the
    /// field) instead of being kept as sent. Off by default: one odd field never costs a
    /// report.
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.policy = if strict {
            RowPolicy::Strict
        } else {
            RowPolicy::Fail
        };
        self
    }

    /// Where the token request goes, under the base URL (default
    /// [`default_token_path`](crate::default_token_path), `/token`; an assumption, A16). `practice aloha probe` finds the working one, e.g.
    /// `/v1/token`. Checked by [`build`](Self::build).
    pub fn token_path(mut self, path: impl Into<String>) -> Self {
        self.token_path = path.into();
        self
    }

    /// Builds the client. Fails on an unusable configuration (for example a plain-http base
    /// URL that is not loopback, or a token path that is not a path); sends nothing.
    pub fn build(self) -> Result<Client, Error> {
        if self.client_id.trim().is_empty() || self.secret_key.is_empty() {
            return Err(Error::configuration(
                "the client id and secret key must not be empty",
            ));
        }
        let auth = AlohaAuth {
            client_id: self.client_id,
            secret_key: self.secret_key,
            token_path: check_path(
                "the token path (ALOHA_TOKEN_PATH)",
                "/v1/token",
                &self.token_path,
            )?,
        };
        Ok(Client {
            http: self.core.build(auth)?,
            policy: self.policy,
        })
    }
}

/// The builder `Client::from_env` starts from, over any variable lookup.
pub(super) fn builder_from_vars(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<ClientBuilder, Error> {
    let [client_id, secret_key] = vars.required(["ALOHA_CLIENT_ID", "ALOHA_SECRET_KEY"])?;
    let mut builder = Client::builder(client_id, secret_key);
    if let Some(base_url) = vars.optional("ALOHA_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    if let Some(path) = vars.optional("ALOHA_TOKEN_PATH") {
        builder = builder.token_path(path);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Client;
    use practice_core::env::from_pairs as vars;

    #[test]
    fn from_env_names_the_missing_variable_and_never_the_secret() {
        let err = builder_from_vars(&vars(&[("ALOHA_SECRET_KEY", "hunter2-key")])).unwrap_err();
        assert_eq!(err.kind(), practice_core::ErrorKind::Configuration);
        let text = err.to_string();
        assert!(text.contains("ALOHA_CLIENT_ID is not set"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn from_env_reads_the_cli_variables() {
        let client = builder_from_vars(&vars(&[
            ("ALOHA_CLIENT_ID", "id-1"),
            ("ALOHA_SECRET_KEY", "hunter2-key"),
            ("ALOHA_BASE_URL", "http://127.0.0.1:9/customer"),
            ("ALOHA_TOKEN_PATH", "/v1/token"),
        ]))
        .unwrap();
        assert!(format!("{client:?}").contains("/v1/token"), "{client:?}");
        let client = client.build().unwrap();
        assert!(
            client
                .http
                .base_url()
                .as_str()
                .starts_with("http://127.0.0.1:9/customer")
        );
    }

    #[test]
    fn a_token_path_that_is_not_a_path_is_refused_before_sending() {
        for bad in [
            "v1/token",
            "/v1/token?x=1",
            "/v1 token",
            "https://elsewhere/token",
            "//x",
        ] {
            let err = Client::builder("id-1", "hunter2-key")
                .token_path(bad)
                .build()
                .unwrap_err();
            assert_eq!(err.kind(), practice_core::ErrorKind::Configuration, "{bad}");
            assert!(err.to_string().contains("ALOHA_TOKEN_PATH"), "{err}");
        }
        assert!(
            Client::builder("id-1", "k")
                .token_path("/v1/token")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn builder_debug_shows_settings_but_no_secret() {
        let builder = Client::builder("id-1", "hunter2-key").base_url("http://127.0.0.1:9/x");
        let text = format!("{builder:?}");
        assert!(text.contains("127.0.0.1:9"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("hunter2"));
    }
}
