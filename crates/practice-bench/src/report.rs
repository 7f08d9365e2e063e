//! A large Aloha appointments report served on loopback: every documented field on every row,
//! rows spread evenly over consecutive days, answered for any `startDate`..`endDate` without
//! copying (the response is three slices of one pre-built buffer), so the server adds next to
//! nothing to the process's heap while a case runs.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use practice_core::bytes::Bytes;
use practice_core::time::{Date, Duration, Month};

/// The envelope before the rows.
const PREFIX: &[u8] = br#"{"status":200,"message":"Success","data":["#;
/// The envelope after the rows.
const SUFFIX: &[u8] = b"]}";

/// The first day of every generated report.
pub const FIRST_DAY: Date = time::macros::date!(2024 - 01 - 01);

/// A generated report: one JSON body holding every row in date order, and where each row
/// and each day sits in it.
pub struct Report {
    body: Bytes,
    /// Byte range of each row within `body`.
    rows: Vec<(usize, usize)>,
    /// Index of the first row of each day; one more entry than days.
    day_starts: Vec<usize>,
}

impl Report {
    /// `rows` appointment rows over `days` consecutive days from [`FIRST_DAY`], spread evenly.
    pub fn generate(rows: usize, days: u32) -> Report {
        let days = days.max(1) as usize;
        let mut body = String::with_capacity(rows * 1_700 + 64);
        body.push_str(std::str::from_utf8(PREFIX).unwrap_or_default());
        let mut spans = Vec::with_capacity(rows);
        let mut day_starts = Vec::with_capacity(days + 1);
        for n in 0..rows {
            let day = n * days / rows.max(1);
            while day_starts.len() <= day {
                day_starts.push(n);
            }
            if n > 0 {
                body.push(',');
            }
            let start = body.len();
            write_row(&mut body, n, FIRST_DAY + Duration::days(day as i64));
            spans.push((start, body.len()));
        }
        while day_starts.len() <= days {
            day_starts.push(rows);
        }
        body.push_str(std::str::from_utf8(SUFFIX).unwrap_or_default());
        Report {
            body: Bytes::from(body),
            rows: spans,
            day_starts,
        }
    }

    /// The whole report, exactly as served for a range covering every day.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// How many rows.
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// How many days the rows cover.
    pub fn days(&self) -> u32 {
        (self.day_starts.len() - 1) as u32
    }

    /// The last day with rows.
    pub fn last_day(&self) -> Date {
        FIRST_DAY + Duration::days(i64::from(self.days()) - 1)
    }

    /// The answer for `start..=end` as slices of the one body, and its length.
    fn answer(&self, start: Date, end: Date) -> (Vec<Bytes>, usize) {
        let day =
            |d: Date| ((d - FIRST_DAY).whole_days().max(0) as usize).min(self.days() as usize);
        let first = self.day_starts[day(start)];
        let last = if end < FIRST_DAY {
            first
        } else {
            self.day_starts[day(end + Duration::days(1))]
        };
        let mut parts = vec![Bytes::from_static(PREFIX)];
        if last > first {
            parts.push(self.body.slice(self.rows[first].0..self.rows[last - 1].1));
        }
        parts.push(Bytes::from_static(SUFFIX));
        let len = parts.iter().map(Bytes::len).sum();
        (parts, len)
    }
}

/// One row with all 48 documented fields, values shaped like the sandbox's.
fn write_row(out: &mut String, n: usize, date: Date) {
    const SERVICES: [(&str, &str, u32); 3] = [
        ("Direct Therapy", "97153", 32),
        ("Supervision", "97155", 45),
        ("Parent Training", "97156", 40),
    ];
    const PAYERS: [&str; 3] = ["Sandbox Health", "Test Medicaid", "Example Insurance"];
    let (service, code, rate) = SERVICES[n % SERVICES.len()];
    let units = 2 + (n % 6) as u32;
    let start = 8 * 60 + 30 * (n % 16) as u32;
    let end = start + units * 15;
    let client = 1_000 + (n % 400);
    let clock = |minutes: u32| {
        let (h, m) = (minutes / 60, minutes % 60);
        let (h12, ampm) = match h {
            0 => (12, "AM"),
            1..=11 => (h, "AM"),
            12 => (12, "PM"),
            _ => (h - 12, "PM"),
        };
        format!("{h12:02}:{m:02} {ampm}")
    };
    let us = |d: Date| format!("{:02}-{:02}-{}", d.month() as u8, d.day(), d.year());
    let dob = time::macros::date!(2012 - 01 - 01) + Duration::days(((client * 37) % 3650) as i64);
    let completed = !n.is_multiple_of(8);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        concat!(
            r#"{{"appointmentId":{id},"clientId":{client},"claimId":"CLM-{claim}","appointmentDate":"{date}","#,
            r#""appointmentStart":"{start}","appointmentEnd":"{end}","clientName":"Client{client} Testperson","#,
            r#""staffName":"Sandbox Therapist {staff}","gender":"{gender}","appointmentLocation":"{location}","#,
            r#""patientAddress":"{client} Test Street, Testville, TS {zip:05}","insuredId":"INS-{client}","#,
            r#""office":"Main Office","renderingProviderNPI":"100000{npi:04}","renderingProvider":"Sandbox Provider","#,
            r#""diagnosticCodes":"F84.0","diagnosticCodes2":"Z13.41","diagnosticCodes3":"F80.2","#,
            r#""payerName":"{payer}","authorizationNumber":"AUTH-{client}","chargeLineTimeZone":"America/Chicago","#,
            r#""officeTimeZone":"America/Chicago","serviceFacility":"Sandbox Clinic","#,
            r#""serviceFacilityAddress":"2 Test Street, Testville, TS 10000","clientCity":"Testville","#,
            r#""billingAddress":"1 Billing Way, Testville, TS 10000","canceledType":"{canceled}","#,
            r#""serviceName":"{service}","billingProviderNPI":"1999999999","billingProvider":"Sandbox Billing LLC","#,
            r#""billingCode":"{code}","additionalCode":"H0032","modifier":"HN","modifier2":"U1","modifier3":"GT","#,
            r#""placeOfService":{pos},"units":{units},"unitSize":"15 minutes","charge":{charge}.00,"#,
            r#""chargeRate":{rate}.00,"contractRate":{crate}.50,"contractAmount":{camount}.00,"dob":"{dob}","#,
            r#""referringProviderName":"Sandbox Referrer","referringProviderNPI":"1888888888","#,
            r#""billingMinutes":{minutes},"billingHours":{hours:.2},"completed":"{completed}"}}"#
        ),
        id = 50_000 + n,
        client = client,
        claim = 900_000 + n,
        date = us(date),
        start = clock(start),
        end = clock(end),
        staff = n % 9,
        gender = if client.is_multiple_of(2) {
            "Female"
        } else {
            "Male"
        },
        location = if n.is_multiple_of(3) {
            "Home"
        } else {
            "Clinic"
        },
        zip = 10_000 + client,
        npi = n % 10_000,
        payer = PAYERS[n % PAYERS.len()],
        canceled = if completed { "" } else { "Client Cancel" },
        service = service,
        code = code,
        pos = if n.is_multiple_of(3) { 12 } else { 11 },
        units = units,
        charge = units * rate,
        rate = rate,
        crate = rate - 10,
        camount = units * (rate - 10),
        dob = us(dob),
        minutes = units * 15,
        hours = f64::from(units * 15) / 60.0,
        completed = if completed { "Yes" } else { "No" },
    );
}

/// Parses `YYYY-MM-DD`.
fn iso(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = Month::try_from(parts.next()?.parse::<u8>().ok()?).ok()?;
    let day = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Serves `report` as Aloha on 127.0.0.1 under `/customer`: `POST /token` answers a token
/// pair valid until 2099, `GET /v1/report/appointments?startDate=&endDate=` the rows of those
/// days. Returns the base URL for `ClientBuilder::base_url`.
pub async fn serve_report(report: Arc<Report>) -> std::io::Result<String> {
    use axum::body::Body;
    use axum::http::{StatusCode, Uri, header};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};

    const TOKEN: &str = r#"{"status":200,"message":"Success","data":{"username":"bench","accessToken":"bench-access","accessTokenExpiration":"2099-01-01T00:00:00Z","refreshToken":"bench-refresh","subscriptionId":"bench"}}"#;

    let appointments = move |uri: Uri| {
        let report = report.clone();
        async move {
            let (mut start, mut end) = (None, None);
            for pair in uri.query().unwrap_or_default().split('&') {
                match pair.split_once('=') {
                    Some(("startDate", v)) => start = iso(v),
                    Some(("endDate", v)) => end = iso(v),
                    _ => {}
                }
            }
            let (Some(start), Some(end)) = (start, end) else {
                return (StatusCode::BAD_REQUEST, "startDate and endDate required").into_response();
            };
            let (parts, len) = report.answer(start, end);
            let body = Body::from_stream(futures_util::stream::iter(
                parts.into_iter().map(Ok::<_, std::io::Error>),
            ));
            // An explicit length, as the vendor sends, so the client can size its buffer once.
            Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, len)
                .body(body)
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    };
    let app = axum::Router::new()
        .route(
            "/customer/token",
            post(|| async { ([(header::CONTENT_TYPE, "application/json")], TOKEN) }),
        )
        .route("/customer/v1/report/appointments", get(appointments));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}/customer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_json_with_every_field_and_ranges_slice_them() {
        let report = Report::generate(1_000, 10);
        let value: serde_json::Value = serde_json::from_slice(report.body()).unwrap();
        let rows = value["data"].as_array().unwrap();
        assert_eq!(rows.len(), 1_000);
        assert_eq!(rows[0].as_object().unwrap().len(), 48);
        let day = |n| FIRST_DAY + Duration::days(n);
        let (parts, len) = report.answer(day(2), day(3));
        let joined: Vec<u8> = parts.iter().flat_map(|b| b.iter().copied()).collect();
        assert_eq!(joined.len(), len);
        let value: serde_json::Value = serde_json::from_slice(&joined).unwrap();
        assert_eq!(value["data"].as_array().unwrap().len(), 200);
        let (parts, _) = report.answer(day(20), day(30));
        assert_eq!(parts.len(), 2, "no rows, just the envelope");
        let (parts, len) = report.answer(day(-5), day(100));
        assert_eq!((parts.len(), len), (3, report.body().len()));
    }
}
