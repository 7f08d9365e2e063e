//! The Aerona client: built by [`ClientBuilder`] (`builder.rs`), its calls in `calls.rs`.

use std::sync::Arc;
use std::time::Duration;

use practice_core::env::{Vars, process_env};
use practice_core::{Endpoint, Error, HttpClient, QuotaPolicy, RateLimit, Secret, WhenExhausted};

use crate::auth::{LoginEncoding, default_login_path};
use crate::profile::AeronaProfile;

mod builder;
mod calls;

pub use builder::ClientBuilder;
use builder::builder_from_vars;

/// The vendor's base URL.
pub const DEFAULT_BASE_URL: &str = "https://aeronadental.com/AeronaAPI";

/// The vendor's budget: 300 requests per 15 minutes per account. Going over invalidates the
/// token, so the client holds every request — logins included — to it.
pub fn vendor_rate_limit() -> RateLimit {
    RateLimit::new(300, Duration::from_secs(15 * 60)).with_safety_margin(DEFAULT_SAFETY_MARGIN)
}

/// By default a call waits for budget up to 16 minutes: longer than one window, so a
/// spent budget delays calls instead of failing them.
pub(crate) fn default_when_exhausted() -> WhenExhausted {
    WhenExhausted::wait_up_to(Duration::from_secs(16 * 60))
}

/// Added to the 15-minute window as a clock allowance only: network delay needs none, since
/// every request holds its budget slot from hand-off to answer. It covers a difference in
/// clock rate between us (or Redis) and Aerona over one window (0.09 s at 100 ppm), a step of
/// Redis's wall clock of a few seconds, and the bytes of a try given up on that may still be
/// on the way (its slot lapses this long after its per-try timeout).
pub const DEFAULT_SAFETY_MARGIN: Duration = Duration::from_secs(5);

/// A client of the Aerona API. Cheap to clone; clones share the connection pool, the token
/// and the budget.
///
/// ```no_run
/// # async fn run() -> Result<(), aerona_api::Error> {
/// let client = aerona_api::Client::new("api-user", "password")?;
/// let patient = client.patient(426709).await?;
/// println!("{:?} {:?}", patient.forename, patient.surname);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) http: HttpClient,
}

impl Client {
    /// A client with the default base URL and the vendor's budget.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Result<Self, Error> {
        Self::builder(username, password).build()
    }

    /// A client configured from the environment, as the `practice` CLI is: `AERONA_USERNAME`
    /// and `AERONA_PASSWORD` (both required); `AERONA_PIN`, `AERONA_BASE_URL` and
    /// `AERONA_RATE_LIMIT` (a budget such as `300/15m`) optional. The error names every
    /// variable that is missing or empty, never a secret.
    ///
    /// ```no_run
    /// let client = aerona_api::Client::from_env()?;
    /// # Ok::<_, aerona_api::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::builder_from_env()?.build()
    }

    /// Like [`from_env`](Self::from_env), but a builder, to change more settings.
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        builder_from_vars(&Vars::new(process_env))
    }

    /// A builder, to set a PIN, the base URL, the budget, retries or transport.
    pub fn builder(username: impl Into<String>, password: impl Into<Secret>) -> ClientBuilder {
        let user_agent = concat!("aerona-api/", env!("CARGO_PKG_VERSION"), " (practice-sdk)");
        ClientBuilder {
            username: username.into(),
            password: password.into(),
            pin: None,
            core: practice_core::ClientBuilder::new(
                Arc::new(AeronaProfile),
                DEFAULT_BASE_URL,
                user_agent,
            )
            .map_options(|options| {
                options.quota(QuotaPolicy::new(
                    Some(vendor_rate_limit()),
                    default_when_exhausted(),
                ))
            }),
            login_path: default_login_path().to_owned(),
            login_encoding: LoginEncoding::default(),
        }
    }

    /// A clone whose calls must each end within `deadline` (logins, retries and waits for
    /// budget included); clones share pool, tokens and budget. For one call:
    /// `client.with_deadline(d).execute(&request)`.
    pub fn with_deadline(&self, deadline: std::time::Duration) -> Self {
        Client {
            http: self.http.with_deadline(deadline),
        }
    }

    /// The budget as it stands, from our own count (Aerona says nothing about its own):
    /// requests left in the window, in flight, and when the next slot frees. With a shared
    /// store the count is the fleet's.
    pub async fn budget(&self) -> Result<Option<practice_core::BudgetStatus>, Error> {
        self.http.budget().await
    }

    /// Sends any generated request (see [`crate::operations`]) through the client.
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<E::Output, Error> {
        self.http.execute(request).await
    }
}
