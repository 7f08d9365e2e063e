//! The Aerona calls that take a date range: the searches of payments and invoices, and the
//! same over long ranges as streams. The calls that only build one request and execute it
//! (appointments, clinicians, one patient, payment or invoice) are generated from the spec's
//! `x-client-method` (`src/generated/client.rs`).

use futures_util::Stream;
use practice_core::Error;
use practice_core::range::{DateRange, stream_in_chunks};
use practice_core::time::Date;

use crate::client::Client;
use crate::generated::models;
use crate::generated::operations::{SearchInvoicesRequest, SearchPaymentsRequest};

impl Client {
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
        // Fields set directly, as the patient is optional; `execute` validates before sending.
        let mut request = SearchPaymentsRequest::default();
        (request.patient_id, request.from_date, request.to_date) =
            (patient_id, Some(range.start()), Some(range.end()));
        self.execute(&request).await
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
        // Fields set directly, as the patient is optional; `execute` validates before sending.
        let mut request = SearchInvoicesRequest::default();
        (request.patient_id, request.from_date, request.to_date) =
            (patient_id, Some(range.start()), Some(range.end()));
        self.execute(&request).await
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
        self.stream_search(
            range,
            days_per_chunk,
            move |client, chunk| async move { client.search_payments(patient_id, chunk).await },
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
        self.stream_search(
            range,
            days_per_chunk,
            move |client, chunk| async move { client.search_invoices(patient_id, chunk).await },
            |i: &models::Invoice| i.date,
        )
    }

    /// `search` over `range` in chunks of `days_per_chunk` days, as one stream in date order
    /// (rows dated by `date_of`): the glue of the two `stream_*` calls.
    fn stream_search<T, Fut>(
        &self,
        range: DateRange,
        days_per_chunk: u32,
        search: impl Fn(Client, DateRange) -> Fut + Send + 'static,
        date_of: fn(&T) -> Option<Date>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + Unpin + 'static
    where
        T: Send + 'static,
        Fut: Future<Output = Result<Vec<T>, Error>> + Send + 'static,
    {
        let client = self.clone();
        stream_in_chunks(
            range,
            days_per_chunk,
            move |chunk| search(client.clone(), chunk),
            date_of,
        )
    }
}
