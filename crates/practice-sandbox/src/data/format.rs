//! How generated values are written: money with its cents, fields that may be absent or
//! `null`, the vendors' date and clock formats, and records as JSON text.

use serde::{Serialize, Serializer};
use time::Date;

/// An amount in cents, written as a JSON number with two decimals (`125.50`, `0.00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money(pub i64);

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(money(self.0))
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// A field that may be present, explicitly `null`, or left out of the row entirely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt<T> {
    Absent,
    Null,
    Some(T),
}

impl<T> Opt<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Opt::Absent)
    }
}

impl<T: Serialize> Serialize for Opt<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Opt::Some(value) => value.serialize(serializer),
            Opt::Absent | Opt::Null => serializer.serialize_none(),
        }
    }
}

/// JSON text of a record (the structs below cannot fail to serialize).
pub fn json<T: Serialize>(record: &T) -> String {
    serde_json::to_string(record).unwrap_or_else(|_| "{}".to_owned())
}

/// `mm-dd-yyyy`.
pub fn us_date(d: Date) -> String {
    format!("{:02}-{:02}-{}", d.month() as u8, d.day(), d.year())
}

/// `YYYY-MM-DD`.
pub fn iso_date(d: Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// `hh:mm AM`.
pub fn clock(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let (h12, tt) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{h12:02}:{m:02} {tt}")
}

/// Cents as JSON number text with two decimals, e.g. `125.50`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}
