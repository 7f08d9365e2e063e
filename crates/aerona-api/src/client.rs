//! The Aerona client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use practice_core::env::{Vars, process_env};
use practice_core::range::{DateRange, stream_in_chunks};
use practice_core::{
    ClientOptions, Endpoint, Error, HttpClient, QuotaPolicy, RateLimit, Secret, WhenExhausted,
};

use crate::auth::{AeronaAuth, LoginEncoding, check_path, default_login_path};
use crate::generated::models::{self, AppointmentStatus};
use crate::generated::operations::{
    CreateAppointmentRequest, FindAppointmentSlotsRequest, GetInvoiceRequest, GetPatientRequest,
    GetPaymentRequest, ListAppointmentTypesRequest, ListCliniciansRequest, SearchInvoicesRequest,
    SearchPaymentsRequest, UpdateAppointmentStatusRequest,
};
use crate::profile::AeronaProfile;

/// The vendor's base URL.
pub const DEFAULT_BASE_URL: &str = "https://aeronadental.com/AeronaAPI";

/// The vendor's budget: 300 requests per 15 minutes per account. Going over invalidates the
/// token, so the client holds every request — logins included — to it.
pub fn vendor_rate_limit() -> RateLimit {
    RateLimit::new(300, Duration::from_secs(15 * 60)).with_safety_margin(DEFAULT_SAFETY_MARGIN)
}

/// By default a call waits for budget up to 16 minutes: longer than one window, so a
/// spent budget delays calls instead of failing them.
fn default_when_exhausted() -> WhenExhausted {
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
    http: HttpClient,
}

/// Configures a [`Client`]. Its `Debug` shows the settings, never the credentials.
pub struct ClientBuilder {
    username: String,
    password: Secret,
    pin: Option<Secret>,
    core: practice_core::ClientBuilder,
    login_path: String,
    login_encoding: LoginEncoding,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("password", &self.password)
            .field("pin", &self.pin)
            .field("login_path", &self.login_path)
            .field("login_encoding", &self.login_encoding)
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
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

    /// Sets an appointment's status. `true` if Aerona updated it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// use aerona_api::models::AppointmentStatus;
    /// let updated = client.update_appointment_status(30_001, AppointmentStatus::Arrived).await?;
    /// assert!(updated);
    /// # Ok(()) }
    /// ```
    pub async fn update_appointment_status(
        &self,
        appointment_id: i64,
        status: AppointmentStatus,
    ) -> Result<bool, Error> {
        let request = UpdateAppointmentStatusRequest::builder()
            .appointment_id(appointment_id)
            .appointment_status_id(status)
            .build()?;
        self.execute(&request).await
    }

    /// Creates an appointment and returns its id.
    ///
    /// Never retried once it may have reached Aerona: a server error, a broken connection or
    /// a timeout after sending gives [`ErrorKind::OutcomeUnknown`](crate::ErrorKind). The API
    /// has no appointment lookup; reconcile through the Appointment webhook (which reports
    /// creations) or by searching free slots for the time you booked.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// use aerona_api::models::AppointmentStatus;
    /// use aerona_api::operations::CreateAppointmentRequest;
    /// let request = CreateAppointmentRequest::builder()
    ///     .practice_id(9876)
    ///     .user_id(34_560)
    ///     .appointment_type_id(1860)
    ///     .appointment_status_id(AppointmentStatus::Confirmed)
    ///     .appointment_time(aerona_api::wire::Timestamp::parse("2026-03-02T10:00:00Z").unwrap())
    ///     .duration(30)
    ///     .patient_id(426_700)
    ///     .build()?;
    /// let id = client.create_appointment(&request).await?;
    /// println!("booked appointment {id}");
    /// # Ok(()) }
    /// ```
    pub async fn create_appointment(
        &self,
        request: &CreateAppointmentRequest,
    ) -> Result<i64, Error> {
        self.execute(request).await
    }

    /// Up to the next 50 free slots matching `request`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// use aerona_api::models::TimeOfDay;
    /// use aerona_api::operations::FindAppointmentSlotsRequest;
    /// let request = FindAppointmentSlotsRequest::builder()
    ///     .clinician_id(34_560)
    ///     .appointment_type_id(1860)
    ///     .search_start(aerona_api::wire::IsoDate::parse("2026-03-02").unwrap())
    ///     .time_of_day(TimeOfDay::Morning)
    ///     .build()?;
    /// let slots = client.find_appointment_slots(&request).await?;
    /// assert!(slots.len() <= 50);
    /// # Ok(()) }
    /// ```
    pub async fn find_appointment_slots(
        &self,
        request: &FindAppointmentSlotsRequest,
    ) -> Result<Vec<models::Slot>, Error> {
        self.execute(request).await
    }

    /// Appointment types (of the user's practice unless the request names one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// use aerona_api::operations::ListAppointmentTypesRequest;
    /// let types = client.appointment_types(&ListAppointmentTypesRequest::builder().build()?).await?;
    /// for t in &types {
    ///     println!("{:?}", t.get("name"));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn appointment_types(
        &self,
        request: &ListAppointmentTypesRequest,
    ) -> Result<Vec<models::AppointmentType>, Error> {
        self.execute(request).await
    }

    /// Clinicians, optionally of a practice and for an appointment type.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// use aerona_api::operations::ListCliniciansRequest;
    /// let request = ListCliniciansRequest::builder().practice_id(9876).build()?;
    /// let clinicians = client.clinicians(&request).await?;
    /// assert!(!clinicians.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn clinicians(
        &self,
        request: &ListCliniciansRequest,
    ) -> Result<Vec<models::Clinician>, Error> {
        self.execute(request).await
    }

    /// One payment.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// let payment = client.payment(187_000).await?;
    /// println!("{:?} {:?}", payment.amount, payment.payment_date);
    /// # Ok(()) }
    /// ```
    pub async fn payment(&self, payment_id: i64) -> Result<models::Payment, Error> {
        self.execute(
            &GetPaymentRequest::builder()
                .payment_id(payment_id)
                .build()?,
        )
        .await
    }

    /// One invoice.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// let invoice = client.invoice(337_000).await?;
    /// println!("{:?} {:?}", invoice.price, invoice.status);
    /// # Ok(()) }
    /// ```
    pub async fn invoice(&self, invoice_id: i64) -> Result<models::Invoice, Error> {
        self.execute(
            &GetInvoiceRequest::builder()
                .invoice_id(invoice_id)
                .build()?,
        )
        .await
    }

    /// One patient, every field kept (the vendor's record has more than it documents).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// let patient = client.patient(426_700).await?;
    /// println!("{:?} {:?}", patient.forename, patient.unknown_fields.get("email"));
    /// # Ok(()) }
    /// ```
    pub async fn patient(&self, patient_id: i64) -> Result<models::Patient, Error> {
        self.execute(
            &GetPatientRequest::builder()
                .patient_id(patient_id)
                .build()?,
        )
        .await
    }

    /// Payments between two dates (both always sent: the vendor's defaults silently cover
    /// only the current month), optionally of one patient, in one request.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// let range = aerona_api::DateRange::parse("2024-01-01", "2026-12-31")?;
    /// let payments = client.search_payments(Some(426_700), range).await?;
    /// assert_eq!(payments.len(), 4);
    /// # Ok(()) }
    /// ```
    pub async fn search_payments(
        &self,
        patient_id: Option<i64>,
        range: DateRange,
    ) -> Result<Vec<models::Payment>, Error> {
        let builder = SearchPaymentsRequest::builder()
            .from_date(range.start())
            .to_date(range.end());
        let builder = match patient_id {
            Some(id) => builder.patient_id(id),
            None => builder,
        };
        self.execute(&builder.build()?).await
    }

    /// Invoices between two dates (both always sent), optionally of one patient.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// let range = aerona_api::DateRange::parse("2024-01-01", "2026-12-31")?;
    /// let invoices = client.search_invoices(Some(426_700), range).await?;
    /// assert_eq!(invoices.len(), 4);
    /// # Ok(()) }
    /// ```
    pub async fn search_invoices(
        &self,
        patient_id: Option<i64>,
        range: DateRange,
    ) -> Result<Vec<models::Invoice>, Error> {
        let builder = SearchInvoicesRequest::builder()
            .from_date(range.start())
            .to_date(range.end());
        let builder = match patient_id {
            Some(id) => builder.patient_id(id),
            None => builder,
        };
        self.execute(&builder.build()?).await
    }

    /// Payments over a long range, as one stream in date order: split into chunks of
    /// `days_per_chunk` days fetched in order within the budget; one chunk in memory at a
    /// time. The first error ends the stream.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), aerona_api::Error> {
    /// # let sandbox = practice_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// # let client = aerona_api::Client::builder("sandbox-user", "sandbox-password").base_url(sandbox.aerona_base_url()).build()?;
    /// use futures_util::TryStreamExt;
    /// let range = aerona_api::DateRange::parse("2024-01-01", "2026-12-31")?;
    /// let all: Vec<_> = client.stream_payments(None, range, 92).try_collect().await?;
    /// assert_eq!(all.len(), 1200);
    /// # Ok(()) }
    /// ```
    pub fn stream_payments(
        &self,
        patient_id: Option<i64>,
        range: DateRange,
        days_per_chunk: u32,
    ) -> impl Stream<Item = Result<models::Payment, Error>> + Send + Unpin + 'static {
        let client = self.clone();
        stream_in_chunks(
            range,
            days_per_chunk,
            move |chunk| {
                let client = client.clone();
                async move { client.search_payments(patient_id, chunk).await }
            },
            |p: &models::Payment| p.payment_date.map(|at| at.date()),
        )
    }

    /// Invoices over a long range, as one stream, split like
    /// [`stream_payments`](Self::stream_payments).
    pub fn stream_invoices(
        &self,
        patient_id: Option<i64>,
        range: DateRange,
        days_per_chunk: u32,
    ) -> impl Stream<Item = Result<models::Invoice, Error>> + Send + Unpin + 'static {
        let client = self.clone();
        stream_in_chunks(
            range,
            days_per_chunk,
            move |chunk| {
                let client = client.clone();
                async move { client.search_invoices(patient_id, chunk).await }
            },
            |i: &models::Invoice| i.date,
        )
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

    /// The client-side budget (default [`vendor_rate_limit`]) and what to do when it is spent
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
            login_path: check_path("the login path (AERONA_LOGIN_PATH)", &self.login_path)?,
            encoding: self.login_encoding,
        };
        auth.login_request()?;
        Ok(Client {
            http: self.core.build(auth)?,
        })
    }
}

/// The builder `Client::from_env` starts from, over any variable lookup.
fn builder_from_vars(vars: &Vars<impl Fn(&str) -> Option<String>>) -> Result<ClientBuilder, Error> {
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
