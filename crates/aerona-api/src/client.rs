//! The Aerona client.

use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use practice_core::range::{DateRange, stream_in_chunks};
use practice_core::{Endpoint, Error, HttpClient, QuotaPolicy, RateLimit, Secret, WhenExhausted};

use crate::auth::AeronaAuth;
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

/// Added to the 15-minute window to absorb clock and network skew between us and Aerona.
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

/// Configures a [`Client`].
pub struct ClientBuilder {
    username: String,
    password: Secret,
    pin: Option<Secret>,
    core: practice_core::ClientBuilder,
}

impl Client {
    /// A client with the default base URL and the vendor's budget.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Result<Self, Error> {
        Self::builder(username, password).build()
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
            .quota(QuotaPolicy {
                limit: Some(vendor_rate_limit()),
                when_exhausted: WhenExhausted::Wait {
                    max_wait: Duration::from_secs(16 * 60),
                },
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

    /// The former name of [`stream_payments`](Self::stream_payments), kept for callers that
    /// still use it.
    #[doc(hidden)]
    pub fn search_payments_in(
        &self,
        patient_id: Option<i64>,
        range: DateRange,
        days_per_chunk: u32,
    ) -> impl Stream<Item = Result<models::Payment, Error>> + Send + Unpin + 'static {
        self.stream_payments(patient_id, range, days_per_chunk)
    }

    /// The former name of [`stream_invoices`](Self::stream_invoices), kept for callers that
    /// still use it.
    #[doc(hidden)]
    pub fn search_invoices_in(
        &self,
        patient_id: Option<i64>,
        range: DateRange,
        days_per_chunk: u32,
    ) -> impl Stream<Item = Result<models::Invoice, Error>> + Send + Unpin + 'static {
        self.stream_invoices(patient_id, range, days_per_chunk)
    }
}

impl ClientBuilder {
    practice_core::forward_client_settings!();

    /// The PIN, for accounts that have one.
    pub fn pin(mut self, pin: impl Into<Secret>) -> Self {
        self.pin = Some(pin.into());
        self
    }

    /// The client-side budget (default [`vendor_rate_limit`]) and what to do when it is spent
    /// (default: wait up to 16 minutes).
    pub fn rate_limit(mut self, limit: RateLimit, when_exhausted: WhenExhausted) -> Self {
        self.core = self.core.quota(QuotaPolicy {
            limit: Some(limit),
            when_exhausted,
        });
        self
    }

    /// Builds the client. Checks the credentials' shape (the login's own validation) and the
    /// base URL; sends nothing.
    pub fn build(self) -> Result<Client, Error> {
        let auth = AeronaAuth {
            username: self.username,
            password: self.password,
            pin: self.pin,
        };
        auth.login_request()?;
        Ok(Client {
            http: self.core.build(auth)?,
        })
    }
}
