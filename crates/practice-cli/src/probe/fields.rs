//! What the spec documents of each record field, what the rows show, and where they differ.
//! Only types and forms are kept of a value (`integer`, `string date-time`): never the value.

use std::collections::BTreeMap;

use serde_json::Value;

/// A difference between the spec and the rows: a field whose seen type or form differs from
/// the documented one, or a field the spec lacks (`documented` is `absent`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldFinding {
    /// The spec's schema, e.g. `Client`.
    pub schema: String,
    /// The wire name of the field.
    pub field: String,
    /// What the spec says: `integer`, `string date-time`, … or `absent`.
    pub documented: String,
    /// What the rows carried, in the same words.
    pub seen: String,
    /// How many rows carried it so.
    pub count: usize,
}

impl FieldFinding {
    /// A field whose type or format differs (not merely one the spec lacks).
    pub fn is_mismatch(&self) -> bool {
        self.documented != "absent"
    }
}

/// The spec, parsed from the vendor crate's `openapi.yaml`.
pub struct Spec {
    doc: Value,
}

/// What the spec documents of one property.
#[derive(Debug, Clone)]
struct Documented {
    kind: String,
    format: Option<String>,
}

impl Documented {
    fn words(&self) -> String {
        match &self.format {
            Some(format) => format!("{} {format}", self.kind),
            None => self.kind.clone(),
        }
    }
}

impl Spec {
    /// Parses the embedded spec; a failure here is a bug of the build, reported as one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("the spec: {e}"))?;
        Ok(Spec { doc })
    }

    /// The parsed document.
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    fn schema(&self, name: &str) -> Option<&Value> {
        self.doc.pointer(&format!("/components/schemas/{name}"))
    }

    fn property(&self, schema: &str, field: &str) -> Option<Documented> {
        let mut prop = self.schema(schema)?.get("properties")?.get(field)?;
        // `$ref` to a named schema (an enumeration): its type.
        if let Some(target) = prop.get("$ref").and_then(Value::as_str) {
            prop = self.schema(target.rsplit('/').next()?)?;
        }
        let kind = prop
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("any")
            .to_owned();
        let format = prop
            .get("x-wire-format")
            .or_else(|| prop.get("format"))
            .and_then(Value::as_str)
            // `int64`, `int32` and `password` say nothing about the wire form.
            .filter(|f| matches!(*f, "date" | "date-time" | "mm-dd-yyyy" | "hh:mm tt"))
            .map(str::to_owned);
        Some(Documented { kind, format })
    }
}

/// The form of a string value, for the documented formats and the forms seen in the wild.
pub fn string_form(text: &str) -> &'static str {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if b.len() == 10 && digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10)
    {
        return "date";
    }
    if b.len() == 10 && digits(0..2) && at(2, b'-') && digits(3..5) && at(5, b'-') && digits(6..10)
    {
        return "mm-dd-yyyy";
    }
    if b.len() == 8 && digits(0..2) && at(2, b':') && digits(3..5) && at(5, b' ') {
        let tail = &text[6..];
        if tail == "AM" || tail == "PM" {
            return "hh:mm tt";
        }
    }
    if b.len() >= 19 && digits(0..4) && at(4, b'-') && at(10, b'T') && at(13, b':') {
        let zone = &text[19..];
        let zone = zone.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        return if zone == "Z" || zone.starts_with('+') || zone.starts_with('-') {
            "date-time"
        } else if zone.is_empty() {
            "date-time without zone"
        } else {
            "text"
        };
    }
    "text"
}

/// The words for a value's JSON type and, for strings, the form that matters against
/// `documented` (`None` for null).
fn seen_words(value: &Value, documented: Option<&Documented>) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(_) => "boolean".into(),
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer".into(),
        Value::Number(_) => "number".into(),
        Value::String(text) => match documented.and_then(|d| d.format.as_deref()) {
            Some(_) => format!("string {}", string_form(text)),
            None => "string".into(),
        },
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
    })
}

/// Whether a value seen as `seen` fits what is documented.
fn fits(documented: &Documented, seen: &str) -> bool {
    match documented.kind.as_str() {
        "any" => true,
        // A whole number is a number; a number is not an integer.
        "number" => seen == "number" || seen == "integer",
        "string" => match &documented.format {
            Some(format) => seen == format!("string {format}"),
            None => seen.starts_with("string"),
        },
        kind => seen == kind,
    }
}

/// Tallies rows of one schema against the spec.
#[derive(Default)]
pub struct Tally {
    /// (schema, field, documented, seen) → rows.
    counts: BTreeMap<(String, String, String, String), usize>,
    /// schema → rows read.
    rows: BTreeMap<String, usize>,
    /// (schema, field) → forms of the string values seen, for the format assumptions.
    forms: BTreeMap<(String, String), BTreeMap<String, usize>>,
}

impl Tally {
    /// Reads one row (a JSON object) of `schema`.
    pub fn row(&mut self, spec: &Spec, schema: &str, row: &Value) {
        let Some(object) = row.as_object() else {
            return;
        };
        *self.rows.entry(schema.to_owned()).or_default() += 1;
        for (field, value) in object {
            if let Value::String(text) = value {
                *self
                    .forms
                    .entry((schema.to_owned(), field.clone()))
                    .or_default()
                    .entry(string_form(text).to_owned())
                    .or_default() += 1;
            }
            let documented = spec.property(schema, field);
            // A null is kept as a null, not a change of type (nullability is not probed).
            let Some(seen) = seen_words(value, documented.as_ref()) else {
                continue;
            };
            let documented_words = match &documented {
                None => "absent".to_owned(),
                Some(d) if fits(d, &seen) => continue,
                Some(d) => d.words(),
            };
            *self
                .counts
                .entry((schema.to_owned(), field.clone(), documented_words, seen))
                .or_default() += 1;
        }
    }

    /// Rows read of `schema`.
    pub fn rows_of(&self, schema: &str) -> usize {
        self.rows.get(schema).copied().unwrap_or(0)
    }

    /// The forms of the string values of one field: form → count.
    pub fn forms_of(&self, schema: &str, field: &str) -> BTreeMap<String, usize> {
        self.forms
            .get(&(schema.to_owned(), field.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Every difference, by schema and field.
    pub fn findings(&self) -> Vec<FieldFinding> {
        self.counts
            .iter()
            .map(|((schema, field, documented, seen), count)| FieldFinding {
                schema: schema.clone(),
                field: field.clone(),
                documented: documented.clone(),
                seen: seen.clone(),
                count: *count,
            })
            .collect()
    }
}

/// `count × form` pairs, e.g. `12 date, 3 mm-dd-yyyy`.
pub fn describe_forms(forms: &BTreeMap<String, usize>) -> String {
    forms
        .iter()
        .map(|(form, n)| format!("{n} {form}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
components:
  schemas:
    Kind: { type: string, enum: [A, B] }
    Row:
      type: object
      properties:
        id: { type: integer, format: int64 }
        amount: { type: number, x-money: true }
        day: { type: string, x-wire-format: mm-dd-yyyy }
        at: { type: string, format: date-time }
        kind: { $ref: "#/components/schemas/Kind" }
        note: { type: string, nullable: true }
"##;

    #[test]
    fn types_and_forms_are_compared_and_values_never_kept() {
        let spec = Spec::parse(SPEC).unwrap();
        let mut tally = Tally::default();
        let rows = [
            r#"{"id":1,"amount":12,"day":"01-02-2024","at":"2024-01-02T00:00:00Z","kind":"A","note":null}"#,
            r#"{"id":"SECRET-7","amount":12.5,"day":"2024-01-02","at":"2024-01-02T00:00:00","kind":"B","extra":{"x":1}}"#,
        ];
        for row in rows {
            tally.row(&spec, "Row", &serde_json::from_str(row).unwrap());
        }
        let findings = tally.findings();
        let text = format!("{findings:?}");
        assert!(!text.contains("SECRET"), "{text}");
        let find = |field: &str| findings.iter().find(|f| f.field == field).cloned();
        let id = find("id").unwrap();
        assert_eq!(
            (id.documented.as_str(), id.seen.as_str(), id.count),
            ("integer", "string", 1)
        );
        assert!(find("amount").is_none(), "a whole number is a number");
        let day = find("day").unwrap();
        assert_eq!(
            (day.documented.as_str(), day.seen.as_str()),
            ("string mm-dd-yyyy", "string date")
        );
        let at = find("at").unwrap();
        assert_eq!(at.seen, "string date-time without zone");
        assert!(find("kind").is_none());
        assert!(find("note").is_none(), "null is not a type change");
        let extra = find("extra").unwrap();
        assert_eq!(
            (extra.documented.as_str(), extra.seen.as_str()),
            ("absent", "object")
        );
        assert!(!extra.is_mismatch());
        assert_eq!(tally.rows_of("Row"), 2);
        assert_eq!(
            describe_forms(&tally.forms_of("Row", "day")),
            "1 date, 1 mm-dd-yyyy"
        );
    }

    #[test]
    fn string_forms() {
        assert_eq!(string_form("2024-03-01"), "date");
        assert_eq!(string_form("03-01-2024"), "mm-dd-yyyy");
        assert_eq!(string_form("09:00 AM"), "hh:mm tt");
        assert_eq!(string_form("2024-10-26T00:00:00Z"), "date-time");
        assert_eq!(string_form("2024-10-26T00:00:00.123+01:00"), "date-time");
        assert_eq!(string_form("2024-10-26T00:00:00"), "date-time without zone");
        assert_eq!(string_form("hello"), "text");
    }
}
