//! Records as rows of display cells, for the column formats (`csv`, `table`).

use indexmap::IndexMap;
use serde_json::value::RawValue;

/// One field's value as display text.
pub struct Cell {
    /// Strings unquoted, numbers as their exact digits, null empty, anything nested as its
    /// JSON text.
    pub text: String,
    /// Whether the value was a JSON string: vendor text, as opposed to a number, a boolean
    /// or null, which cannot hold a formula or a control character.
    pub was_string: bool,
}

/// A record's fields in the order received. A scalar record (`true`, `42`) is one `value`.
pub type Row = IndexMap<String, Cell>;

/// The fields of one record as display cells.
pub fn cells(record: &RawValue) -> Row {
    match serde_json::from_str::<IndexMap<String, Box<RawValue>>>(record.get()) {
        Ok(fields) => fields.into_iter().map(|(k, v)| (k, cell(&v))).collect(),
        Err(_) => IndexMap::from([("value".to_owned(), cell(record))]),
    }
}

fn cell(value: &RawValue) -> Cell {
    let text = value.get();
    if text.starts_with('"') {
        Cell {
            text: serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_owned()),
            was_string: true,
        }
    } else if text == "null" {
        Cell {
            text: String::new(),
            was_string: false,
        }
    } else {
        Cell {
            text: text.to_owned(),
            was_string: false,
        }
    }
}

/// The union of the rows' fields, in the order first seen.
pub fn union_of_fields(rows: &[Row]) -> Vec<String> {
    let mut header: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        for key in row.keys() {
            if seen.insert(key.as_str()) {
                header.push(key.clone());
            }
        }
    }
    header
}

/// The chosen fields that none of `records` has, and the fields they do have; both empty
/// when there is no record to judge by.
pub fn unknown_fields(records: &[&RawValue], fields: &[String]) -> (Vec<String>, Vec<String>) {
    if records.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let rows: Vec<Row> = records.iter().map(|r| cells(r)).collect();
    let known = union_of_fields(&rows);
    let unknown = fields
        .iter()
        .filter(|f| !known.contains(f))
        .cloned()
        .collect();
    (unknown, known)
}
