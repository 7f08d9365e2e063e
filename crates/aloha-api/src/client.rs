//! The Aloha client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use practice_core::decode::{Row, RowPolicy, RowStream, RowsAt, refuse_deviations};
use practice_core::env::{Vars, process_env};
use practice_core::time::Date;
use practice_core::wire::Deviating;
use practice_core::{
    ClientOptions, Endpoint, Error, HttpClient, QuotaPolicy, RateLimit, Secret, WhenExhausted,
};
use serde::de::DeserializeOwned;

use crate::auth::{AlohaAuth, check_path, default_token_path};
use crate::envelope::decode_rows;
use crate::generated::models;
use crate::generated::operations::{
    ListAppointmentsRequest, ListAuthorizationsWithoutAppointmentsRequest,
    ListBillingLedgerRequest, ListClientAuthorizationsRequest, ListClientsRequest,
};
use crate::profile::AlohaProfile;
use crate::ranges::Split;
use practice_core::range::{DateRange, rows_by_chunk};

/// The vendor's published PROD base URL. The other known base,
/// `https://customerapi.alohaaba.com`, works through [`ClientBuilder::base_url`].
pub const DEFAULT_BASE_URL: &str = "https://api.alohaaba.com/customer";

/// The HTTP client of the Aloha Customer API: the thing that sends requests. Not to be
/// confused with [`models::Client`], a client *record* (Aloha's word for the person receiving
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
    http: HttpClient,
    /// The row policy of [`Client::report`] and [`Client::stream`].
    policy: RowPolicy,
}

/// Configures a [`Client`]. Its `Debug` shows the settings, never the credentials.
pub struct ClientBuilder {
    client_id: String,
    secret_key: Secret,
    core: practice_core::ClientBuilder,
    policy: RowPolicy,
    token_path: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("secret_key", &self.secret_key)
            .field("token_path", &self.token_path)
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
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

    /// `GET /v1/report/clients`: every client record of the practice ([`models::Client`]:
    /// the people receiving therapy, not HTTP clients).
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
        let rows = self.client_rows(self.typed_policy()).await?;
        Ok(rows.into_iter().filter_map(Row::typed).collect())
    }

    /// The policy of the typed calls: the client's, except that typed calls cannot keep raw
    /// rows.
    fn typed_policy(&self) -> RowPolicy {
        match self.policy {
            RowPolicy::KeepRaw => RowPolicy::Fail,
            other => other,
        }
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

    /// Any date-range report, typed. A field that does not match its documented type or
    /// format is kept as sent in its record (see `deviations()` on each row) unless the client
    /// decodes strictly ([`ClientBuilder::strict_decoding`]).
    pub async fn report<R: DateRangeReport>(&self, range: DateRange) -> Result<Vec<R::Row>, Error> {
        let rows = self.report_rows::<R>(range, self.typed_policy()).await?;
        Ok(rows.into_iter().filter_map(Row::typed).collect())
    }

    /// Any date-range report, row by row. A field that does not match its documented type is
    /// kept as sent and named in the row's `deviations()`, whatever the policy but
    /// [`RowPolicy::Strict`], which fails the call naming the row and field instead. With
    /// [`RowPolicy::KeepRaw`] a row that is not a record at all is kept raw with an error
    /// naming it, instead of failing the call.
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
        let rows = decode_rows(request.meta(), response.body(), policy)
            .map_err(|e| self.http.redact(e))?;
        if policy == RowPolicy::Strict {
            refuse_deviations(request.meta(), "data", &rows)?;
        }
        Ok(rows)
    }

    /// The clients report, row by row (see [`report_rows`](Self::report_rows)).
    pub async fn client_rows(&self, policy: RowPolicy) -> Result<Vec<Row<models::Client>>, Error> {
        let request = ListClientsRequest::builder().build()?;
        let response = self.http.execute_raw(&request).await?;
        let rows = decode_rows(request.meta(), response.body(), policy)
            .map_err(|e| self.http.redact(e))?;
        if policy == RowPolicy::Strict {
            refuse_deviations(request.meta(), "data", &rows)?;
        }
        Ok(rows)
    }

    /// Any date-range report in one request, its rows decoded as they arrive: memory holds
    /// one row (and one chunk of the answer) at a time, whatever the report's size. Each
    /// [`StreamedRow`](crate::StreamedRow) has the row decoded as [`report_rows`](Self::report_rows)
    /// decodes it (a deviating field kept as sent and named; `policy` for a row that does not
    /// fit) and the row's exact bytes as sent.
    ///
    /// The call returns once the answer's headers are back (a login, a retry or a wait for
    /// budget happen before, as for any call). The body is then read within the client's
    /// deadline, at most the per-try timeout between two chunks and within its
    /// [`StreamLimits`](crate::StreamLimits); the first error ends the stream, and the
    /// request is never sent again by the stream (rows already yielded stay yielded).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aloha_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aloha_api::Client::builder("sandbox-client", "sandbox-secret").base_url(sandbox.aloha_base_url()).build()?;
    /// use aloha_api::{Appointments, Row, RowPolicy};
    /// let range = aloha_api::DateRange::parse("2024-01-01", "2024-12-31")?;
    /// let mut rows = client.report_stream::<Appointments>(range, RowPolicy::Fail).await?;
    /// let mut count = 0;
    /// while let Some(row) = rows.next_row().await {
    ///     let row = row?;
    ///     if let Row::Typed(appointment) = row.row() {
    ///         for deviation in appointment.deviations().iter() {
    ///             eprintln!("row {}: {} kept as sent", row.index(), deviation.field());
    ///         }
    ///     }
    ///     count += 1;
    /// }
    /// assert!(count > 1000);
    /// # Ok(()) }
    /// ```
    pub async fn report_stream<R: DateRangeReport>(
        &self,
        range: DateRange,
        policy: RowPolicy,
    ) -> Result<RowStream<R::Row>, Error> {
        let request = R::request(range)?;
        self.http
            .execute_rows(&request, RowsAt::Field("data"), policy)
            .await
    }

    /// The clients report, its rows decoded as they arrive (see
    /// [`report_stream`](Self::report_stream)).
    pub async fn clients_stream(
        &self,
        policy: RowPolicy,
    ) -> Result<RowStream<models::Client>, Error> {
        let request = ListClientsRequest::builder().build()?;
        self.http
            .execute_rows(&request, RowsAt::Field("data"), policy)
            .await
    }

    /// A long range as a stream of rows in date order: the range is split as the report allows
    /// ([`DateRangeReport::SPLIT`]: into chunks of at most `days_per_chunk` days, on month
    /// boundaries for monthly reports, not at all for a report whose meaning depends on the
    /// whole range), so that no row comes twice or goes missing. Chunks are fetched one after
    /// another (each within the quota), and only one chunk is held in memory. The first error
    /// (including an unusable `days_per_chunk`) ends the stream.
    ///
    /// [`Client::report`] serves a whole range with one request; chunking is for whoever needs
    /// smaller answers.
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
        let (chunks, early) = match R::SPLIT.chunks(range, days_per_chunk) {
            Ok(chunks) => (chunks, None),
            Err(err) => (Vec::new(), Some(err)),
        };
        let rows = rows_by_chunk(
            chunks,
            move |chunk| {
                let client = client.clone();
                async move { client.report::<R>(chunk).await }
            },
            R::date_of,
        );
        Box::pin(futures_util::stream::iter(early.map(Err)).chain(rows))
    }
}

impl ClientBuilder {
    /// The base URL. A path prefix is kept; `https` is required except for loopback hosts.
    pub fn base_url(self, base_url: impl Into<String>) -> Self {
        self.map_options(|options| options.base_url(base_url))
    }

    /// Changes the vendor-neutral settings, starting from this vendor's defaults (its budget
    /// included): timeouts, retries, budget, stores, renewal, deadline, transport, CA files
    /// and stream limits. `builder.map_options(|o| o.retry(RetryConfig::disabled()))`.
    pub fn map_options(mut self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self {
        self.core = self.core.map_options(change);
        self
    }

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
            token_path: check_path("the token path (ALOHA_TOKEN_PATH)", &self.token_path)?,
        };
        Ok(Client {
            http: self.core.build(auth)?,
            policy: self.policy,
        })
    }
}

/// The builder `Client::from_env` starts from, over any variable lookup.
fn builder_from_vars(vars: &Vars<impl Fn(&str) -> Option<String>>) -> Result<ClientBuilder, Error> {
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

/// A report over a date range: its request, its row type, and the date rows are ordered by.
pub trait DateRangeReport: Send + Sync + 'static {
    /// The row type.
    type Row: DeserializeOwned + Deviating + Send + 'static;
    /// The generated request type.
    type Request: Endpoint + Send + Sync;
    /// Which rows a range returns, and so how it may be split (see [`Split`]).
    const SPLIT: Split;
    /// The request for `range`.
    fn request(range: DateRange) -> Result<Self::Request, Error>;
    /// The date a row belongs to, for ordering streamed rows.
    fn date_of(row: &Self::Row) -> Option<Date>;
}

macro_rules! date_range_report {
    ($(#[$doc:meta])* $name:ident, $request:ident, $row:ty, $split:expr, |$r:ident| $date:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl DateRangeReport for $name {
            type Row = $row;
            type Request = $request;
            const SPLIT: Split = $split;

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
    /// `GET /v1/report/appointments`, ordered by appointment date. A range returns the
    /// appointments dated inside it, so it splits by day.
    Appointments, ListAppointmentsRequest, models::Appointment, Split::ByDay,
    |row| row.appointment_date
);
date_range_report!(
    /// `GET /v1/report/billing-ledger`, ordered by date of service. A range returns the
    /// services dated inside it, so it splits by day.
    BillingLedger, ListBillingLedgerRequest, models::BillingLedgerEntry, Split::ByDay,
    |row| row.date_of_service
);
date_range_report!(
    /// `GET /v1/report/client-authorizations` (rows carry no parseable date; kept in the
    /// vendor's order within each chunk). A range returns one row per client and month whose
    /// month overlaps it, so it splits on month boundaries only.
    ClientAuthorizations, ListClientAuthorizationsRequest, models::ClientAuthorization,
    Split::ByMonth, |_row| None
);
date_range_report!(
    /// `GET /v1/report/authorizations-without-appointments`, ordered by start date. A range
    /// returns the authorizations overlapping it with no appointment anywhere in it: the
    /// answer depends on the whole range, so it is never split.
    AuthorizationsWithoutAppointments,
    ListAuthorizationsWithoutAppointmentsRequest,
    models::AuthorizationWithoutAppointments,
    Split::Never,
    |row| row.start_date.map(|at| at.date())
);

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(
        pairs: &'static [(&'static str, &'static str)],
    ) -> Vars<impl Fn(&str) -> Option<String>> {
        Vars::new(move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

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
