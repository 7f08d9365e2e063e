//! The builder of the Aerona [`Client`]: credentials, the login's path and encoding, the
//! budget, and the vendor-neutral [`ClientOptions`].

use std::fmt;

use practice_core::base_url::check_path;
use practice_core::env::Vars;
use practice_core::{Error, QuotaPolicy, RateLimit, Secret, WhenExhausted};

use crate::auth::{AeronaAuth, LoginEncoding};
use crate::client::{Client, default_when_exhausted};

/// Configures a [`Client`]. Its `Debug` shows the settings, never the credentials. The
/// setters shared with the other vendor crate (`base_url`, `map_options`) are generated
/// (`src/generated/builder.rs`).
pub struct ClientBuilder {
    pub(super) username: String,
    pub(super) password: Secret,
    pub(super) pin: Option<Secret>,
    // Crate-wide: the generated setters (`src/generated/builder.rs`) change it.
    pub(crate) core: practice_core::ClientBuilder,
    pub(super) login_path: String,
    pub(super) login_encoding: LoginEncoding,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: [(&str, &dyn fmt::Debug); 4] = [
            ("password", &self.password),
            ("pin", &self.pin),
            ("login_path", &self.login_path),
            ("login_encoding", &self.login_encoding),
        ];
        self.core.fmt_vendor_builder(f, "ClientBuilder", &shown)
    }
}

impl ClientBuilder {
    /// The PIN, for accounts that have one.
    pub fn pin(mut self, pin: impl Into<Secret>) -> Self {
        self.pin = Some(pin.into());
        self
    }

    /// Where the login goes, under the base URL (default
    /// [`default_login_path`](crate::default_login_path), `/v1/login`; an assumption, A1). `practice aerona probe` finds the working one.
    /// Checked by [`build`](Self::build).
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// How the login body is encoded (default JSON; an assumption, A1).
    pub fn login_encoding(mut self, encoding: LoginEncoding) -> Self {
        self.login_encoding = encoding;
        self
    }

    /// The client-side budget (default [`vendor_rate_limit`](crate::vendor_rate_limit)) and what to do when it is spent
    /// (default: wait up to 16 minutes).
    pub fn rate_limit(self, limit: RateLimit, when_exhausted: WhenExhausted) -> Self {
        self.map_options(|options| options.quota(QuotaPolicy::new(Some(limit), when_exhausted)))
    }

    /// Builds the client. Checks the credentials' shape (the login's own validation) and the
    /// base URL; sends nothing.
    pub fn build(self) -> Result<Client, Error> {
        let auth = AeronaAuth {
            username: self.username,
            password: self.password,
            pin: self.pin,
            login_path: check_path(
                "the login path (AERONA_LOGIN_PATH)",
                "/v1/login",
                &self.login_path,
            )?,
            encoding: self.login_encoding,
        };
        auth.login_request()?;
        Ok(Client {
            http: self.core.build(auth)?,
        })
    }
}

/// The builder `Client::from_env` starts from, over any variable lookup.
pub(super) fn builder_from_vars(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<ClientBuilder, Error> {
    // The budget first: a bad one is found before the credentials are looked at, as in the CLI.
    let rate_limit = match vars.optional("AERONA_RATE_LIMIT") {
        None => None,
        Some(text) => Some(RateLimit::parse(&text).map_err(|_| {
            Error::configuration(format!(
                "AERONA_RATE_LIMIT={text:?} is not a budget such as 300/15m (units s, m, h)"
            ))
        })?),
    };
    let [username, password] = vars.required(["AERONA_USERNAME", "AERONA_PASSWORD"])?;
    let mut builder = Client::builder(username, password);
    if let Some(pin) = vars.optional("AERONA_PIN") {
        builder = builder.pin(pin);
    }
    if let Some(base_url) = vars.optional("AERONA_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    if let Some(path) = vars.optional("AERONA_LOGIN_PATH") {
        builder = builder.login_path(path);
    }
    if let Some(encoding) = vars.optional("AERONA_LOGIN_ENCODING") {
        builder = builder.login_encoding(LoginEncoding::parse(&encoding)?);
    }
    if let Some(limit) = rate_limit {
        builder = builder.rate_limit(limit, default_when_exhausted());
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use practice_core::env::from_pairs as vars;

    #[test]
    fn from_env_names_the_missing_variables_and_never_the_secret() {
        let err = builder_from_vars(&vars(&[
            ("AERONA_PASSWORD", "hunter2-pw"),
            ("AERONA_PIN", "hunter2-pin"),
        ]))
        .unwrap_err();
        assert_eq!(err.kind(), practice_core::ErrorKind::Configuration);
        let text = err.to_string();
        assert!(text.contains("AERONA_USERNAME is not set"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");

        let err = builder_from_vars(&vars(&[("AERONA_RATE_LIMIT", "lots")])).unwrap_err();
        assert!(
            err.to_string().contains("AERONA_RATE_LIMIT=\"lots\""),
            "{err}"
        );
    }

    #[test]
    fn from_env_reads_the_cli_variables() {
        let builder = builder_from_vars(&vars(&[
            ("AERONA_USERNAME", "api-user"),
            ("AERONA_PASSWORD", "hunter2-pw"),
            ("AERONA_PIN", "4321"),
            ("AERONA_BASE_URL", "http://127.0.0.1:9/AeronaAPI"),
            ("AERONA_RATE_LIMIT", "100/15m"),
            ("AERONA_LOGIN_PATH", "/v1/auth/login"),
            ("AERONA_LOGIN_ENCODING", "Form"),
        ]))
        .unwrap();
        let text = format!("{builder:?}");
        assert!(text.contains("login_path: \"/v1/auth/login\""), "{text}");
        assert!(text.contains("login_encoding: Form"), "{text}");
        assert!(text.contains("limit: 100"), "{text}");
        assert!(text.contains("pin: Some(Secret(***))"), "{text}");
        let client = builder.build().unwrap();
        assert!(
            client
                .http
                .base_url()
                .as_str()
                .starts_with("http://127.0.0.1:9/AeronaAPI")
        );
    }

    #[test]
    fn a_bad_login_shape_is_refused_before_sending() {
        let err = builder_from_vars(&vars(&[
            ("AERONA_USERNAME", "api-user"),
            ("AERONA_PASSWORD", "hunter2-pw"),
            ("AERONA_LOGIN_ENCODING", "xml"),
        ]))
        .unwrap_err();
        assert_eq!(err.kind(), practice_core::ErrorKind::Configuration);
        assert!(
            err.to_string().contains("neither `json` nor `form`"),
            "{err}"
        );
        for bad in ["v1/login", "/v1/login?x", "/v1/ login", "//host/login"] {
            let err = Client::builder("api-user", "hunter2-pw")
                .login_path(bad)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains("AERONA_LOGIN_PATH"), "{err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn builder_debug_shows_settings_but_no_secret() {
        let builder = Client::builder("api-user", "hunter2-pw").pin("hunter2-pin");
        let text = format!("{builder:?}");
        assert!(text.contains("aeronadental.com"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("hunter2"));
    }
}
