//! What to fetch: the reports, their windows (whole calendar months, so that a window's
//! rows are the same whichever `--from` asked for them), which windows a run still needs
//! given the coverage table and the look-back, and the requests that fetch them
//! ([`crate::windows`]: several months a request for list reports).

use practice_core::DateRange;
use practice_core::time::{
    Date, Duration, Month, OffsetDateTime, format_description::well_known::Rfc3339,
};
use sqlx::Row as _;

use crate::db::Db;
use crate::error::SyncError;
pub use crate::report::{Report, Window};
use crate::windows::{self, Request, Windowing};

/// The whole calendar months that cover `range`, one window each.
pub fn month_windows(report: Report, range: DateRange) -> Result<Vec<Window>, SyncError> {
    let bad = |what: &str| SyncError::Input(format!("cannot split the range into months: {what}"));
    let mut windows = Vec::new();
    let mut start = range.start().replace_day(1).map_err(|_| bad("first day"))?;
    while start <= range.end() {
        let next = first_of_next_month(start).ok_or_else(|| bad("month overflow"))?;
        let end = next.previous_day().ok_or_else(|| bad("month end"))?;
        windows.push(Window {
            report,
            key: format!("{:04}-{:02}", start.year(), u8::from(start.month())),
            range: Some(DateRange::new(start, end).map_err(|e| bad(e.message()))?),
            id: None,
        });
        start = next;
    }
    Ok(windows)
}

fn first_of_next_month(date: Date) -> Option<Date> {
    let (year, month) = match date.month() {
        Month::December => (date.year().checked_add(1)?, Month::January),
        month => (date.year(), month.next()),
    };
    Date::from_calendar_date(year, month, 1).ok()
}

/// A window's coverage entry.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// When its rows were last fetched.
    pub fetched_at: OffsetDateTime,
    /// How many rows it had then.
    pub rows: Option<u64>,
}

/// The coverage of `report`, by window key.
pub async fn coverage(
    db: &Db,
    report: Report,
) -> Result<std::collections::HashMap<String, Coverage>, SyncError> {
    let sql = format!(
        "SELECT window_key, fetched_at, row_count FROM sync_coverage WHERE account = {} AND report = {}",
        db.arg(1),
        db.arg(2)
    );
    let rows = sqlx::query(&sql)
        .bind(db.account().to_owned())
        .bind(report.table())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let key: String = row.try_get(0).ok()?;
            let at: String = row.try_get(1).ok()?;
            let fetched_at = OffsetDateTime::parse(&at, &Rfc3339).ok()?;
            let rows = row
                .try_get::<i64, _>(2)
                .ok()
                .and_then(|n| u64::try_from(n).ok());
            Some((key, Coverage { fetched_at, rows }))
        })
        .collect())
}

/// Whether a covered window must be fetched again: its rows could still change when they
/// were fetched (the window ended less than `lookback` before), or it is a snapshot.
pub fn stale(window: &Window, covered: Option<&Coverage>, lookback: Duration) -> bool {
    let Some(covered) = covered else {
        return true;
    };
    if window.report.is_snapshot() {
        return true;
    }
    let Some(range) = &window.range else {
        // A single record (a patient): fetched once.
        return false;
    };
    let settled = range
        .end()
        .next_day()
        .map(|d| d.midnight().assume_utc())
        .and_then(|end| end.checked_add(lookback));
    match settled {
        Some(settled) => covered.fetched_at < settled,
        None => true,
    }
}

/// The requests a run must send, and the windows they cover.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The requests, in fetch order.
    pub requests: Vec<Request>,
    /// Windows already covered and settled, skipped.
    pub skipped: usize,
}

impl Plan {
    /// The windows the requests cover.
    pub fn windows(&self) -> usize {
        self.requests.iter().map(|r| r.windows.len()).sum()
    }

    /// Requests per report.
    pub fn per_report(&self) -> Vec<(Report, usize)> {
        let mut out: Vec<(Report, usize)> = Vec::new();
        for w in &self.requests {
            match out.iter_mut().find(|(r, _)| *r == w.report) {
                Some((_, n)) => *n += 1,
                None => out.push((w.report, 1)),
            }
        }
        out
    }
}

/// The plan for `reports` over `range` (clients need no range): the windows the coverage and
/// the look-back say to fetch, as requests sized and ordered by `windowing`.
pub async fn plan(
    db: &Db,
    reports: &[Report],
    range: DateRange,
    lookback: Duration,
    windowing: &Windowing,
) -> Result<Plan, SyncError> {
    windowing.check()?;
    let mut plan = Plan::default();
    for &report in reports {
        let windows = if report.is_snapshot() {
            vec![Window {
                report,
                key: "all".into(),
                range: None,
                id: None,
            }]
        } else {
            month_windows(report, range)?
        };
        let covered = coverage(db, report).await?;
        let mut months = Vec::with_capacity(windows.len());
        for window in windows {
            let seen = covered.get(&window.key);
            let fetch = stale(&window, seen, lookback);
            if !fetch {
                plan.skipped += 1;
            }
            months.push((window, fetch, seen.and_then(|c| c.rows)));
        }
        plan.requests
            .extend(windows::requests(report, months, windowing)?);
    }
    windows::sort(&mut plan.requests, windowing.order);
    Ok(plan)
}

/// The patients named by stored payments and invoices whose record is not stored yet.
pub async fn patient_windows(db: &Db) -> Result<Vec<Window>, SyncError> {
    let sql = format!(
        "SELECT DISTINCT patient_id FROM (SELECT patient_id FROM aerona_payments WHERE account = {a} UNION SELECT patient_id FROM aerona_invoices WHERE account = {a}) AS named WHERE patient_id IS NOT NULL ORDER BY patient_id",
        a = db.arg(1)
    );
    let rows = sqlx::query(&sql)
        .bind(db.account().to_owned())
        .fetch_all(&db.pool)
        .await?;
    let covered = coverage(db, Report::AeronaPatients).await?;
    Ok(rows
        .iter()
        .filter_map(|row| row.try_get::<i64, _>(0).ok())
        .map(|id| Window {
            report: Report::AeronaPatients,
            key: format!("patient/{id}"),
            range: None,
            id: Some(id),
        })
        .filter(|w| !covered.contains_key(&w.key))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_months() {
        let range = DateRange::parse("2024-01-15", "2024-03-02").unwrap_or_else(|e| panic!("{e}"));
        let windows =
            month_windows(Report::AlohaAppointments, range).unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<_> = windows.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["2024-01", "2024-02", "2024-03"]);
        let feb = windows[1]
            .range
            .as_ref()
            .map(|r| (r.start().to_string(), r.end().to_string()));
        assert_eq!(feb, Some(("2024-02-01".into(), "2024-02-29".into())));
    }

    #[test]
    fn settled_windows_are_not_fetched_again() {
        let range = DateRange::parse("2024-01-01", "2024-01-31").unwrap_or_else(|e| panic!("{e}"));
        let window =
            &month_windows(Report::AlohaAppointments, range).unwrap_or_else(|e| panic!("{e}"))[0];
        let at = |s: &str| Coverage {
            fetched_at: OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{e}")),
            rows: None,
        };
        let lookback = Duration::days(30);
        assert!(stale(window, None, lookback));
        assert!(stale(window, Some(&at("2024-02-15T00:00:00Z")), lookback));
        assert!(!stale(window, Some(&at("2024-03-02T00:00:00Z")), lookback));
    }
}
