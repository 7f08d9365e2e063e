//! Decoding answers: errors that name the operation, the JSON path and (withheld from
//! `Display`) a short excerpt; and row-by-row decoding of report arrays so that one odd row
//! does not silently spoil a whole report.
//!
//! Inside a row, a field that does not match its documented type is tolerated: generated
//! records keep it as sent and name it (`wire::Deviations`). Strict decoding is opt-in:
//! [`RowPolicy::Strict`], checked by [`refuse_deviations`], turns the first deviating field
//! into an error naming the row and the field.

pub mod scan;
pub mod stream;

pub use scan::RowsAt;
pub use stream::{RowStream, StreamedRow};

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::error::{DecodeDetail, Error, ErrorKind};
use crate::operation::OperationMeta;
use crate::wire::{Deviating, Deviation};

/// Decodes a whole JSON body into `T`.
pub fn json<T: DeserializeOwned>(meta: &OperationMeta, body: &[u8]) -> Result<T, Error> {
    // The plain parse is the fast path; only a failure pays for tracking the JSON path, in a
    // second, identical parse that fails at the same place.
    let err = match serde_json::from_slice(body) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, err) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(tracked) => (tracked.path().to_string(), tracked.into_inner()),
        // Parsed fine, so it was the trailing bytes.
        Ok(_) => (String::new(), err),
    };
    Err(decode_error(meta, body, path, err, None))
}

/// Decodes the member `field` of a JSON object body into `T`, skipping the other members
/// without building them: for answers wrapped in an envelope such as
/// `{"status": 200, "message": "Success", "data": …}`, where the payload sits in one member.
///
/// A missing member reads as `None` when `T` is an `Option`, and is an error otherwise. The
/// error path of a payload that does not fit starts at the member (`data[3].dob`).
pub fn json_field<T: DeserializeOwned>(
    meta: &OperationMeta,
    body: &[u8],
    field: &'static str,
) -> Result<T, Error> {
    // As in [`json`]: the path is tracked only once the plain parse has failed.
    let mut de = serde_json::Deserializer::from_slice(body);
    let err = match FieldSeed::<T>::new(field)
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value))
    {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    let tracked = FieldSeed::<T>::new(field)
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let (path, err) = match tracked {
        Err(tracked) => (track.path().to_string(), tracked),
        // Parsed fine, so it was the trailing bytes.
        Ok(_) => (String::new(), err),
    };
    Err(decode_error(meta, body, path, err, None))
}

/// Finds one member of a JSON object and decodes it as `T`, ignoring the others.
struct FieldSeed<T> {
    field: &'static str,
    _value: PhantomData<fn() -> T>,
}

impl<T> FieldSeed<T> {
    fn new(field: &'static str) -> Self {
        FieldSeed {
            field,
            _value: PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for FieldSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for FieldSeed<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` member", self.field)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key != self.field {
                map.next_value::<IgnoredAny>()?;
            } else if found.is_some() {
                return Err(serde::de::Error::duplicate_field(self.field));
            } else {
                found = Some(map.next_value::<T>()?);
            }
        }
        match found {
            Some(value) => Ok(value),
            None => T::deserialize(MissingMember(self.field, PhantomData)),
        }
    }
}

/// What an absent member deserialises from: `None` for an `Option`, else "missing field".
struct MissingMember<E>(&'static str, PhantomData<E>);

impl<'de, E: serde::de::Error> Deserializer<'de> for MissingMember<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Builds a decode error for `meta` from a serde_json error at `path`.
pub fn decode_error(
    meta: &OperationMeta,
    body: &[u8],
    path: String,
    err: serde_json::Error,
    row: Option<usize>,
) -> Error {
    let excerpt = excerpt_around(body, err.line(), err.column());
    let path = if path.is_empty() || path == "." {
        "$".to_owned()
    } else {
        path
    };
    let message = describe(&err);
    Error::new(ErrorKind::Decode, message)
        .with_operation(meta.name)
        .with_decode_detail(DecodeDetail { path, row, excerpt })
}

/// serde_json's message, without any echo of the input's text (which may be patient data).
fn describe(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match err.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "invalid JSON",
        Category::Eof => "truncated JSON",
        Category::Data => "unexpected value",
    };
    // Data errors carry serde's own wording ("invalid type: string, expected i64"), which
    // names types and our own format hints but, for strings, may quote the value. Keep the
    // wording up to the first quote.
    let full = err.to_string();
    let detail = full.split(" at line ").next().unwrap_or("");
    let detail = detail
        .split('"')
        .next()
        .unwrap_or("")
        .trim_end_matches([' ', ',', ':']);
    format!(
        "{what}: {detail} (line {}, column {})",
        err.line(),
        err.column()
    )
}

fn excerpt_around(body: &[u8], line: usize, column: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return String::new();
    };
    let chars: Vec<char> = line_text.chars().collect();
    let end = column.min(chars.len());
    let start = end.saturating_sub(60);
    let stop = (end + 20).min(chars.len());
    chars[start..stop].iter().collect()
}

/// What to do with a row that does not fit its documented type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowPolicy {
    /// Fail the whole call with an error that names the row and the field (the default).
    #[default]
    Fail,
    /// Keep the row as raw JSON with its error, and go on.
    KeepRaw,
    /// As [`RowPolicy::Fail`], and a field that deviates from its documented type or format
    /// fails the call too (see [`refuse_deviations`]), instead of being kept as sent.
    Strict,
}

/// One decoded row of a report.
pub enum Row<T> {
    /// The row fit its type.
    Typed(T),
    /// The row did not fit; kept whole under [`RowPolicy::KeepRaw`].
    Raw {
        /// The row's index in the array.
        index: usize,
        /// The row exactly as received.
        raw: Box<RawValue>,
        /// Why it did not fit (names the field).
        error: Error,
    },
}

impl<T: fmt::Debug> fmt::Debug for Row<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Row::Typed(t) => f.debug_tuple("Typed").field(t).finish(),
            Row::Raw { index, error, .. } => f
                .debug_struct("Raw")
                .field("index", index)
                .field("error", error)
                .finish_non_exhaustive(),
        }
    }
}

impl<T> Row<T> {
    /// The typed row, if it fit.
    pub fn typed(self) -> Option<T> {
        match self {
            Row::Typed(t) => Some(t),
            Row::Raw { .. } => None,
        }
    }
}

/// A `DeserializeSeed` for a JSON array of rows, decoding each row on its own: only one raw
/// row is held at a time, never a second copy of the whole array.
pub struct RowsSeed<'a, T> {
    meta: &'a OperationMeta,
    policy: RowPolicy,
    path_prefix: &'a str,
    _rows: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for RowsSeed<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowsSeed")
            .field("operation", &self.meta.name)
            .field("path_prefix", &self.path_prefix)
            .finish_non_exhaustive()
    }
}

impl<'a, T> RowsSeed<'a, T> {
    /// A seed for the rows of `meta`'s answer found at `path_prefix` (e.g. `data`).
    pub fn new(meta: &'a OperationMeta, policy: RowPolicy, path_prefix: &'a str) -> Self {
        RowsSeed {
            meta,
            policy,
            path_prefix,
            _rows: PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for RowsSeed<'_, T> {
    type Value = Vec<Row<T>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        // `any`, not `seq`: `null` must reach `visit_unit` as "no rows".
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for RowsSeed<'_, T> {
    type Value = Vec<Row<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        // `data: null` reads as no rows.
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut index = 0usize;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            match decode_row::<T>(self.meta, raw.get(), self.path_prefix, index) {
                Ok(row) => rows.push(Row::Typed(row)),
                Err(error) => match self.policy {
                    RowPolicy::Fail | RowPolicy::Strict => {
                        return Err(serde::de::Error::custom(RowFailure(error)));
                    }
                    RowPolicy::KeepRaw => rows.push(Row::Raw { index, raw, error }),
                },
            }
            index += 1;
        }
        Ok(rows)
    }
}

/// Every deviating field of `rows`, with the index of its row.
pub fn deviations<T: Deviating>(rows: &[Row<T>]) -> impl Iterator<Item = (usize, &Deviation)> {
    rows.iter().enumerate().flat_map(|(index, row)| {
        let found = match row {
            Row::Typed(record) => Some(record.deviations().iter()),
            Row::Raw { .. } => None,
        };
        found.into_iter().flatten().map(move |d| (index, d))
    })
}

/// Strict decoding: the first field of `rows` that deviates from its documented type, as a
/// decode error naming the row and the field (`data[3].claimId`), or `Ok` when none does.
/// The value itself stays out of the error.
pub fn refuse_deviations<T: Deviating>(
    meta: &OperationMeta,
    path_prefix: &str,
    rows: &[Row<T>],
) -> Result<(), Error> {
    let Some((index, deviation)) = deviations(rows).next() else {
        return Ok(());
    };
    Err(deviation_error(meta, path_prefix, index, deviation))
}

/// The decode error of one deviating field under strict decoding.
pub fn deviation_error(
    meta: &OperationMeta,
    path_prefix: &str,
    index: usize,
    deviation: &Deviation,
) -> Error {
    let message = format!(
        "unexpected value: field `{}` is not {} (strict decoding)",
        deviation.field(),
        deviation.expected()
    );
    Error::new(ErrorKind::Decode, message)
        .with_operation(meta.name)
        .with_decode_detail(DecodeDetail {
            path: format!("{path_prefix}[{index}].{}", deviation.field()),
            row: Some(index),
            excerpt: String::new(),
        })
}

/// Decodes one row's raw text.
pub fn decode_row<T: DeserializeOwned>(
    meta: &OperationMeta,
    raw: &str,
    path_prefix: &str,
    index: usize,
) -> Result<T, Error> {
    // As in [`json`]: the path is tracked only once the plain parse has failed.
    let err = match serde_json::from_str(raw) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let mut de = serde_json::Deserializer::from_str(raw);
    let (inner_path, err) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(tracked) => (tracked.path().to_string(), tracked.into_inner()),
        Ok(_) => (String::new(), err),
    };
    let path = if inner_path == "." || inner_path.is_empty() {
        format!("{path_prefix}[{index}]")
    } else {
        format!("{path_prefix}[{index}].{inner_path}")
    };
    Err(decode_error(meta, raw.as_bytes(), path, err, Some(index)))
}

/// Carries a row error through serde's string-only error channel; recovered by
/// [`recover_row_error`].
struct RowFailure(Error);

impl fmt::Display for RowFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A marker the caller recognises, then the path and row only (no body text).
        let d = self.0.decode_detail();
        write!(
            f,
            "\u{1}row {} at {}\u{1}{}",
            d.and_then(|d| d.row).unwrap_or(0),
            d.map(|d| d.path.as_str()).unwrap_or(""),
            self.0.message()
        )
    }
}

/// Decodes `body` with `seed`, turning a row failure raised inside it back into the row's own
/// error (so it keeps its path and row index).
pub fn with_rows<'de, S>(meta: &OperationMeta, body: &'de [u8], seed: S) -> Result<S::Value, Error>
where
    S: DeserializeSeed<'de>,
{
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    value.map_err(|e| recover_row_error(meta, body, e))
}

fn recover_row_error(meta: &OperationMeta, body: &[u8], err: serde_json::Error) -> Error {
    let text = err.to_string();
    if let Some(rest) = text.strip_prefix('\u{1}')
        && let Some((head, message)) = rest.split_once('\u{1}')
    {
        let message = message.split(" at line ").next().unwrap_or(message);
        let (row, path) = head
            .strip_prefix("row ")
            .and_then(|h| h.split_once(" at "))
            .map(|(r, p)| (r.parse().ok(), p.to_owned()))
            .unwrap_or((None, String::new()));
        let excerpt = excerpt_around(body, err.line(), err.column());
        return Error::new(ErrorKind::Decode, message.to_owned())
            .with_operation(meta.name)
            .with_decode_detail(DecodeDetail { path, row, excerpt });
    }
    decode_error(meta, body, String::new(), err, None)
}

/// Decodes a JSON value that is a bare array of rows (the form some vendors' searches answer with).
pub fn rows<T: DeserializeOwned>(
    meta: &OperationMeta,
    body: &[u8],
    policy: RowPolicy,
) -> Result<Vec<Row<T>>, Error> {
    with_rows(meta, body, RowsSeed::<T>::new(meta, policy, "$"))
}

/// Accepts any JSON and ignores it; used to check a body is JSON at all.
#[derive(Deserialize)]
#[serde(transparent)]
struct Ignored(serde::de::IgnoredAny);

/// Whether `body` is one well-formed JSON value.
pub fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<Ignored>(body).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    static META: OperationMeta = OperationMeta {
        vendor: "test",
        name: "listThings",
        method: Method::GET,
        path_template: "/things",
        idempotent: true,
        authenticated: true,
    };

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Thing {
        id: i64,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[test]
    fn a_decode_error_names_operation_and_path_but_not_the_value() {
        let body = br#"{"id": 1, "tags": ["a", 7]}"#;
        let err = json::<Thing>(&META, body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        let d = err.decode_detail().unwrap();
        assert_eq!(d.path, "tags[1]");
        assert!(
            err.to_string().starts_with("listThings: could not decode"),
            "{err}"
        );
        assert!(!d.excerpt.is_empty());

        let body = br#"{"id": "Mary Simpson"}"#;
        let err = json::<Thing>(&META, body).unwrap_err();
        assert!(!err.to_string().contains("Mary"), "{err}");
        assert!(!format!("{err:?}").contains("Mary"), "{err:?}");
    }

    #[test]
    fn json_field_takes_the_payload_out_of_an_envelope() {
        let body = br#"{"status":200,"message":"Success","data":[{"id":9,"tags":["a"]}]}"#;
        let data: Vec<Thing> = json_field(&META, body, "data").unwrap();
        assert_eq!((data.len(), data[0].id, data[0].tags.len()), (1, 9, 1));

        // The payload may come before the other members, which are never decoded.
        let body = br#"{"data":{"id":1},"status":{"odd":[true]}}"#;
        assert_eq!(json_field::<Thing>(&META, body, "data").unwrap().id, 1);

        // A payload that does not fit is named by its path inside the envelope.
        let body = br#"{"status":200,"data":[{"id":1},{"id":"Mary Simpson"}]}"#;
        let err = json_field::<Vec<Thing>>(&META, body, "data").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert_eq!(err.decode_detail().unwrap().path, "data[1].id");
        assert!(!format!("{err} {err:?}").contains("Mary"), "{err:?}");
    }

    #[test]
    fn json_field_reports_a_missing_member_unless_it_is_optional() {
        let body = br#"{"status":200,"message":"Success"}"#;
        let err = json_field::<Vec<Thing>>(&META, body, "data").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.message().contains("missing field `data`"), "{err}");
        assert_eq!(
            json_field::<Option<Thing>>(&META, body, "data")
                .unwrap()
                .map(|t| t.id),
            None
        );

        for body in [
            &br#"{"data":{"id":1},"data":{"id":2}}"#[..],
            br#"[{"id":1}]"#,
            br#"{"data":{"id":1}} trailing"#,
            b"",
        ] {
            let err = json_field::<Thing>(&META, body, "data").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode);
        }
    }

    #[test]
    fn rows_fail_or_keep_raw_as_the_caller_chooses() {
        let body = br#"[{"id":1},{"id":"x"},{"id":3}]"#;
        let err = rows::<Thing>(&META, body, RowPolicy::Fail).unwrap_err();
        let d = err.decode_detail().unwrap();
        assert_eq!((d.row, d.path.as_str()), (Some(1), "$[1].id"), "{err}");

        let got = rows::<Thing>(&META, body, RowPolicy::KeepRaw).unwrap();
        assert_eq!(got.len(), 3);
        match &got[1] {
            Row::Raw { index, raw, error } => {
                assert_eq!(*index, 1);
                assert_eq!(raw.get(), r#"{"id":"x"}"#);
                assert_eq!(error.decode_detail().unwrap().path, "$[1].id");
            }
            other => panic!("expected a raw row, got {other:?}"),
        }
        assert!(matches!(got[2], Row::Typed(Thing { id: 3, .. })));
    }

    #[test]
    fn truncated_and_non_json_bodies_are_decode_errors() {
        for body in [
            &b"[{\"id\":1},{\"id\""[..],
            b"<html>Bad gateway</html>",
            b"",
        ] {
            let err = rows::<Thing>(&META, body, RowPolicy::Fail).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode);
        }
        assert!(is_json(b" {\"a\": [1]} "));
        assert!(!is_json(b"{\"a\": "));
    }
}
