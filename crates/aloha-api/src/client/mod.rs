//! The Aloha client: built by [`ClientBuilder`] (`builder.rs`), its report calls in
//! `reports.rs`.

use practice_core::decode::RowPolicy;
use practice_core::env::{Vars, process_env};
use practice_core::{Endpoint, Error, HttpClient, QuotaPolicy, Secret, WhenExhausted};
use std::sync::Arc;

use crate::auth::default_token_path;
use crate::profile::AlohaProfile;

mod builder;
mod reports;

pub use builder::ClientBuilder;
use builder::builder_from_vars;
pub use reports::{
    Appointments, AuthorizationsWithoutAppointments, BillingLedger, ClientAuthorizations,
    DateRangeReport,
};

/// The vendor's published PROD base URL. The other known base,
/// `https://customerapi.alohaaba.com`, works through [`ClientBuilder::base_url`].
pub const DEFAULT_BASE_URL: &str = "https://api.alohaaba.com/customer";

/// The HTTP client of the Aloha Customer API: the thing that sends requests. Not to be
/// confused with [`models::Client`](crate::models::Client), a client *record* (Aloha's word for the person receiving
/// therapy, a patient), which [`Client::clients`] returns. Cheap to clone; clones share the
/// connection pool, the token and the budget.
///
/// ```no_run
/// # async fn run() -> Result<(), aloha_api::Error> {
/// use aloha_api::{Client, DateRange};
///
/// let client = Client::new("my-client-id", "my-secret-key")?;
/// let range = DateRange::parse("2024-01-01", "2024-01-31")?;
/// for appointment in client.appointments(range).await? {
///     println!("{:?} {:?}", appointment.appointment_date, appointment.service_name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[doc(alias = "HttpClient", alias = "AlohaClient")]
pub struct Client {
    pub(crate) http: HttpClient,
    /// The row policy of [`Client::report`] and [`Client::stream`].
    pub(crate) policy: RowPolicy,
}

impl Client {
    /// A client with the default base URL and settings.
    pub fn new(client_id: impl Into<String>, secret_key: impl Into<Secret>) -> Result<Self, Error> {
        Self::builder(client_id, secret_key).build()
    }

    /// A client configured from the environment, as the `practice` CLI is: `ALOHA_CLIENT_ID`
    /// and `ALOHA_SECRET_KEY` (both required), `ALOHA_BASE_URL` and `ALOHA_TOKEN_PATH`
    /// (optional; see [`ClientBuilder::token_path`]). The error names
    /// every variable that is missing or empty, never a value.
    ///
    /// ```no_run
    /// let client = aloha_api::Client::from_env()?;
    /// # Ok::<_, aloha_api::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::builder_from_env()?.build()
    }

    /// Like [`from_env`](Self::from_env), but a builder, to change more settings.
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        builder_from_vars(&Vars::new(process_env))
    }

    /// A builder, to set the base URL, budgets, retries or transport.
    pub fn builder(client_id: impl Into<String>, secret_key: impl Into<Secret>) -> ClientBuilder {
        let user_agent = concat!("aloha-api/", env!("CARGO_PKG_VERSION"), " (practice-sdk)");
        ClientBuilder {
            client_id: client_id.into(),
            secret_key: secret_key.into(),
            core: practice_core::ClientBuilder::new(
                Arc::new(AlohaProfile),
                DEFAULT_BASE_URL,
                user_agent,
            )
            .map_options(|options| options.quota(QuotaPolicy::new(None, WhenExhausted::FailFast))),
            policy: RowPolicy::Fail,
            token_path: default_token_path().to_owned(),
        }
    }

    /// A clone whose calls must each end within `deadline` (logins, retries and waits for
    /// budget included); clones share pool, tokens and budget. For one call:
    /// `client.with_deadline(d).execute(&request)`.
    pub fn with_deadline(&self, deadline: std::time::Duration) -> Self {
        Client {
            http: self.http.with_deadline(deadline),
            policy: self.policy,
        }
    }

    /// The budget as it stands: from the vendor's `X-RateLimit-*` headers on its last answer
    /// (`None` before any), or from our own count when a client-side limit is set.
    pub async fn budget(&self) -> Result<Option<practice_core::BudgetStatus>, Error> {
        self.http.budget().await
    }

    /// Sends any generated request (see [`crate::operations`]) through the client.
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<E::Output, Error> {
        self.http.execute(request).await
    }
}
