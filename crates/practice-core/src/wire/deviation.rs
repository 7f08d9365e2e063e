//! Tolerant reading of one field: a value that does not match its documented type or format
//! never costs the record. It is kept exactly as sent (so the record serialises back to the
//! same text) and noted as a [`Deviation`] that names the field; strict callers turn any
//! deviation into an error (see `decode::strict`).

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::ExplicitNulls;

/// How one field's raw JSON text read as its documented type.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading<T> {
    /// Read, and the type writes it back as the same text.
    Exact(T),
    /// Read exactly, but written in another form than the type writes (for example money as
    /// `"12.00"` or `1.5e2`, or a timestamp with `+00:00`): the value is kept and so is the
    /// original text, which is what the record serialises back to. Carries what was expected.
    Reformatted(T, &'static str),
    /// Not readable as the documented type without losing or inventing something. Carries
    /// what was expected.
    Refused(&'static str),
}

impl<T> Reading<T> {
    /// The same reading of a converted value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reading<U> {
        match self {
            Reading::Exact(value) => Reading::Exact(f(value)),
            Reading::Reformatted(value, expected) => Reading::Reformatted(f(value), expected),
            Reading::Refused(expected) => Reading::Refused(expected),
        }
    }
}

/// One field of a record whose value did not match its documented type or format.
///
/// `Debug` and `Display` name the field and what was expected, never the value (which may be
/// patient data); [`Deviation::raw`] gives the value as sent.
#[derive(Clone)]
pub struct Deviation {
    field: &'static str,
    expected: &'static str,
    raw: Box<RawValue>,
    value_kept: bool,
}

impl Deviation {
    /// The field's wire name, for example `claimId`.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What the documented type expects, for example `an integer`.
    pub fn expected(&self) -> &'static str {
        self.expected
    }

    /// The value exactly as sent (raw JSON text).
    pub fn raw(&self) -> &str {
        self.raw.get()
    }

    /// Whether the typed field still holds the value (it was read exactly, only written in an
    /// unusual form); when `false` the typed field is `None` and only [`Self::raw`] has it.
    pub fn value_kept(&self) -> bool {
        self.value_kept
    }
}

impl PartialEq for Deviation {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field
            && self.expected == other.expected
            && self.value_kept == other.value_kept
            && self.raw.get() == other.raw.get()
    }
}

impl fmt::Debug for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deviation")
            .field("field", &self.field)
            .field("expected", &self.expected)
            .field("value_kept", &self.value_kept)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = if self.value_kept {
            "read, kept as sent"
        } else {
            "kept as sent, not typed"
        };
        write!(
            f,
            "field `{}` is not {} ({kept})",
            self.field, self.expected
        )
    }
}

/// The deviating fields of one record, in the order met.
#[derive(Clone, Default, PartialEq)]
pub struct Deviations(Vec<Deviation>);

impl fmt::Debug for Deviations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl Deviations {
    /// Reads one field's raw text with `read`: `null` is marked in `nulls`; a value that
    /// reads exactly is returned; anything else is kept as a [`Deviation`] (and returned
    /// only when it was read without loss). A later occurrence of the same key replaces an
    /// earlier one, as the typed value does.
    pub fn read<T>(
        &mut self,
        field: &'static str,
        raw: &RawValue,
        nulls: &mut ExplicitNulls,
        read: impl FnOnce(&str) -> Reading<T>,
    ) -> Option<T> {
        if !self.0.is_empty() {
            self.0.retain(|d| d.field != field);
        }
        if raw.get() == "null" {
            nulls.mark(field);
            return None;
        }
        let (value, expected) = match read(raw.get()) {
            Reading::Exact(value) => return Some(value),
            Reading::Reformatted(value, expected) => (Some(value), expected),
            Reading::Refused(expected) => (None, expected),
        };
        self.0.push(Deviation {
            field,
            expected,
            raw: raw.to_owned(),
            value_kept: value.is_some(),
        });
        value
    }

    /// The original text of `field`, if it deviated.
    pub fn raw(&self, field: &str) -> Option<&RawValue> {
        self.0.iter().find(|d| d.field == field).map(|d| &*d.raw)
    }

    /// The deviations, in the order met.
    pub fn iter(&self) -> impl Iterator<Item = &Deviation> {
        self.0.iter()
    }

    /// How many fields deviated.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether every field matched its type.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A record that keeps the fields which did not match their documented type (every generated
/// model with properties).
pub trait Deviating {
    /// The fields that did not match, each kept as sent.
    fn deviations(&self) -> &Deviations;
}

/// Reads a plain serde type (integer, string, boolean, string enumeration, nested record …):
/// either it reads, or it is refused.
pub fn read_plain<'a, T: Deserialize<'a>>(raw: &'a str, expected: &'static str) -> Reading<T> {
    match serde_json::from_str(raw) {
        Ok(value) => Reading::Exact(value),
        Err(_) => Reading::Refused(expected),
    }
}

/// Reads a string. The raw text has already been checked as JSON, so a string without
/// escapes (nearly every one) is its own text between the quotes: copied without a second
/// parse, which a report of string-heavy rows spends a measurable share of its time on.
pub fn read_string(raw: &str, expected: &'static str) -> Reading<String> {
    if let Some(text) = raw.strip_prefix('"').and_then(|s| s.strip_suffix('"'))
        && memchr::memchr(b'\\', text.as_bytes()).is_none()
    {
        return Reading::Exact(text.to_owned());
    }
    read_plain(raw, expected)
}

/// Reads an integer enumeration's code: a code sent as a string of digits is read, but kept
/// as sent, since the enumeration writes it back as a number.
pub fn read_code<'a, T: Deserialize<'a>>(raw: &'a str, expected: &'static str) -> Reading<T> {
    match read_plain(raw, expected) {
        Reading::Exact(value) if raw.starts_with('"') => Reading::Reformatted(value, expected),
        other => other,
    }
}

/// The text of a JSON string, borrowed when it holds no escapes; `None` for anything else.
pub(super) fn string_text(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !raw.starts_with('"') {
        return None;
    }
    serde_json::from_str::<super::FieldKey<'_>>(raw)
        .ok()
        .map(|key| key.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn a_string_reads_alike_with_and_without_escapes() {
        for raw in [
            r#""""#,
            r#""plain text""#,
            r#""caf\u00e9 \"quoted\" \\ end""#,
            r#""ends in a backslash \\""#,
            "\"non-ASCII: é ✓\"",
        ] {
            assert_eq!(
                read_string(raw, "a string"),
                read_plain::<String>(raw, "a string"),
                "{raw}"
            );
        }
        for raw in ["5", "null", "true", "[]", r#"{"a":1}"#] {
            assert_eq!(
                read_string(raw, "a string"),
                Reading::Refused("a string"),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_deviation_keeps_the_text_and_names_only_the_field() {
        let mut devs = Deviations::default();
        let mut nulls = ExplicitNulls::default();
        let got: Option<i64> = devs.read("claimId", &raw(r#""CLM-Mary""#), &mut nulls, |t| {
            read_plain(t, "an integer")
        });
        assert_eq!(got, None);
        assert_eq!(devs.len(), 1);
        let d = devs.iter().next().unwrap();
        assert_eq!(
            (d.field(), d.raw(), d.value_kept()),
            ("claimId", r#""CLM-Mary""#, false)
        );
        assert_eq!(devs.raw("claimId").unwrap().get(), r#""CLM-Mary""#);
        let shown = format!("{d} {d:?} {devs:?}");
        assert!(
            shown.contains("claimId") && !shown.contains("Mary"),
            "{shown}"
        );

        // A later, fitting occurrence of the key replaces the deviation.
        let got: Option<i64> = devs.read("claimId", &raw("7"), &mut nulls, |t| {
            read_plain(t, "an integer")
        });
        assert_eq!((got, devs.is_empty()), (Some(7), true));

        let got: Option<i64> =
            devs.read("claimId", &raw("null"), &mut nulls, |t| read_plain(t, "x"));
        assert_eq!((got, nulls.contains("claimId")), (None, true));
    }

    #[test]
    fn an_integer_code_sent_as_text_is_read_but_kept_as_sent() {
        assert_eq!(read_code::<i64>("5", "a code"), Reading::Exact(5));
        assert_eq!(
            read_code::<String>(r#""5""#, "a code"),
            Reading::Reformatted("5".to_owned(), "a code")
        );
        assert_eq!(
            read_code::<i64>("true", "a code"),
            Reading::Refused("a code")
        );
    }
}
