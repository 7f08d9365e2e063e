//! Which rows a report's date range returns, and so how a range may be split without
//! duplicating, dropping or changing a row (`docs/aloha.md`, "Date ranges").

use practice_core::time::Date;
use practice_core::{DateRange, Error};

/// How a report's range may be split into several requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Split {
    /// Each row belongs to one date inside the range (appointment date, date of service):
    /// any split into consecutive day ranges returns every row exactly once.
    ByDay,
    /// Each row covers a calendar month, returned when its month overlaps the range: split
    /// only on month boundaries, so that each month falls in exactly one chunk.
    ByMonth,
    /// The answer depends on the whole range (authorizations without appointments *in the
    /// range*): never split.
    Never,
}

impl Split {
    /// Consecutive, non-overlapping chunks covering `range`, of at most `days` days each where
    /// the report allows it: whole months for [`Split::ByMonth`] (at least one month per
    /// chunk, however small `days`), and the whole range for [`Split::Never`].
    pub fn chunks(self, range: DateRange, days: u32) -> Result<Vec<DateRange>, Error> {
        match self {
            Split::ByDay => range.chunks(days),
            Split::Never => Ok(vec![range]),
            Split::ByMonth => {
                if days == 0 {
                    return Err(Error::invalid_request("days per chunk must be at least 1"));
                }
                by_month(range, i64::from(days))
            }
        }
    }
}

/// Month-aligned chunks: months are added to a chunk while it stays within `days`.
fn by_month(range: DateRange, days: i64) -> Result<Vec<DateRange>, Error> {
    let mut chunks = Vec::new();
    let mut start = range.start();
    while start <= range.end() {
        let mut end = month_end(start).min(range.end());
        while let Some(next) = end.next_day() {
            if next > range.end() {
                break;
            }
            let candidate = month_end(next).min(range.end());
            if (candidate - start).whole_days() + 1 > days {
                break;
            }
            end = candidate;
        }
        chunks.push(DateRange::new(start, end)?);
        match end.next_day() {
            Some(next) => start = next,
            None => break,
        }
    }
    Ok(chunks)
}

/// The last day of `day`'s month.
fn month_end(day: Date) -> Date {
    day.replace_day(day.month().length(day.year()))
        .unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(chunks: &[DateRange]) -> Vec<(String, String)> {
        chunks
            .iter()
            .map(|c| (c.start().to_string(), c.end().to_string()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn monthly_reports_split_on_month_boundaries_only() {
        let range = DateRange::parse("2024-02-10", "2024-05-03").unwrap();
        assert_eq!(
            bounds(&Split::ByMonth.chunks(range, 31).unwrap()),
            pairs(&[
                ("2024-02-10", "2024-02-29"),
                ("2024-03-01", "2024-03-31"),
                ("2024-04-01", "2024-04-30"),
                ("2024-05-01", "2024-05-03"),
            ])
        );
        // Larger chunks take whole months; a chunk smaller than a month still takes one.
        assert_eq!(
            bounds(&Split::ByMonth.chunks(range, 62).unwrap()),
            pairs(&[("2024-02-10", "2024-03-31"), ("2024-04-01", "2024-05-03")])
        );
        assert_eq!(Split::ByMonth.chunks(range, 1).unwrap().len(), 4);
        assert!(Split::ByMonth.chunks(range, 0).is_err());
    }

    #[test]
    fn a_report_that_depends_on_the_whole_range_is_never_split() {
        let range = DateRange::parse("2024-01-01", "2025-12-31").unwrap();
        assert_eq!(Split::Never.chunks(range, 7).unwrap(), [range]);
        assert_eq!(Split::ByDay.chunks(range, 31).unwrap().len(), 24);
    }
}
