//! Our `x-…` vocabulary (see `docs/codegen.md`): each extension read, and checked, in one
//! place.

use indexmap::IndexMap;
use serde_json::Value;

use super::super::ir::{ClientMethod, RangeRows, Ty};

/// The `x-…` extensions of a spec object.
pub type Extensions = IndexMap<String, Value>;

/// `x-assumption` as a list of texts.
pub fn assumptions(ext: &Extensions) -> Vec<String> {
    match ext.get("x-assumption") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(other) => vec![other.to_string()],
        None => Vec::new(),
    }
}

/// `x-doc-alias`: other names rustdoc's search finds a schema's type by (a string or a list),
/// such as `Patient` for Aloha's `Client` record.
pub fn doc_aliases(ext: &Extensions) -> Result<Vec<String>, String> {
    let names = match ext.get("x-doc-alias") {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or("`x-doc-alias` must be a name or a list of names")?,
        Some(other) => return Err(format!("`x-doc-alias` must be a name, got {other}")),
    };
    match names
        .iter()
        .find(|n| n.is_empty() || !n.chars().all(|c| c.is_alphanumeric() || c == '_'))
    {
        Some(bad) => Err(format!("`x-doc-alias` {bad:?} is not a plain name")),
        None => Ok(names),
    }
}

/// `x-wire-format`: a string date or time in a vendor format.
pub fn wire_format(ext: &Extensions) -> Result<Option<Ty>, String> {
    match ext.get("x-wire-format") {
        Some(Value::String(f)) if f == "mm-dd-yyyy" => Ok(Some(Ty::UsDate)),
        Some(Value::String(f)) if f == "hh:mm tt" => Ok(Some(Ty::Clock)),
        Some(other) => Err(format!("unknown `x-wire-format` {other}")),
        None => Ok(None),
    }
}

/// `x-rust-name`: the Rust name of a field.
pub fn rust_name(value: &Value) -> Result<String, String> {
    match value {
        Value::String(name) => Ok(name.clone()),
        other => Err(format!("`x-rust-name` must be a string, got {other}")),
    }
}

/// `x-max-digits`: at most this many digits.
pub fn max_digits(value: &Value) -> Result<u32, String> {
    value
        .as_u64()
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| format!("`x-max-digits` must be a small integer, got {value}"))
}

/// `x-required-with`: the wire name of the field that makes this one required.
pub fn required_with(value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("`x-required-with` must name a parameter, got {value}"))
}

/// `x-enum-names`: the labels of an enumeration's values, in `enum` order.
pub fn enum_names(ext: &Extensions) -> Result<Option<Vec<String>>, String> {
    match ext.get("x-enum-names") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "`x-enum-names` must be strings".to_owned())
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(other) => Err(format!("`x-enum-names` must be a list, got {other}")),
        None => Ok(None),
    }
}

/// Most columns `x-table-columns` may name: a table for people, not a dump.
pub const MAX_TABLE_COLUMNS: usize = 10;

/// `x-table-columns: [wire names]`: the columns a table shows by default, in this order,
/// each a property of the schema (`properties`, in spec order), at most
/// [`MAX_TABLE_COLUMNS`], none twice. Empty when absent.
pub fn table_columns(ext: &Extensions, properties: &[&str]) -> Result<Vec<String>, String> {
    let Some(value) = ext.get("x-table-columns") else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = serde_json::from_value(value.clone())
        .map_err(|_| format!("`x-table-columns` must be a list of property names, got {value}"))?;
    if names.is_empty() || names.len() > MAX_TABLE_COLUMNS {
        return Err(format!(
            "`x-table-columns` names {} columns; give 1 to {MAX_TABLE_COLUMNS}",
            names.len()
        ));
    }
    for (i, name) in names.iter().enumerate() {
        if !properties.contains(&name.as_str()) {
            return Err(format!(
                "`x-table-columns` names `{name}`, which is not a property of this schema"
            ));
        }
        if names[..i].contains(name) {
            return Err(format!("`x-table-columns` names `{name}` twice"));
        }
    }
    Ok(names)
}

/// `x-idempotent`; without it, only the safe methods are.
pub fn idempotent(ext: &Extensions, method: &str) -> Result<bool, String> {
    match ext.get("x-idempotent") {
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!("`x-idempotent` must be a boolean, got {other}")),
        None => Ok(matches!(method, "get" | "head" | "options" | "trace")),
    }
}

/// `x-auth`: an auth operation, sent without the vendor's token.
pub fn is_auth(ext: &Extensions) -> bool {
    ext.contains_key("x-auth")
}

/// `x-exactly-one-of`: groups of wire names of which exactly one must be given.
pub fn exactly_one_of(ext: &Extensions) -> Result<Vec<Vec<String>>, String> {
    match ext.get("x-exactly-one-of") {
        None => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| format!("`x-exactly-one-of` must be a list of lists of names, got {v}")),
    }
}

/// `x-payload: member`: the answer is an envelope object whose payload is `member`; the
/// operation returns the payload only.
pub fn payload(ext: &Extensions) -> Result<Option<String>, String> {
    if ext.contains_key("x-envelope") {
        return Err("`x-envelope` is replaced by `x-payload: <member>` (e.g. `data`)".to_owned());
    }
    match ext.get("x-payload") {
        None => Ok(None),
        Some(Value::String(member)) if !member.is_empty() => Ok(Some(member.clone())),
        Some(other) => Err(format!("`x-payload` must name a member, got {other}")),
    }
}

/// `x-client-method: { name: N, args: [wire names], doc: text }`: a convenience method of the
/// vendor's `Client`. Without `args` it takes the request whole.
pub fn client_method(ext: &Extensions) -> Result<Option<ClientMethod>, String> {
    let Some(value) = ext.get("x-client-method") else {
        return Ok(None);
    };
    let bad = || {
        format!(
            "`x-client-method` must be {{ name: <method>, args: [<parameter>…], doc: <text> }}, got {value}"
        )
    };
    let name = value
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(bad)?;
    let doc = value.get("doc").and_then(Value::as_str).ok_or_else(bad)?;
    let args = match value.get("args") {
        None => Vec::new(),
        Some(list) => serde_json::from_value(list.clone()).map_err(|_| bad())?,
    };
    Ok(Some(ClientMethod {
        name: name.to_owned(),
        args,
        doc: doc.trim_end().to_owned(),
    }))
}

/// `x-range-rows`: what a date-range operation's answer is made of, and so how a range may be
/// cut into requests (the sync's windows): `{ by: date, field: F }` rows each dated by their
/// field `F` (any split returns each row once); `{ by: month }` a row per calendar month the
/// range overlaps (monthly aggregates: one window per month); `{ by: range }` an answer that
/// depends on the whole range (kept per month, never split further).
pub fn range_rows(ext: &Extensions) -> Result<Option<RangeRows>, String> {
    let Some(value) = ext.get("x-range-rows") else {
        return Ok(None);
    };
    let by = value.get("by").and_then(Value::as_str);
    let field = value.get("field").and_then(Value::as_str);
    match (by, field) {
        (Some("date"), Some(field)) if !field.is_empty() => {
            Ok(Some(RangeRows::Dated(field.to_owned())))
        }
        (Some("month"), None) => Ok(Some(RangeRows::Monthly)),
        (Some("range"), None) => Ok(Some(RangeRows::WholeRange)),
        _ => Err(format!(
            "`x-range-rows` must be {{by: date, field: NAME}}, {{by: month}} or {{by: range}}, got {value}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(yaml: &str) -> Extensions {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn payload_names_a_member_and_refuses_the_old_envelope() {
        assert_eq!(
            payload(&ext("x-payload: data")),
            Ok(Some("data".to_owned()))
        );
        assert_eq!(payload(&ext("x-idempotent: true")), Ok(None));
        let old = payload(&ext("x-envelope: aloha")).unwrap_err();
        assert!(old.contains("x-payload"), "{old}");
        for bad in ["x-payload: ''", "x-payload: true", "x-payload: [data]"] {
            assert!(payload(&ext(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_method_takes_a_name_a_doc_and_optional_arguments() {
        let method = client_method(&ext(
            "x-client-method: { name: patient, args: [patientId], doc: One patient. }",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (method.name.as_str(), method.args, method.doc.as_str()),
            ("patient", vec!["patientId".to_owned()], "One patient.")
        );
        let whole = client_method(&ext("x-client-method: { name: book, doc: Books. }"))
            .unwrap()
            .unwrap();
        assert!(whole.args.is_empty());
        assert!(client_method(&ext("x-idempotent: true")).unwrap().is_none());
        for bad in [
            "x-client-method: patient",
            "x-client-method: { name: patient }",
            "x-client-method: { name: '', doc: x }",
            "x-client-method: { name: patient, args: patientId, doc: x }",
        ] {
            let err = client_method(&ext(bad)).unwrap_err();
            assert!(err.contains("x-client-method"), "{bad}: {err}");
        }
    }

    #[test]
    fn table_columns_name_properties_once_each_and_few() {
        let props = ["id", "date", "amount"];
        assert_eq!(
            table_columns(&ext("x-table-columns: [date, id]"), &props),
            Ok(vec!["date".to_owned(), "id".to_owned()])
        );
        assert_eq!(
            table_columns(&ext("x-idempotent: true"), &props),
            Ok(vec![])
        );
        let missing = table_columns(&ext("x-table-columns: [id, nope]"), &props).unwrap_err();
        assert!(missing.contains("`nope`"), "{missing}");
        let twice = table_columns(&ext("x-table-columns: [id, id]"), &props).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        assert!(table_columns(&ext("x-table-columns: []"), &props).is_err());
        assert!(table_columns(&ext("x-table-columns: id"), &props).is_err());
        let many: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
        let many_props: Vec<&str> = many.iter().map(String::as_str).collect();
        let yaml = format!("x-table-columns: [{}]", many.join(", "));
        assert!(table_columns(&ext(&yaml), &many_props).is_err());
    }

    #[test]
    fn extensions_of_the_wrong_shape_are_named_in_the_error() {
        assert_eq!(idempotent(&ext("{}"), "get"), Ok(true));
        assert_eq!(idempotent(&ext("{}"), "post"), Ok(false));
        assert!(idempotent(&ext("x-idempotent: yes please"), "get").is_err());
        assert_eq!(
            exactly_one_of(&ext("x-exactly-one-of: [[a, b]]")),
            Ok(vec![vec!["a".to_owned(), "b".to_owned()]])
        );
        assert!(exactly_one_of(&ext("x-exactly-one-of: [a]")).is_err());
        assert_eq!(
            wire_format(&ext("x-wire-format: mm-dd-yyyy")),
            Ok(Some(Ty::UsDate))
        );
        assert!(wire_format(&ext("x-wire-format: dd.mm.yy")).is_err());
        assert_eq!(max_digits(&Value::from(9)), Ok(9));
        assert!(max_digits(&Value::from(-1)).is_err());
        assert_eq!(
            range_rows(&ext("x-range-rows: {by: date, field: appointmentDate}")),
            Ok(Some(RangeRows::Dated("appointmentDate".to_owned())))
        );
        assert_eq!(
            range_rows(&ext("x-range-rows: {by: month}")),
            Ok(Some(RangeRows::Monthly))
        );
        assert_eq!(range_rows(&ext("{}")), Ok(None));
        for bad in [
            "x-range-rows: monthly",
            "x-range-rows: {by: date}",
            "x-range-rows: {by: month, field: x}",
            "x-range-rows: {by: week}",
        ] {
            let err = range_rows(&ext(bad)).unwrap_err();
            assert!(err.contains("x-range-rows"), "{bad}: {err}");
        }
        assert_eq!(
            assumptions(&ext("x-assumption: [one, two]")),
            ["one".to_owned(), "two".to_owned()]
        );
    }
}
