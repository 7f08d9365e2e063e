//! How the windows a run needs become requests. A window (a calendar month, `all`, or a
//! patient) is what coverage, leases and removed-row detection are kept by; a request may
//! cover several windows when its report is a list of dated rows (`x-range-rows: {by: date}`
//! in the spec): consecutive months that need fetching are asked for together, up to
//! [`Windowing::months`] months and about [`Windowing::max_rows`] rows, and the answer's rows
//! are kept per month by their date, exactly as a request per month would have kept them.
//! Reports whose answer depends on the range (monthly aggregates) keep a request per month.

use practice_core::DateRange;

use crate::error::SyncError;
use crate::report::{Report, Window, table};
use crate::schema::{ColumnKind, RangeRows, Value, fields};

/// Which windows a run takes first: this decides what a budget that runs out leaves for the
/// next run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// The most recent months first (the default: recent data arrives first).
    #[default]
    Newest,
    /// The oldest months first.
    Oldest,
}

/// How large one request may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windowing {
    /// The most calendar months one request of a list report covers (default 12; 1 gives a
    /// request per month, as for monthly reports).
    pub months: u32,
    /// The most rows one answer is trusted to hold (default 50,000): an answer of more rows,
    /// which may have been cut short at a vendor's cap, is not written; its months are asked
    /// for again in halves. Known row counts (from coverage) also keep a planned request under
    /// it.
    pub max_rows: u64,
    /// Which windows first.
    pub order: Order,
}

impl Default for Windowing {
    fn default() -> Self {
        Windowing {
            months: 12,
            max_rows: 50_000,
            order: Order::Newest,
        }
    }
}

impl Windowing {
    /// Refuses sizes that would fetch nothing.
    pub fn check(&self) -> Result<(), SyncError> {
        if self.months == 0 {
            return Err(SyncError::Input(
                "a request must cover at least one month".into(),
            ));
        }
        if self.max_rows == 0 {
            return Err(SyncError::Input(
                "the rows bound of one answer must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// One request: the windows it covers, written together in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The report.
    pub report: Report,
    /// The dates it asks for (none for snapshots and single records).
    pub range: Option<DateRange>,
    /// The record id asked for (patients).
    pub id: Option<i64>,
    /// The windows it covers, oldest first; one for snapshots, records and monthly reports.
    pub windows: Vec<Window>,
}

impl Request {
    /// The request for one window.
    pub fn one(window: Window) -> Request {
        Request {
            report: window.report,
            range: window.range,
            id: window.id,
            windows: vec![window],
        }
    }

    /// The request covering consecutive `windows` (at least one) of one report.
    pub fn covering(windows: Vec<Window>) -> Result<Request, SyncError> {
        let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
            return Err(SyncError::Input("a request needs a window".into()));
        };
        let range = match (first.range, last.range) {
            (Some(a), Some(b)) => Some(
                DateRange::new(a.start(), b.end())
                    .map_err(|e| SyncError::Input(e.message().to_owned()))?,
            ),
            _ => None,
        };
        Ok(Request {
            report: first.report,
            range,
            id: first.id,
            windows,
        })
    }

    /// The `request` column: which request the rows came from.
    pub fn describe(&self) -> String {
        match (&self.range, self.id) {
            (Some(range), _) => format!(
                "{} {}..{}",
                self.report.operation(),
                range.start(),
                range.end()
            ),
            (None, Some(id)) => format!("{} {id}", self.report.operation()),
            (None, None) => self.report.operation().to_owned(),
        }
    }

    /// The same windows as requests of about half the size each (a request of one window is
    /// returned as it is).
    pub fn halves(self) -> Result<Vec<Request>, SyncError> {
        if self.windows.len() < 2 {
            return Ok(vec![self]);
        }
        let mut first = self.windows;
        let second = first.split_off(first.len() / 2);
        Ok(vec![Request::covering(first)?, Request::covering(second)?])
    }

    /// The same windows as one request each.
    pub fn singles(self) -> Vec<Request> {
        self.windows.into_iter().map(Request::one).collect()
    }
}

/// Whether `report`'s windows may be asked for several at a time.
pub fn groups(report: Report) -> bool {
    table(report.table()).is_ok_and(|t| matches!(t.rows, RangeRows::Dated { .. }))
}

/// `months`: every month window of one report over the run's range, oldest first, each with
/// whether it must be fetched and the rows it had when last fetched. Returns the requests:
/// consecutive months to fetch grouped (for list reports) within `windowing`, taken from the
/// end [`Order`] starts at.
pub fn requests(
    report: Report,
    months: Vec<(Window, bool, Option<u64>)>,
    windowing: &Windowing,
) -> Result<Vec<Request>, SyncError> {
    if !groups(report) || windowing.months == 1 {
        return Ok(months
            .into_iter()
            .filter(|(_, fetch, _)| *fetch)
            .map(|(w, _, _)| Request::one(w))
            .collect());
    }
    // Runs of consecutive months to fetch.
    let mut runs: Vec<Vec<(Window, Option<u64>)>> = vec![Vec::new()];
    for (window, fetch, rows) in months {
        match (fetch, runs.last_mut()) {
            (true, Some(run)) => run.push((window, rows)),
            (false, Some(run)) if !run.is_empty() => runs.push(Vec::new()),
            _ => {}
        }
    }
    let limit = usize::try_from(windowing.months).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for mut run in runs.into_iter().filter(|r| !r.is_empty()) {
        if windowing.order == Order::Newest {
            run.reverse();
        }
        let mut chunk: Vec<Window> = Vec::new();
        let mut rows = 0u64;
        for (window, known) in run {
            let known = known.unwrap_or(0);
            if !chunk.is_empty()
                && (chunk.len() >= limit || rows.saturating_add(known) > windowing.max_rows)
            {
                out.push(finish(std::mem::take(&mut chunk), windowing.order)?);
                rows = 0;
            }
            rows = rows.saturating_add(known);
            chunk.push(window);
        }
        if !chunk.is_empty() {
            out.push(finish(chunk, windowing.order)?);
        }
    }
    Ok(out)
}

fn finish(mut chunk: Vec<Window>, order: Order) -> Result<Request, SyncError> {
    if order == Order::Newest {
        chunk.reverse();
    }
    Request::covering(chunk)
}

/// Puts `requests` in the run's order: snapshots and records first, then the dated requests
/// newest (by their last day) or oldest (by their first day) first, reports in their order
/// where dates tie.
pub fn sort(requests: &mut [Request], order: Order) {
    requests.sort_by_key(|r| match (r.range, order) {
        (None, _) => (0, 0),
        (Some(range), Order::Newest) => (1, -range.end().to_julian_day()),
        (Some(range), Order::Oldest) => (1, range.start().to_julian_day()),
    });
}

/// The month key (`2024-03`) of a row, from the field that dates it.
fn month_of(record: &str, field: &str, kind: ColumnKind) -> Option<String> {
    let fields = fields(record)?;
    let raw = fields.get(field)?;
    // A timestamp is taken by the date it was sent with (the vendor's own day), not by UTC.
    let kind = match kind {
        ColumnKind::UsDate => ColumnKind::UsDate,
        _ => ColumnKind::IsoDate,
    };
    match kind.convert(raw) {
        Value::Text(iso) => iso.get(..7).map(str::to_owned),
        _ => None,
    }
}

/// The rows of `records` (a request's answer, in the vendor's order) per window of the
/// request, in the same order. `None` when a row cannot be placed (its date is missing or
/// outside the request's months): then the request must be asked for window by window.
pub fn bucket(request: &Request, records: Vec<String>) -> Option<Vec<Vec<String>>> {
    if request.windows.len() == 1 {
        return Some(vec![records]);
    }
    let table = table(request.report.table()).ok()?;
    let RangeRows::Dated { field } = table.rows else {
        return None;
    };
    let kind = table.columns.iter().find(|c| c.wire == field)?.kind;
    let mut out = vec![Vec::new(); request.windows.len()];
    for record in records {
        let month = month_of(&record, field, kind)?;
        let at = request.windows.iter().position(|w| w.key == month)?;
        out[at].push(record);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::month_windows;

    fn months(from: &str, to: &str, skip: &[&str]) -> Vec<(Window, bool, Option<u64>)> {
        let range = DateRange::parse(from, to).expect("range");
        month_windows(Report::AlohaAppointments, range)
            .expect("months")
            .into_iter()
            .map(|w| {
                let fetch = !skip.contains(&w.key.as_str());
                (w, fetch, Some(100))
            })
            .collect()
    }

    fn spans(requests: &[Request]) -> Vec<String> {
        requests
            .iter()
            .map(|r| {
                let range = r.range.expect("dates");
                format!("{}..{}", range.start(), range.end())
            })
            .collect()
    }

    #[test]
    fn list_reports_take_a_year_per_request_and_skip_covered_months() {
        let w = Windowing::default();
        let all = requests(
            Report::AlohaAppointments,
            months("2005-01-01", "2024-12-31", &[]),
            &w,
        )
        .expect("requests");
        assert_eq!(all.len(), 20);
        assert!(all.iter().all(|r| r.windows.len() == 12));
        // Newest first: the first request ends where the range ends, and years stay calendar
        // years when the range is whole years.
        assert_eq!(spans(&all)[0], "2024-01-01..2024-12-31");
        let oldest = Windowing {
            order: Order::Oldest,
            ..w
        };
        let gaps = requests(
            Report::AlohaAppointments,
            months("2024-01-01", "2024-06-30", &["2024-03", "2024-04"]),
            &oldest,
        )
        .expect("requests");
        assert_eq!(
            spans(&gaps),
            ["2024-01-01..2024-02-29", "2024-05-01..2024-06-30"]
        );
        // Monthly aggregates are never grouped.
        let monthly = requests(
            Report::AlohaClientAuthorizations,
            months("2024-01-01", "2024-06-30", &[]),
            &w,
        )
        .expect("requests");
        assert_eq!(monthly.len(), 6);
    }

    #[test]
    fn known_row_counts_keep_a_request_under_the_bound() {
        let w = Windowing {
            max_rows: 250,
            ..Windowing::default()
        };
        let r = requests(
            Report::AlohaAppointments,
            months("2024-01-01", "2024-06-30", &[]),
            &w,
        )
        .expect("requests");
        // 100 rows a month: two months a request.
        assert_eq!(
            r.iter().map(|r| r.windows.len()).collect::<Vec<_>>(),
            [2, 2, 2]
        );
        assert!(
            Windowing {
                months: 0,
                ..Windowing::default()
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn rows_are_kept_by_the_month_of_their_date() {
        let range = DateRange::parse("2024-01-01", "2024-03-31").expect("range");
        let request =
            Request::covering(month_windows(Report::AlohaAppointments, range).expect("months"))
                .expect("request");
        let row = |id: u32, date: &str| {
            format!("{{\"appointmentId\":{id},\"appointmentDate\":\"{date}\"}}")
        };
        let rows = vec![
            row(1, "01-31-2024"),
            row(2, "03-01-2024"),
            row(3, "01-02-2024"),
        ];
        let b = bucket(&request, rows.clone()).expect("placed");
        assert_eq!(
            b,
            [
                vec![rows[0].clone(), rows[2].clone()],
                vec![],
                vec![rows[1].clone()]
            ]
        );
        // A row dated outside the months, or without a date, cannot be placed.
        assert!(bucket(&request, vec![row(4, "04-01-2024")]).is_none());
        assert!(bucket(&request, vec!["{\"appointmentId\":5}".to_owned()]).is_none());
        // Halves split at a month boundary.
        let halves = request.halves().expect("halves");
        assert_eq!(
            spans(&halves),
            ["2024-01-01..2024-01-31", "2024-02-01..2024-03-31"]
        );
    }

    #[test]
    fn aerona_timestamps_place_a_row_by_the_day_it_was_sent_with() {
        let range = DateRange::parse("2024-01-01", "2024-02-29").expect("range");
        let request =
            Request::covering(month_windows(Report::AeronaPayments, range).expect("months"))
                .expect("request");
        let row = "{\"id\":1,\"paymentDate\":\"2024-01-31T23:30:00-05:00\"}".to_owned();
        let b = bucket(&request, vec![row.clone()]).expect("placed");
        assert_eq!(b[0], [row]);
    }
}
