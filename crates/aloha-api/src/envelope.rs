//! The `{status, message, data}` envelope around every Aloha answer.

use std::fmt;
use std::marker::PhantomData;

use practice_core::decode::{Row, RowPolicy, RowsSeed, with_rows};
use practice_core::{Error, OperationMeta};
use serde::Deserializer;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

/// Decodes the envelope's `data` array row by row: a row that does not fit its type fails the
/// call with an error naming the row and field, or is kept raw, as `policy` says. `data: null`
/// or a missing `data` reads as no rows.
pub(crate) fn decode_rows<T: DeserializeOwned>(
    meta: &OperationMeta,
    body: &[u8],
    policy: RowPolicy,
) -> Result<Vec<Row<T>>, Error> {
    with_rows(
        meta,
        body,
        EnvelopeSeed::<T> {
            meta,
            policy,
            _rows: PhantomData,
        },
    )
}

struct EnvelopeSeed<'a, T> {
    meta: &'a OperationMeta,
    policy: RowPolicy,
    _rows: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for EnvelopeSeed<'_, T> {
    type Value = Vec<Row<T>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for EnvelopeSeed<'_, T> {
    type Value = Vec<Row<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an Aloha envelope {status, message, data}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rows = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "data" {
                rows = Some(map.next_value_seed(RowsSeed::<T>::new(
                    self.meta,
                    self.policy,
                    "data",
                ))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(rows.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use practice_core::ErrorKind;
    use practice_core::http::Method;
    use serde::Deserialize;

    static META: OperationMeta = OperationMeta {
        vendor: "aloha",
        name: "listThings",
        method: Method::GET,
        path_template: "/v1/report/things",
        idempotent: true,
        authenticated: true,
    };

    #[derive(Debug, Deserialize, PartialEq)]
    struct Thing {
        id: i64,
    }

    #[test]
    fn rows_inside_the_envelope() {
        let body = br#"{"status":200,"message":"Success","data":[{"id":1},{"id":"two"},{"id":3}]}"#;
        let err = decode_rows::<Thing>(&META, body, RowPolicy::Fail).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        let detail = err.decode_detail().unwrap();
        assert_eq!(
            (detail.row, detail.path.as_str()),
            (Some(1), "data[1].id"),
            "{err}"
        );
        let rows = decode_rows::<Thing>(&META, body, RowPolicy::KeepRaw).unwrap();
        assert_eq!(rows.len(), 3);
        assert!(matches!(&rows[1], Row::Raw { index: 1, .. }));
        for empty in [
            &br#"{"status":200,"message":"Success","data":[]}"#[..],
            br#"{"status":200,"data":null}"#,
            br#"{"status":200}"#,
        ] {
            assert!(
                decode_rows::<Thing>(&META, empty, RowPolicy::Fail)
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
