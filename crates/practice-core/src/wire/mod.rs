//! Serde helpers for the vendors' wire formats, so that a record serialised back out equals
//! what the server sent.
//!
//! * Money is a [`Decimal`] read from the JSON number's own digits (never through `f64`), so
//!   `140.50` stays `140.50`. Use it through the [`Money`] adapter.
//! * Dates and times use the `time` crate through `serde_with` adapters: [`IsoDate`]
//!   (`YYYY-MM-DD`), [`UsDate`] (`mm-dd-yyyy`), [`ClockTime`] (`hh:mm tt`) and [`Timestamp`]
//!   (RFC 3339).
//! * [`UnknownFields`] keeps fields a model does not name as raw JSON text, digits and all;
//!   [`ExplicitNulls`] remembers which named fields arrived as `null` rather than absent.
//!
//! * A field that does not match its documented type or format never costs its record: each
//!   adapter's `read` says whether raw text reads exactly, reads but is written differently,
//!   or is refused, and [`Deviations`] keeps the original text of any field that is not exact
//!   (see [`deviation`]).
//!
//! These adapters read raw JSON text and so work with `serde_json` only, which is the only
//! format either vendor speaks. Generated records borrow each field's raw text from the input,
//! so they decode from JSON held in memory (`from_slice`/`from_str`), not from a reader.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
pub use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_with::{DeserializeAs, SerializeAs};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

pub mod deviation;

pub use deviation::{
    Deviating, Deviation, Deviations, Reading, read_code, read_plain, read_string,
};

/// Exact money: a JSON number (or numeric string) read digit for digit into a [`Decimal`] and
/// written back as a JSON number with the same digits.
///
/// ```
/// use practice_core::wire::{Decimal, Money};
/// #[serde_with::serde_as]
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Row { #[serde_as(as = "Money")] amount: Decimal }
/// let row: Row = serde_json::from_str(r#"{"amount":140.50}"#).unwrap();
/// assert_eq!(row.amount.to_string(), "140.50");
/// assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"amount":140.50}"#);
/// ```
#[derive(Debug)]
pub struct Money;

impl<'de> DeserializeAs<'de, Decimal> for Money {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        parse_money(raw.get()).map_err(D::Error::custom)
    }
}

impl SerializeAs<Decimal> for Money {
    fn serialize_as<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Parses money from raw JSON text: a number, or a string holding one. Exact or refused:
/// an amount that a [`Decimal`] cannot hold digit for digit (more than 28 significant digits,
/// or an exponent that would need rounding) is an error, never rounded.
pub fn parse_money(text: &str) -> Result<Decimal, String> {
    exact_decimal(text)
        .ok_or_else(|| format!("expected an exact money amount, got {}", excerpt(text, 40)))
}

impl Money {
    /// What money fields expect, in deviations and errors.
    pub const EXPECTED: &'static str = "an exact decimal number (at most 28 significant digits)";

    /// Reads raw JSON text tolerantly: a plain number that writes back as sent is exact; a
    /// quoted number or one with an exponent is read exactly but kept as sent; anything that
    /// would need rounding is refused.
    pub fn read(raw: &str) -> Reading<Decimal> {
        match exact_decimal(raw) {
            Some(value) if value.to_string() == raw => Reading::Exact(value),
            Some(value) => Reading::Reformatted(value, Self::EXPECTED),
            None => Reading::Refused(Self::EXPECTED),
        }
    }
}

/// The exact [`Decimal`] of a JSON number's text (or of a string holding one), or `None` when
/// it cannot be held without rounding.
fn exact_decimal(text: &str) -> Option<Decimal> {
    let digits = text.trim();
    let digits = digits
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(digits);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    // Only JSON's number characters: `Decimal`'s parser would also take `+` and `_`.
    let json_number = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    if mantissa.is_empty() || !json_number(mantissa) {
        return None;
    }
    let mantissa = Decimal::from_str_exact(mantissa).ok()?;
    let Some(exponent) = exponent else {
        return Some(mantissa);
    };
    let exponent: i64 = exponent.parse().ok()?;
    let scale = i64::from(mantissa.scale());
    // value = m × 10^-scale × 10^exponent = m × 10^-(scale - exponent).
    let new_scale = scale.checked_sub(exponent)?;
    if new_scale >= 0 {
        let new_scale = u32::try_from(new_scale).ok()?;
        Decimal::try_from_i128_with_scale(mantissa.mantissa(), new_scale).ok()
    } else {
        let power = u32::try_from(new_scale.checked_neg()?).ok()?;
        let factor = 10i128.checked_pow(power)?;
        let whole = mantissa.mantissa().checked_mul(factor)?;
        Decimal::try_from_i128_with_scale(whole, 0).ok()
    }
}

macro_rules! time_format {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $fmt:expr, $expect:literal, $parse:path, $format:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl $name {
            /// The wire format, as the `time` crate describes it.
            pub const FORMAT: &'static [BorrowedFormatItem<'static>] = $fmt;

            /// Parses the wire text.
            pub fn parse(text: &str) -> Result<$ty, String> {
                $parse(text, Self::FORMAT)
                    .map_err(|_| format!(concat!("expected ", $expect, ", got {:?}"), excerpt(text, 40)))
            }

            /// Formats a value as the wire text.
            pub fn format(value: &$ty) -> String {
                value.$format(Self::FORMAT).unwrap_or_default()
            }

            /// Reads raw JSON text tolerantly: a string in the format, or refused.
            pub fn read(raw: &str) -> Reading<$ty> {
                match deviation::string_text(raw).and_then(|text| Self::parse(&text).ok()) {
                    Some(value) => Reading::Exact(value),
                    None => Reading::Refused(concat!("a string holding ", $expect)),
                }
            }
        }

        impl<'de> DeserializeAs<'de, $ty> for $name {
            fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                let text = borrowed_text(deserializer)?;
                Self::parse(&text).map_err(D::Error::custom)
            }
        }

        impl SerializeAs<$ty> for $name {
            fn serialize_as<S: Serializer>(value: &$ty, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&Self::format(value))
            }
        }
    };
}

time_format!(
    /// A calendar date as `YYYY-MM-DD` (OpenAPI `format: date`).
    IsoDate, Date, format_description!("[year]-[month]-[day]"), "a date as YYYY-MM-DD",
    Date::parse, format
);
time_format!(
    /// A calendar date as `mm-dd-yyyy` (as some vendors' reports write dates).
    UsDate, Date, format_description!("[month]-[day]-[year]"), "a date as mm-dd-yyyy",
    Date::parse, format
);
time_format!(
    /// A time of day as `hh:mm tt`, for example `09:00 AM` (as some vendors' reports write times).
    ClockTime, Time,
    format_description!("[hour repr:12 padding:zero]:[minute] [period case:upper]"),
    "a time as hh:mm AM/PM", Time::parse, format
);

/// An instant as RFC 3339 (OpenAPI `format: date-time`), for example `2024-06-01T01:41:19Z`.
/// UTC is written back as `Z`.
#[derive(Debug)]
pub struct Timestamp;

impl Timestamp {
    /// Parses RFC 3339 text.
    pub fn parse(text: &str) -> Result<OffsetDateTime, String> {
        OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
            format!(
                "expected an RFC 3339 timestamp, got {:?}",
                excerpt(text, 40)
            )
        })
    }

    /// Formats as RFC 3339.
    pub fn format(value: &OffsetDateTime) -> String {
        value.format(&Rfc3339).unwrap_or_default()
    }

    /// What timestamp fields expect, in deviations and errors.
    pub const EXPECTED: &'static str = "a string holding an RFC 3339 timestamp with a time zone";

    /// Reads raw JSON text tolerantly: RFC 3339 written as [`Self::format`] writes it is
    /// exact; other RFC 3339 spellings (`+00:00`, fractions) are read and kept as sent; a
    /// timestamp without a zone (`2024-10-26T00:00:00`, as .NET servers write) is refused,
    /// since its instant is unknown, and kept as sent.
    pub fn read(raw: &str) -> Reading<OffsetDateTime> {
        let Some(text) = deviation::string_text(raw) else {
            return Reading::Refused(Self::EXPECTED);
        };
        match OffsetDateTime::parse(&text, &Rfc3339) {
            Ok(value) if Self::format(&value) == *text => Reading::Exact(value),
            Ok(value) => Reading::Reformatted(value, Self::EXPECTED),
            Err(_) => Reading::Refused(Self::EXPECTED),
        }
    }
}

impl<'de> DeserializeAs<'de, OffsetDateTime> for Timestamp {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
        let text = borrowed_text(deserializer)?;
        Self::parse(&text).map_err(D::Error::custom)
    }
}

impl SerializeAs<OffsetDateTime> for Timestamp {
    fn serialize_as<S: Serializer>(
        value: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Self::format(value))
    }
}

/// Fields a model does not name, kept as raw JSON text in the order received.
#[derive(Clone, Default)]
pub struct UnknownFields(IndexMap<String, Box<RawValue>>);

impl PartialEq for UnknownFields {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .all(|(k, v)| other.0.get(k).is_some_and(|o| o.get() == v.get()))
    }
}

impl UnknownFields {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps a field.
    pub fn insert(&mut self, name: String, value: Box<RawValue>) {
        self.0.insert(name, value);
    }

    /// The raw JSON text of a field, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.get())
    }

    /// Decodes a field into any type.
    pub fn decode<'a, T: Deserialize<'a>>(&'a self, name: &str) -> Option<serde_json::Result<T>> {
        self.0.get(name).map(|v| serde_json::from_str(v.get()))
    }

    /// Field names and raw JSON text, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.get()))
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Writes every field into a map being serialised.
    pub fn serialize_into<M: serde::ser::SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        Ok(())
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, v.get())))
            .finish()
    }
}

/// Which named fields arrived as an explicit `null` (rather than being absent), so that they
/// are written back as `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExplicitNulls(BTreeSet<&'static str>);

impl ExplicitNulls {
    /// Remembers that `field` arrived as `null`.
    pub fn mark(&mut self, field: &'static str) {
        self.0.insert(field);
    }

    /// Whether `field` arrived as `null`.
    pub fn contains(&self, field: &str) -> bool {
        self.0.contains(field)
    }
}

/// A JSON object whose fields the vendor does not document, kept whole: every field as raw
/// JSON text, in the order received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenRecord(pub UnknownFields);

impl Serialize for OpenRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        self.0.serialize_into(&mut map)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for OpenRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = IndexMap::<String, Box<RawValue>>::deserialize(deserializer)?;
        Ok(OpenRecord(UnknownFields(map)))
    }
}

impl OpenRecord {
    /// The raw JSON text of a field, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name)
    }
}

/// The first `max` characters of `text`, for error messages.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Parses a value of an integer enumeration, for generated open enums.
pub fn parse_int(text: &str) -> Option<i64> {
    i64::from_str(text).ok()
}

/// A JSON object key as generated decoders read it: borrowed from the input when it holds no
/// escapes, so that matching a known field allocates nothing (a `String` key cost one
/// allocation per field per row), and owned only when it must be kept as an unknown field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldKey<'de>(Cow<'de, str>);

impl<'de> FieldKey<'de> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned `String`, for [`UnknownFields`].
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for FieldKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        borrowed_text(deserializer).map(FieldKey)
    }
}

/// A JSON string, borrowed from the input when it holds no escapes. serde's own `Cow<str>`
/// always copies; keys, dates and timestamps are read on every row, so this saves one
/// allocation each.
fn borrowed_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'de, str>, D::Error> {
    struct TextVisitor;

    impl<'de> serde::de::Visitor<'de> for TextVisitor {
        type Value = Cow<'de, str>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(text))
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(text.to_owned()))
        }

        fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(text))
        }
    }

    deserializer.deserialize_str(TextVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{RowPolicy, rows};
    use crate::operation::OperationMeta;
    use serde_with::serde_as;

    #[serde_as]
    #[derive(Debug, Serialize, Deserialize)]
    struct Row {
        #[serde_as(as = "Option<Money>")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        charge: Option<Decimal>,
        #[serde_as(as = "Option<UsDate>")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        day: Option<Date>,
        #[serde_as(as = "Option<ClockTime>")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<Time>,
        #[serde_as(as = "Option<Timestamp>")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<OffsetDateTime>,
        #[serde_as(as = "Option<IsoDate>")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dob: Option<Date>,
    }

    static META: OperationMeta = OperationMeta {
        vendor: "test",
        name: "listRows",
        method: http::Method::GET,
        path_template: "/rows",
        idempotent: true,
        authenticated: true,
    };

    #[test]
    fn field_keys_borrow_unless_escaped() {
        let plain: FieldKey<'_> = serde_json::from_str(r#""paymentId""#).unwrap();
        assert!(matches!(plain.0, Cow::Borrowed("paymentId")));
        let escaped: FieldKey<'_> = serde_json::from_str(r#""payment\u0049d""#).unwrap();
        assert!(matches!(escaped.0, Cow::Owned(_)));
        assert_eq!(escaped.as_str(), "paymentId");
        assert_eq!(escaped.into_owned(), "paymentId");
        let owned = FieldKey::deserialize(serde::de::value::StringDeserializer::<
            serde::de::value::Error,
        >::new("x".to_owned()))
        .unwrap();
        assert!(matches!(owned.0, Cow::Owned(_)));
        assert_eq!(owned.as_str(), "x");
        // Values read the same way: an escaped timestamp takes the owned path.
        let at = |json: &str| {
            let mut de = serde_json::Deserializer::from_str(json);
            <Timestamp as DeserializeAs<'_, OffsetDateTime>>::deserialize_as(&mut de).unwrap()
        };
        assert_eq!(
            at(r#""2022-01-19T13:34:21\u005a""#),
            at(r#""2022-01-19T13:34:21Z""#)
        );
    }

    #[test]
    fn wire_formats_round_trip_exactly() {
        let text = r#"{"charge":1250.10,"day":"03-07-2024","start":"09:05 PM","at":"2024-06-01T01:41:19Z","dob":"2000-09-13"}"#;
        let decoded = rows::<Row>(&META, format!("[{text}]").as_bytes(), RowPolicy::Fail).unwrap();
        let row = decoded.into_iter().next().unwrap().typed().unwrap();
        assert_eq!(row.charge.unwrap().to_string(), "1250.10");
        assert_eq!(row.start.unwrap().hour(), 21);
        assert_eq!(serde_json::to_string(&row).unwrap(), text);
    }

    #[test]
    fn money_is_exact_where_f64_is_not() {
        let row: Row = serde_json::from_str(r#"{"charge":0.30000000000000004441}"#).unwrap();
        assert_eq!(row.charge.unwrap().to_string(), "0.30000000000000004441");
        let row: Row = serde_json::from_str(r#"{"charge":"12.00"}"#).unwrap();
        assert_eq!(row.charge.unwrap().to_string(), "12.00");
        let row: Row = serde_json::from_str(r#"{"charge":1.5e2}"#).unwrap();
        assert_eq!(row.charge.unwrap(), Decimal::from(150));
        assert!(serde_json::from_str::<Row>(r#"{"charge":"twelve"}"#).is_err());
        assert!(serde_json::from_str::<Row>(r#"{"charge":true}"#).is_err());
    }

    #[test]
    fn money_is_exact_or_refused_never_rounded() {
        assert_eq!(
            Money::read("140.50"),
            Reading::Exact(Decimal::new(14050, 2))
        );
        assert_eq!(
            Money::read(r#""5""#),
            Reading::Reformatted(Decimal::from(5), Money::EXPECTED)
        );
        assert_eq!(
            Money::read("1.25e2"),
            Reading::Reformatted(Decimal::from(125), Money::EXPECTED)
        );
        assert_eq!(
            Money::read("125E-2"),
            Reading::Reformatted(Decimal::new(125, 2), Money::EXPECTED)
        );
        // 30 significant digits: a Decimal would have to round, so it is refused.
        for raw in [
            "1.23456789012345678901234567890e3",
            "123456789012345678901234567890",
            "1e40",
            "1e-40",
            r#""1_000""#,
            r#""+1""#,
            "true",
        ] {
            assert_eq!(Money::read(raw), Reading::Refused(Money::EXPECTED), "{raw}");
            assert!(parse_money(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn timestamps_without_a_zone_or_in_another_spelling_are_noted() {
        let utc = Timestamp::parse("2024-10-26T00:00:00Z").unwrap();
        assert_eq!(
            Timestamp::read(r#""2024-10-26T00:00:00Z""#),
            Reading::Exact(utc)
        );
        assert_eq!(
            Timestamp::read(r#""2024-10-26T00:00:00+00:00""#),
            Reading::Reformatted(utc, Timestamp::EXPECTED)
        );
        assert_eq!(
            Timestamp::read(r#""2024-10-26T00:00:00""#),
            Reading::Refused(Timestamp::EXPECTED)
        );
        assert_eq!(
            Timestamp::read("20241026"),
            Reading::Refused(Timestamp::EXPECTED)
        );
        assert!(matches!(UsDate::read(r#""03-07-2024""#), Reading::Exact(_)));
        assert!(matches!(
            UsDate::read(r#""2024-03-07""#),
            Reading::Refused(_)
        ));
    }

    #[test]
    fn a_bad_date_names_row_and_field() {
        let body = br#"[{"day":"03-07-2024"},{"day":"2024-03-07"}]"#;
        let err = rows::<Row>(&META, body, RowPolicy::Fail).unwrap_err();
        let detail = err.decode_detail().unwrap();
        assert_eq!((detail.row, detail.path.as_str()), (Some(1), "$[1].day"));
        assert!(err.to_string().contains("mm-dd-yyyy"), "{err}");
    }

    #[test]
    fn open_records_keep_every_field_verbatim() {
        let text = r#"{"id":7,"fee":140.50,"nested":{"a":[1,2.0]},"note":null}"#;
        let record: OpenRecord = serde_json::from_str(text).unwrap();
        assert_eq!(record.get("fee"), Some("140.50"));
        assert_eq!(serde_json::to_string(&record).unwrap(), text);
        assert_eq!(record.0.decode::<i64>("id").unwrap().unwrap(), 7);
        let again: OpenRecord = serde_json::from_str(text).unwrap();
        assert_eq!(record, again);
    }
}
