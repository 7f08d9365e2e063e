//! What the generated tables are made of ([`crate::generated`]), and how a record's fields
//! become typed column values.

use practice_core::time::{Date, OffsetDateTime, Time, format_description::well_known::Rfc3339};
use serde_json::value::RawValue;

/// How a documented field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A whole number (BIGINT / INTEGER).
    Integer,
    /// A boolean (BOOLEAN / 0 or 1).
    Boolean,
    /// Text as sent.
    Text,
    /// Money, exact: NUMERIC in PostgreSQL, the decimal's digits as text in SQLite.
    Money,
    /// A date sent as `YYYY-MM-DD` (DATE / ISO text).
    IsoDate,
    /// A date sent as `mm-dd-yyyy` (DATE / ISO text).
    UsDate,
    /// A time of day sent as `hh:mm AM` (TIME / `HH:MM:SS` text).
    Clock,
    /// An RFC 3339 timestamp (TIMESTAMPTZ / RFC 3339 text in UTC).
    Timestamp,
}

/// One typed column of a table.
#[derive(Debug)]
pub struct Column {
    /// Its SQL name (snake_case).
    pub name: &'static str,
    /// The record's field it comes from.
    pub wire: &'static str,
    /// How it is stored.
    pub kind: ColumnKind,
}

/// One synced record kind.
#[derive(Debug)]
pub struct Table {
    /// The table's name, such as `aloha_appointments`.
    pub name: &'static str,
    /// `aloha` or `aerona`.
    pub vendor: &'static str,
    /// The field that identifies a record, if the vendor has one; without one, rows are kept
    /// per fetched window and replaced whole.
    pub key: Option<&'static str>,
    /// How the rows of its date-range report depend on the range (the spec's `x-range-rows`),
    /// and so how a run may cut the range into requests.
    pub rows: RangeRows,
    /// The typed columns.
    pub columns: &'static [Column],
}

/// How a report's rows depend on the range asked for (the spec's `x-range-rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRows {
    /// Not a date-range report: a snapshot or a record fetched by its id.
    None,
    /// A list of rows, each dated by the wire field `field`: any range returns exactly the
    /// rows dated inside it, so one request may cover many months and its rows are kept per
    /// month by their date.
    Dated {
        /// The wire field that dates a row.
        field: &'static str,
    },
    /// The answer depends on the range as a whole (monthly aggregates, or rows found *in the
    /// range*): one request per calendar month.
    PerMonth,
}

/// A typed column's value, ready to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL: the field is absent, null, or does not fit its documented type (the
    /// record keeps it as sent).
    Null,
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Text (also money, dates and times, in their canonical text form).
    Text(String),
}

impl ColumnKind {
    /// The value of a field sent as `raw` JSON.
    pub fn convert(self, raw: &RawValue) -> Value {
        let text = raw.get();
        // Dates and times are sent as strings and stored in one canonical text form.
        let canonical: fn(&str) -> Option<String> = match self {
            ColumnKind::Integer => return text.parse().map_or(Value::Null, Value::Int),
            ColumnKind::Boolean => return text.parse().map_or(Value::Null, Value::Bool),
            ColumnKind::Money => return money(text).map_or(Value::Null, Value::Text),
            ColumnKind::Text => {
                return serde_json::from_str(text).map_or(Value::Null, Value::Text);
            }
            ColumnKind::IsoDate => iso_date,
            ColumnKind::UsDate => us_date,
            ColumnKind::Clock => clock,
            ColumnKind::Timestamp => timestamp,
        };
        serde_json::from_str::<String>(text)
            .ok()
            .and_then(|s| canonical(&s))
            .map_or(Value::Null, Value::Text)
    }
}

/// A JSON number (or a string holding one) as its exact decimal digits.
fn money(text: &str) -> Option<String> {
    let digits = if text.starts_with('"') {
        serde_json::from_str::<String>(text).ok()?
    } else {
        text.to_owned()
    };
    let body = digits.strip_prefix('-').unwrap_or(&digits);
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(body.contains('.') && fraction.is_empty());
    ok.then_some(digits)
}

fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn iso_date(text: &str) -> Option<String> {
    // `YYYY-MM-DD`, or the date part of a timestamp.
    let head = text.get(..10)?;
    let mut parts = head.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let date = Date::from_calendar_date(
        y.parse().ok()?,
        practice_core::time::Month::try_from(m.parse::<u8>().ok()?).ok()?,
        d.parse().ok()?,
    )
    .ok()?;
    Some(iso(date))
}

fn us_date(text: &str) -> Option<String> {
    let mut parts = text.trim().split(['-', '/']);
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(
        y.parse().ok()?,
        practice_core::time::Month::try_from(m.parse::<u8>().ok()?).ok()?,
        d.parse().ok()?,
    )
    .ok()?;
    Some(iso(date))
}

fn clock(text: &str) -> Option<String> {
    let text = text.trim();
    let (hm, meridiem) = match text
        .len()
        .checked_sub(2)
        .and_then(|i| text.split_at_checked(i))
    {
        Some((hm, tail)) if tail.eq_ignore_ascii_case("AM") || tail.eq_ignore_ascii_case("PM") => {
            (hm.trim(), Some(tail.eq_ignore_ascii_case("PM")))
        }
        _ => (text, None),
    };
    let (h, m) = hm.split_once(':')?;
    let (mut h, m): (u8, u8) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    if let Some(pm) = meridiem {
        if h == 0 || h > 12 {
            return None;
        }
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h.checked_add(12)?,
            (h, false) => h,
        };
    }
    let time = Time::from_hms(h, m, 0).ok()?;
    Some(format!("{:02}:{:02}:00", time.hour(), time.minute()))
}

fn timestamp(text: &str) -> Option<String> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    at.to_offset(practice_core::time::UtcOffset::UTC)
        .format(&Rfc3339)
        .ok()
}

/// The record's top-level fields, each as sent (numbers keep their digits).
pub fn fields(record: &str) -> Option<std::collections::HashMap<&str, &RawValue>> {
    serde_json::from_str(record).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap_or_else(|_| panic!("bad JSON {text}"))
    }

    /// `(kind, the field as sent, what is stored)`; `None` is NULL.
    fn check(cases: &[(ColumnKind, &str, Option<&str>)]) {
        for &(kind, sent, stored) in cases {
            let expected = stored.map_or(Value::Null, |t| Value::Text(t.into()));
            assert_eq!(kind.convert(&raw(sent)), expected, "{kind:?} {sent}");
        }
    }

    #[test]
    fn money_keeps_its_digits() {
        use ColumnKind::Money;
        check(&[
            (Money, "125.50", Some("125.50")),
            (Money, "-3", Some("-3")),
            (Money, "\"7.10\"", Some("7.10")),
            (Money, "1e3", None),
            (Money, "null", None),
        ]);
    }

    #[test]
    fn dates_and_times_become_iso() {
        use ColumnKind::{Clock, IsoDate, Timestamp, UsDate};
        check(&[
            (UsDate, "\"03-07-2024\"", Some("2024-03-07")),
            (UsDate, "\"02-30-2024\"", None),
            (IsoDate, "\"2024-03-07\"", Some("2024-03-07")),
            (Clock, "\"09:05 AM\"", Some("09:05:00")),
            (Clock, "\"12:30 AM\"", Some("00:30:00")),
            (Clock, "\"01:30 PM\"", Some("13:30:00")),
            (
                Timestamp,
                "\"2024-10-26T02:00:00+02:00\"",
                Some("2024-10-26T00:00:00Z"),
            ),
            (Timestamp, "12", None),
        ]);
        assert_eq!(ColumnKind::Integer.convert(&raw("\"12\"")), Value::Null);
        assert_eq!(ColumnKind::Integer.convert(&raw("12")), Value::Int(12));
        assert_eq!(ColumnKind::Boolean.convert(&raw("true")), Value::Bool(true));
        assert_eq!(
            ColumnKind::Text.convert(&raw("\"a\\u00e9\"")),
            Value::Text("a\u{e9}".into())
        );
        assert_eq!(ColumnKind::Text.convert(&raw("3")), Value::Null);
    }
}
