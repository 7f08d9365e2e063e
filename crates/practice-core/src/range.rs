//! Long date ranges: split into chunks of a few days, fetched one after another within the
//! quota, yielded as one stream of rows in date order. Memory holds one chunk at a time.
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::collections::VecDeque;
use std::future::Future;
use std::str::FromStr;

use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use time::{Date, Duration as Days, Month};

use crate::error::{Error, ErrorKind};

/// Days per request of the vendor crates' streaming helpers, unless the caller says otherwise.
pub const DEFAULT_DAYS_PER_CHUNK: u32 = 31;

/// An inclusive range of calendar dates, as the report endpoints take them.
///
/// A month in one call, or either form a user types (`2024-03-01..2024-03-31`, `2024-03`):
///
/// ```
/// # use practice_core as aloha_api;
/// use aloha_api::DateRange;
///
/// let march = DateRange::month(2024, 3)?;
/// assert_eq!(march, "2024-03".parse()?);
/// assert_eq!(march, "2024-03-01..2024-03-31".parse()?);
/// assert_eq!((march.days(), march.to_string().as_str()), (31, "2024-03-01..2024-03-31"));
/// # Ok::<(), aloha_api::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    start: Date,
    end: Date,
}

impl DateRange {
    /// The dates from `start` to `end`, both included. Fails (nothing sent) if `end` is before
    /// `start`.
    pub fn new(start: Date, end: Date) -> Result<Self, Error> {
        if end < start {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("the range ends ({end}) before it starts ({start})"),
            ));
        }
        Ok(DateRange { start, end })
    }

    /// The range between two `YYYY-MM-DD` dates, both included.
    ///
    /// ```
    /// let range = practice_core::DateRange::parse("2024-01-01", "2024-01-31").unwrap();
    /// assert_eq!(range.days(), 31);
    /// assert!(practice_core::DateRange::parse("01-01-2024", "2024-01-31").is_err());
    /// ```
    pub fn parse(start: &str, end: &str) -> Result<Self, Error> {
        let date = |text: &str| crate::wire::IsoDate::parse(text).map_err(Error::invalid_request);
        Self::new(date(start)?, date(end)?)
    }

    /// Every day of `month` (1 to 12) of `year`. Fails (nothing sent) for a month outside 1–12
    /// or a year outside the calendar (±9999).
    ///
    /// ```
    /// # use practice_core as aloha_api;
    /// let february = aloha_api::DateRange::month(2024, 2)?;
    /// assert_eq!(february.end().to_string(), "2024-02-29");
    /// assert!(aloha_api::DateRange::month(2024, 13).is_err());
    /// # Ok::<(), aloha_api::Error>(())
    /// ```
    pub fn month(year: i32, month: u8) -> Result<Self, Error> {
        let month = Month::try_from(month)?;
        let start = Date::from_calendar_date(year, month, 1)?;
        let end = Date::from_calendar_date(year, month, month.length(year))?;
        Self::new(start, end)
    }

    /// The first date.
    pub fn start(&self) -> Date {
        self.start
    }

    /// The last date.
    pub fn end(&self) -> Date {
        self.end
    }

    /// How many days the range covers.
    pub fn days(&self) -> i64 {
        // Provably safe: two dates of years ±9999 are at most 2 × 9999 × 366 days apart.
        #[allow(clippy::arithmetic_side_effects)]
        let between = self.end - self.start;
        between.whole_days().saturating_add(1)
    }

    /// Consecutive, non-overlapping chunks of at most `days_per_chunk` days covering the range
    /// in order.
    pub fn chunks(&self, days_per_chunk: u32) -> Result<Vec<DateRange>, Error> {
        if days_per_chunk == 0 {
            return Err(Error::invalid_request("days per chunk must be at least 1"));
        }
        // The chunk's last day is `days_per_chunk - 1` days after its first; past the end of the
        // calendar (December 9999) the range's own end is the bound.
        let span = Days::days(i64::from(days_per_chunk).saturating_sub(1));
        let mut chunks = Vec::new();
        let mut start = self.start;
        while start <= self.end {
            let end = start
                .checked_add(span)
                .map_or(self.end, |e| e.min(self.end));
            chunks.push(DateRange { start, end });
            match end.next_day() {
                Some(next) => start = next,
                None => break,
            }
        }
        Ok(chunks)
    }
}

/// `YYYY-MM-DD..YYYY-MM-DD` (both included), as [`DateRange::from_str`] reads it back.
impl std::fmt::Display for DateRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let iso = crate::wire::IsoDate::format;
        write!(f, "{}..{}", iso(&self.start), iso(&self.end))
    }
}

/// Reads `2024-03-01..2024-03-31` (both dates included) or a whole month, `2024-03`.
impl FromStr for DateRange {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let refused = |why: String| {
            Error::invalid_request(format!(
                "not a date range: {:?} ({why}; expected YYYY-MM-DD..YYYY-MM-DD or YYYY-MM)",
                crate::wire::excerpt(text, 40)
            ))
        };
        if let Some((start, end)) = text.split_once("..") {
            let date = |part: &str| crate::wire::IsoDate::parse(part).map_err(&refused);
            return Self::new(date(start)?, date(end)?).map_err(|e| refused(e.message().into()));
        }
        let month = text
            .split_once('-')
            .filter(|(year, month)| year.len() == 4 && month.len() == 2)
            .and_then(|(year, month)| Some((year.parse().ok()?, month.parse().ok()?)))
            .filter(|_| text.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
        match month {
            Some((year, month)) => {
                Self::month(year, month).map_err(|e| refused(e.message().into()))
            }
            None => Err(refused("neither two dates nor a month".into())),
        }
    }
}

/// A date that `time` could not build (a day or month out of range): invalid input, with
/// `time`'s error as the source, so `Date::from_calendar_date(..)?` needs no `map_err`.
impl From<time::error::ComponentRange> for Error {
    fn from(err: time::error::ComponentRange) -> Self {
        Error::invalid_request(format!("not a calendar date: {err}")).with_source(err)
    }
}

/// Text that `time` could not read as a date: invalid input, with `time`'s error as the
/// source, so `Date::parse(..)?` needs no `map_err`.
impl From<time::error::Parse> for Error {
    fn from(err: time::error::Parse) -> Self {
        Error::invalid_request(format!("not a date: {err}")).with_source(err)
    }
}

/// Fetches `chunks` one at a time with `fetch` and yields their rows, each chunk's rows sorted
/// by `date_of` (stable; rows without a date keep their place at the chunk's end). The first
/// error ends the stream.
pub fn rows_by_chunk<T, F, Fut>(
    chunks: Vec<DateRange>,
    fetch: F,
    date_of: fn(&T) -> Option<Date>,
) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(DateRange) -> Fut,
    Fut: Future<Output = Result<Vec<T>, Error>>,
{
    struct State<T, F> {
        chunks: VecDeque<DateRange>,
        rows: VecDeque<T>,
        fetch: F,
        failed: bool,
    }
    let state = State {
        chunks: chunks.into(),
        rows: VecDeque::new(),
        fetch,
        failed: false,
    };
    stream::unfold(state, move |mut state| async move {
        loop {
            if state.failed {
                return None;
            }
            if let Some(row) = state.rows.pop_front() {
                return Some((Ok(row), state));
            }
            let chunk = state.chunks.pop_front()?;
            match (state.fetch)(chunk).await {
                Ok(mut rows) => {
                    rows.sort_by_key(|row| date_of(row).map_or((1, Date::MAX), |d| (0, d)));
                    state.rows = rows.into();
                }
                Err(err) => {
                    state.failed = true;
                    return Some((Err(err), state));
                }
            }
        }
    })
}

/// Like [`stream_in_chunks`], over chunks split some other way (a vendor's month-aligned
/// reports): a failed split ends the stream with its error as the first item.
pub fn stream_chunks<T, F, Fut>(
    chunks: Result<Vec<DateRange>, Error>,
    fetch: F,
    date_of: fn(&T) -> Option<Date>,
) -> impl Stream<Item = Result<T, Error>> + Send + Unpin + 'static
where
    T: Send + 'static,
    F: FnMut(DateRange) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Vec<T>, Error>> + Send + 'static,
{
    let (chunks, early) = match chunks {
        Ok(chunks) => (chunks, None),
        Err(err) => (Vec::new(), Some(err)),
    };
    Box::pin(stream::iter(early.map(Err)).chain(rows_by_chunk(chunks, fetch, date_of)))
}

/// A long range as one stream of rows in date order, the glue every vendor crate's streaming
/// helper needs: `range` is split into chunks of `days_per_chunk` days, each fetched with
/// `fetch` in turn (see [`rows_by_chunk`]). An unusable chunk size is the stream's only item.
pub fn stream_in_chunks<T, F, Fut>(
    range: DateRange,
    days_per_chunk: u32,
    fetch: F,
    date_of: fn(&T) -> Option<Date>,
) -> impl Stream<Item = Result<T, Error>> + Send + Unpin + 'static
where
    T: Send + 'static,
    F: FnMut(DateRange) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Vec<T>, Error>> + Send + 'static,
{
    stream_chunks(range.chunks(days_per_chunk), fetch, date_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn chunks_cover_the_range_exactly() {
        let range = DateRange::new(date!(2024 - 01 - 01), date!(2024 - 03 - 01)).unwrap();
        assert_eq!(range.days(), 61);
        let chunks = range.chunks(30).unwrap();
        let bounds: Vec<_> = chunks
            .iter()
            .map(|c| (c.start().to_string(), c.end().to_string()))
            .collect();
        assert_eq!(
            bounds,
            [
                ("2024-01-01".into(), "2024-01-30".into()),
                ("2024-01-31".into(), "2024-02-29".into()),
                ("2024-03-01".into(), "2024-03-01".into()),
            ]
        );
        assert_eq!(
            DateRange::new(date!(2024 - 05 - 05), date!(2024 - 05 - 05))
                .unwrap()
                .chunks(7)
                .unwrap()
                .len(),
            1
        );
        assert!(range.chunks(0).is_err());
        let err = DateRange::new(date!(2024 - 02 - 01), date!(2024 - 01 - 01)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn a_month_is_every_day_of_it() {
        let feb = DateRange::month(2024, 2).unwrap();
        assert_eq!(
            (feb.start(), feb.end()),
            (date!(2024 - 02 - 01), date!(2024 - 02 - 29))
        );
        assert_eq!(DateRange::month(2023, 2).unwrap().days(), 28);
        assert_eq!(
            DateRange::month(2024, 12).unwrap().end(),
            date!(2024 - 12 - 31)
        );
        for (year, month) in [
            (2024, 0),
            (2024, 13),
            (2024, 255),
            (10_000, 1),
            (i32::MIN, 1),
        ] {
            let err = DateRange::month(year, month).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{year}-{month}");
            assert!(std::error::Error::source(&err).is_some(), "{err}");
        }
    }

    #[test]
    fn from_str_reads_two_dates_or_a_month_and_displays_back() {
        let march = DateRange::month(2024, 3).unwrap();
        assert_eq!("2024-03".parse::<DateRange>().unwrap(), march);
        assert_eq!(
            "2024-03-01..2024-03-31".parse::<DateRange>().unwrap(),
            march
        );
        assert_eq!(march.to_string().parse::<DateRange>().unwrap(), march);
        let day: DateRange = "2024-05-05..2024-05-05".parse().unwrap();
        assert_eq!(day.days(), 1);
    }

    #[test]
    fn from_str_refuses_what_is_not_a_range_and_says_why() {
        for text in [
            "",
            "2024",
            "2024-3",
            "24-03",
            "2024-13",
            "2024-00",
            "+024-03",
            "2024-03-01",
            "2024-03..2024-04",
            "2024-03-31..2024-03-01",
            "2024-02-30..2024-03-01",
            "2024-03-01..",
            "..2024-03-01",
            "2024-03-01...2024-03-31",
            " 2024-03",
            "2024-03-01..2024-03-31\n",
            "２０２４-03",
        ] {
            let err = text.parse::<DateRange>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{text:?}");
            let shown = err.to_string();
            assert!(shown.contains("not a date range"), "{text:?}: {shown}");
            assert!(
                shown.contains("YYYY-MM-DD..YYYY-MM-DD or YYYY-MM"),
                "{shown}"
            );
        }
        let backwards = "2024-03-31..2024-03-01".parse::<DateRange>().unwrap_err();
        assert!(
            backwards.to_string().contains("before it starts"),
            "{backwards}"
        );
    }

    #[test]
    fn times_date_errors_convert_without_map_err() {
        fn build(day: u8) -> Result<Date, Error> {
            Ok(Date::from_calendar_date(2024, Month::February, day)?)
        }
        fn parse(text: &str) -> Result<Date, Error> {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            Ok(Date::parse(text, &format)?)
        }
        assert_eq!(build(29).unwrap(), date!(2024 - 02 - 29));
        let err = build(30).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.to_string().contains("not a calendar date"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
        let err = parse("2024-02-3x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.to_string().contains("not a date"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[tokio::test]
    async fn rows_stream_in_date_order_one_chunk_at_a_time() {
        let range = DateRange::new(date!(2024 - 01 - 01), date!(2024 - 01 - 10)).unwrap();
        let mut fetched = Vec::new();
        let stream = rows_by_chunk(
            range.chunks(5).unwrap(),
            |chunk: DateRange| {
                fetched.push(chunk.start());
                // The vendor answers out of order within a chunk.
                let rows = vec![Some(chunk.end()), None, Some(chunk.start())];
                async move { Ok::<_, Error>(rows) }
            },
            |row: &Option<Date>| *row,
        );
        let rows: Vec<_> = stream.map(Result::unwrap).collect().await;
        assert_eq!(
            rows,
            [
                Some(date!(2024 - 01 - 01)),
                Some(date!(2024 - 01 - 05)),
                None,
                Some(date!(2024 - 01 - 06)),
                Some(date!(2024 - 01 - 10)),
                None
            ]
        );
        assert_eq!(fetched.len(), 2);
    }

    #[tokio::test]
    async fn a_zero_chunk_size_is_the_streams_only_item() {
        let range = DateRange::new(date!(2024 - 01 - 01), date!(2024 - 01 - 03)).unwrap();
        let items: Vec<_> = stream_in_chunks(
            range,
            0,
            |_chunk: DateRange| async { Ok::<Vec<Date>, Error>(vec![date!(2024 - 01 - 01)]) },
            |d: &Date| Some(*d),
        )
        .collect()
        .await;
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0].as_ref().unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
    }

    #[tokio::test]
    async fn the_first_error_ends_the_stream() {
        let range = DateRange::new(date!(2024 - 01 - 01), date!(2024 - 01 - 03)).unwrap();
        let stream = rows_by_chunk(
            range.chunks(1).unwrap(),
            |chunk: DateRange| async move {
                if chunk.start() == date!(2024 - 01 - 02) {
                    Err(Error::new(ErrorKind::RateLimited, "spent"))
                } else {
                    Ok(vec![chunk.start()])
                }
            },
            |d: &Date| Some(*d),
        );
        let items: Vec<_> = stream.collect().await;
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert_eq!(
            items[1].as_ref().unwrap_err().kind(),
            ErrorKind::RateLimited
        );
    }
}
