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
    /// The typed columns.
    pub columns: &'static [Column],
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
        let string = || serde_json::from_str::<String>(text).ok();
        let converted = match self {
            ColumnKind::Integer => text.parse::<i64>().ok().map(Value::Int),
            ColumnKind::Boolean => text.parse::<bool>().ok().map(Value::Bool),
            ColumnKind::Text => string().map(Value::Text),
            ColumnKind::Money => money(text).map(Value::Text),
            ColumnKind::IsoDate => string().and_then(|s| iso_date(&s)).map(Value::Text),
            ColumnKind::UsDate => string().and_then(|s| us_date(&s)).map(Value::Text),
            ColumnKind::Clock => string().and_then(|s| clock(&s)).map(Value::Text),
            ColumnKind::Timestamp => string().and_then(|s| timestamp(&s)).map(Value::Text),
        };
        converted.unwrap_or(Value::Null)
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

    #[test]
    fn money_keeps_its_digits() {
        assert_eq!(
            ColumnKind::Money.convert(&raw("125.50")),
            Value::Text("125.50".into())
        );
        assert_eq!(
            ColumnKind::Money.convert(&raw("-3")),
            Value::Text("-3".into())
        );
        assert_eq!(
            ColumnKind::Money.convert(&raw("\"7.10\"")),
            Value::Text("7.10".into())
        );
        assert_eq!(ColumnKind::Money.convert(&raw("1e3")), Value::Null);
        assert_eq!(ColumnKind::Money.convert(&raw("null")), Value::Null);
    }

    #[test]
    fn dates_and_times_become_iso() {
        assert_eq!(
            ColumnKind::UsDate.convert(&raw("\"03-07-2024\"")),
            Value::Text("2024-03-07".into())
        );
        assert_eq!(
            ColumnKind::UsDate.convert(&raw("\"02-30-2024\"")),
            Value::Null
        );
        assert_eq!(
            ColumnKind::IsoDate.convert(&raw("\"2024-03-07\"")),
            Value::Text("2024-03-07".into())
        );
        assert_eq!(
            ColumnKind::Clock.convert(&raw("\"09:05 AM\"")),
            Value::Text("09:05:00".into())
        );
        assert_eq!(
            ColumnKind::Clock.convert(&raw("\"12:30 AM\"")),
            Value::Text("00:30:00".into())
        );
        assert_eq!(
            ColumnKind::Clock.convert(&raw("\"01:30 PM\"")),
            Value::Text("13:30:00".into())
        );
        assert_eq!(
            ColumnKind::Timestamp.convert(&raw("\"2024-10-26T02:00:00+02:00\"")),
            Value::Text("2024-10-26T00:00:00Z".into())
        );
        assert_eq!(ColumnKind::Integer.convert(&raw("\"12\"")), Value::Null);
        assert_eq!(ColumnKind::Boolean.convert(&raw("true")), Value::Bool(true));
    }
}
