//! The Aloha client.

use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use practice_core::decode::{Row, RowPolicy};
use practice_core::time::Date;
use practice_core::{Endpoint, Error, HttpClient, QuotaPolicy, RateLimit, Secret, WhenExhausted};
use serde::de::DeserializeOwned;

use crate::auth::AlohaAuth;
use crate::envelope::decode_rows;
use crate::generated::models;
use crate::generated::operations::{
    ListAppointmentsRequest, ListAuthorizationsWithoutAppointmentsRequest,
    ListBillingLedgerRequest, ListClientAuthorizationsRequest, ListClientsRequest,
};
use crate::profile::AlohaProfile;
use practice_core::range::{DateRange, stream_in_chunks};

/// The vendor's published PROD base URL. The other known base,
/// `https://customerapi.alohaaba.com`, works through [`ClientBuilder::base_url`].
pub const DEFAULT_BASE_URL: &str = "https://api.alohaaba.com/customer";

/// A client of the Aloha Customer API. Cheap to clone; clones share the connection pool, the
/// token and the budget.
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
pub struct Client {
    http: HttpClient,
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    client_id: String,
    secret_key: Secret,
    core: practice_core::ClientBuilder,
}

impl Client {
    /// A client with the default base URL and settings.
    pub fn new(client_id: impl Into<String>, secret_key: impl Into<Secret>) -> Result<Self, Error> {
        Self::builder(client_id, secret_key).build()
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
            .quota(QuotaPolicy {
                limit: None,
                when_exhausted: WhenExhausted::FailFast,
            }),
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

    /// Sends any generated request (see [`crate::operations`]) through the client.
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<E::Output, Error> {
        self.http.execute(request).await
    }

    /// `GET /v1/report/clients`: every client.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// let clients = client.clients().await?;
    /// assert!(clients.iter().all(|c| c.client_id.is_some()));
    /// # Ok(()) }
    /// ```
    pub async fn clients(&self) -> Result<Vec<models::Client>, Error> {
        self.execute(&ListClientsRequest::builder().build()?).await
    }

    /// `GET /v1/report/appointments` for the dates of `range`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// let range = aloha_api::DateRange::parse("2024-03-01", "2024-03-31")?;
    /// for a in client.appointments(range).await? {
    ///     println!("{:?} {:?} {:?}", a.appointment_date, a.appointment_start, a.charge);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn appointments(&self, range: DateRange) -> Result<Vec<models::Appointment>, Error> {
        self.report::<Appointments>(range).await
    }

    /// `GET /v1/report/client-authorizations` for the dates of `range`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// let range = aloha_api::DateRange::parse("2024-03-01", "2024-03-31")?;
    /// let rows = client.client_authorizations(range).await?;
    /// assert!(rows.iter().all(|r| r.range_type.as_deref() == Some("Monthly")));
    /// # Ok(()) }
    /// ```
    pub async fn client_authorizations(
        &self,
        range: DateRange,
    ) -> Result<Vec<models::ClientAuthorization>, Error> {
        self.report::<ClientAuthorizations>(range).await
    }

    /// `GET /v1/report/billing-ledger` for the dates of `range`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// let range = aloha_api::DateRange::parse("2024-03-01", "2024-03-31")?;
    /// let billed: aloha_api::rust_decimal::Decimal =
    ///     client.billing_ledger(range).await?.iter().filter_map(|r| r.billed_amount).sum();
    /// println!("billed {billed}");
    /// # Ok(()) }
    /// ```
    pub async fn billing_ledger(
        &self,
        range: DateRange,
    ) -> Result<Vec<models::BillingLedgerEntry>, Error> {
        self.report::<BillingLedger>(range).await
    }

    /// `GET /v1/report/authorizations-without-appointments` for the dates of `range`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// let range = aloha_api::DateRange::parse("2024-03-01", "2024-03-31")?;
    /// for auth in client.authorizations_without_appointments(range).await? {
    ///     println!("{:?} {:?}", auth.client_name, auth.authorization_number);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn authorizations_without_appointments(
        &self,
        range: DateRange,
    ) -> Result<Vec<models::AuthorizationWithoutAppointments>, Error> {
        self.report::<AuthorizationsWithoutAppointments>(range)
            .await
    }

    /// Any date-range report, typed.
    pub async fn report<R: DateRangeReport>(&self, range: DateRange) -> Result<Vec<R::Row>, Error> {
        let rows = self.report_rows::<R>(range, RowPolicy::Fail).await?;
        Ok(rows.into_iter().filter_map(Row::typed).collect())
    }

    /// Any date-range report, row by row: with [`RowPolicy::KeepRaw`] a row that does not fit
    /// its documented type is kept raw with an error naming the row and field, instead of
    /// failing the call.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// use aloha_api::{Appointments, Row, RowPolicy};
    /// let range = aloha_api::DateRange::parse("2024-03-01", "2024-03-31")?;
    /// for row in client.report_rows::<Appointments>(range, RowPolicy::KeepRaw).await? {
    ///     match row {
    ///         Row::Typed(a) => println!("{:?}", a.appointment_id),
    ///         Row::Raw { index, error, .. } => eprintln!("row {index} kept raw: {error}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn report_rows<R: DateRangeReport>(
        &self,
        range: DateRange,
        policy: RowPolicy,
    ) -> Result<Vec<Row<R::Row>>, Error> {
        let request = R::request(range)?;
        let response = self.http.execute_raw(&request).await?;
        decode_rows(request.meta(), response.body(), policy).map_err(|e| self.http.redact(e))
    }

    /// The clients report, row by row (see [`report_rows`](Self::report_rows)).
    pub async fn client_rows(&self, policy: RowPolicy) -> Result<Vec<Row<models::Client>>, Error> {
        let request = ListClientsRequest::builder().build()?;
        let response = self.http.execute_raw(&request).await?;
        decode_rows(request.meta(), response.body(), policy).map_err(|e| self.http.redact(e))
    }

    /// A long range as a stream of rows in date order: the range is split into chunks of
    /// `days_per_chunk` days, fetched one after another (each within the quota), and only one
    /// chunk is held in memory. The first error ends the stream.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// use aloha_api::Appointments;
    /// use futures_util::TryStreamExt;
    /// let range = aloha_api::DateRange::parse("2024-01-01", "2025-12-31")?;
    /// let mut rows = client.stream::<Appointments>(range, aloha_api::DEFAULT_DAYS_PER_CHUNK);
    /// let mut count = 0;
    /// while let Some(_appointment) = rows.try_next().await? {
    ///     count += 1;
    /// }
    /// assert!(count > 3000);
    /// # Ok(()) }
    /// ```
    pub fn stream<R: DateRangeReport>(
        &self,
        range: DateRange,
        days_per_chunk: u32,
    ) -> impl Stream<Item = Result<R::Row, Error>> + Send + Unpin + 'static {
        let client = self.clone();
        stream_in_chunks(
            range,
            days_per_chunk,
            move |chunk| {
                let client = client.clone();
                async move { client.report::<R>(chunk).await }
            },
            R::date_of,
        )
    }
}

impl ClientBuilder {
    practice_core::forward_client_settings!();

    /// When the daily budget is spent (the vendor's `X-RateLimit-Remaining` reached 0), wait
    /// for the reset — possibly hours — up to `max_wait`, instead of failing at once.
    pub fn wait_for_quota(self, max_wait: Duration) -> Self {
        self.quota(QuotaPolicy {
            limit: None,
            when_exhausted: WhenExhausted::Wait { max_wait },
        })
    }

    /// Adds a client-side budget on top of the vendor's headers (for example
    /// `RateLimit::new(1000, Duration::from_secs(86_400))`), and says what to do when spent.
    pub fn client_side_limit(self, limit: RateLimit, when_exhausted: WhenExhausted) -> Self {
        self.quota(QuotaPolicy {
            limit: Some(limit),
            when_exhausted,
        })
    }

    /// The whole quota policy.
    pub fn quota(mut self, policy: QuotaPolicy) -> Self {
        self.core = self.core.quota(policy);
        self
    }

    /// Builds the client. Fails on an unusable configuration (for example a plain-http base
    /// URL that is not loopback); sends nothing.
    pub fn build(self) -> Result<Client, Error> {
        if self.client_id.trim().is_empty() || self.secret_key.is_empty() {
            return Err(Error::configuration(
                "the client id and secret key must not be empty",
            ));
        }
        let auth = AlohaAuth {
            client_id: self.client_id,
            secret_key: self.secret_key,
        };
        Ok(Client {
            http: self.core.build(auth)?,
        })
    }
}

/// A report over a date range: its request, its row type, and the date rows are ordered by.
pub trait DateRangeReport: Send + Sync + 'static {
    /// The row type.
    type Row: DeserializeOwned + Send + 'static;
    /// The generated request type.
    type Request: Endpoint + Send + Sync;
    /// The request for `range`.
    fn request(range: DateRange) -> Result<Self::Request, Error>;
    /// The date a row belongs to, for ordering streamed rows.
    fn date_of(row: &Self::Row) -> Option<Date>;
}

macro_rules! date_range_report {
    ($(#[$doc:meta])* $name:ident, $request:ident, $row:ty, |$r:ident| $date:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl DateRangeReport for $name {
            type Row = $row;
            type Request = $request;

            fn request(range: DateRange) -> Result<$request, Error> {
                $request::builder().start_date(range.start()).end_date(range.end()).build()
            }

            fn date_of($r: &$row) -> Option<Date> {
                $date
            }
        }
    };
}

date_range_report!(
    /// `GET /v1/report/appointments`, ordered by appointment date.
    Appointments, ListAppointmentsRequest, models::Appointment, |row| row.appointment_date
);
date_range_report!(
    /// `GET /v1/report/billing-ledger`, ordered by date of service.
    BillingLedger, ListBillingLedgerRequest, models::BillingLedgerEntry, |row| row.date_of_service
);
date_range_report!(
    /// `GET /v1/report/client-authorizations` (rows carry no parseable date; kept in the
    /// vendor's order within each chunk).
    ClientAuthorizations, ListClientAuthorizationsRequest, models::ClientAuthorization, |_row| None
);
date_range_report!(
    /// `GET /v1/report/authorizations-without-appointments`, ordered by start date.
    AuthorizationsWithoutAppointments,
    ListAuthorizationsWithoutAppointmentsRequest,
    models::AuthorizationWithoutAppointments,
    |row| row.start_date.map(|at| at.date())
);
