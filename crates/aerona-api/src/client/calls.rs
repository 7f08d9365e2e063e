//! The Aerona calls as methods of [`Client`]: appointments, clinicians, patients, payments
//! and invoices, and the searches over long ranges as streams.

use futures_util::Stream;
use practice_core::Error;
use practice_core::range::{DateRange, stream_in_chunks};

use crate::client::Client;
use crate::generated::models::{self, AppointmentStatus};
use crate::generated::operations::{
    CreateAppointmentRequest, FindAppointmentSlotsRequest, GetInvoiceRequest, GetPatientRequest,
    GetPaymentRequest, ListAppointmentTypesRequest, ListCliniciansRequest, SearchInvoicesRequest,
    SearchPaymentsRequest, UpdateAppointmentStatusRequest,
};

impl Client {
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
