//! The Aloha report calls: whole, row by row, streamed, and over long ranges in chunks.

use futures_util::Stream;
use practice_core::decode::{Row, RowPolicy, RowStream, RowsAt, refuse_deviations};
use practice_core::range::{DateRange, stream_chunks};
use practice_core::time::Date;
use practice_core::wire::Deviating;
use practice_core::{Endpoint, Error};
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::envelope::decode_rows;
use crate::generated::models;
use crate::generated::operations::{
    ListAppointmentsRequest, ListAuthorizationsWithoutAppointmentsRequest,
    ListBillingLedgerRequest, ListClientAuthorizationsRequest, ListClientsRequest,
};
use crate::ranges::Split;

impl Client {
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
    /// decodes strictly ([`ClientBuilder::strict_decoding`](crate::ClientBuilder::strict_decoding)).
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
        self.rows_of(&R::request(range)?, policy).await
    }

    /// The clients report, row by row (see [`report_rows`](Self::report_rows)).
    pub async fn client_rows(&self, policy: RowPolicy) -> Result<Vec<Row<models::Client>>, Error> {
        self.rows_of(&ListClientsRequest::builder().build()?, policy)
            .await
    }

    /// The rows of one report request's `data`, decoded under `policy`.
    async fn rows_of<E: Endpoint, T: DeserializeOwned + Deviating>(
        &self,
        request: &E,
        policy: RowPolicy,
    ) -> Result<Vec<Row<T>>, Error> {
        let response = self.http.execute_raw(request).await?;
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
        stream_chunks(
            R::SPLIT.chunks(range, days_per_chunk),
            move |chunk| {
                let client = client.clone();
                async move { client.report::<R>(chunk).await }
            },
            R::date_of,
        )
    }
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
