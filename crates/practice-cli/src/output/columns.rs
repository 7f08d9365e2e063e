//! Which columns the column formats (`csv`, `table`) show, and in which order: `--fields`,
//! `--fields all` (`--wide`), and the order the spec fixes for typed records.
//!
//! * `--fields a,b`: those, in that order.
//! * Typed records (the command knows their [`Schema`]): `table` shows the spec's default
//!   columns (`x-table-columns`); `csv` and `table --fields all` show every documented
//!   field in spec order, whether or not the records hold it, then the fields the spec does
//!   not name, sorted. The order is the same every run and every month.
//! * Records the spec does not describe: every field, in the order first seen.

use std::collections::BTreeSet;

use super::cells::{Row, union_of_fields};
use super::format::Format;
use crate::exit::Failure;
use crate::terminal;

/// What the spec says of a record type: its documented fields in spec order (`FIELDS`) and
/// the ones a table shows by default (`TABLE_FIELDS`).
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Every documented field, in spec order.
    pub documented: &'static [&'static str],
    /// The default columns of a table.
    pub table: &'static [&'static str],
}

impl Schema {
    /// The schema of a generated model, from its `FIELDS` and `TABLE_FIELDS`.
    pub const fn new(documented: &'static [&'static str], table: &'static [&'static str]) -> Self {
        Schema { documented, table }
    }
}

/// How the column formats lay out records.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// `--fields`: these columns in this order, instead of the default ones.
    pub fields: Option<Vec<String>>,
    /// `--fields all` or `--wide`: every field.
    pub all: bool,
    /// `--csv-raw`: CSV cells exactly as received, formula-like text included.
    pub csv_raw: bool,
    /// The records' schema, when the command knows it.
    pub schema: Option<Schema>,
    /// The terminal's width in columns, for `table`; `None` when stdout is not a terminal.
    pub width: Option<usize>,
}

/// The `--fields` value that means every field.
pub const ALL: &str = "all";

impl Columns {
    /// Checks `--fields` against the format before anything is sent: names given once each,
    /// none empty, and only for the column formats.
    pub fn check(&self, format: Format) -> Result<(), Failure> {
        if (self.fields.is_some() || self.all) && matches!(format, Format::Json | Format::Ndjson) {
            return Err(Failure::input(
                "--fields and --wide apply to --format csv and --format table; json and ndjson \
                 carry every field exactly as sent",
            ));
        }
        let Some(fields) = &self.fields else {
            return Ok(());
        };
        if fields.is_empty() || fields.iter().any(|f| f.trim().is_empty()) {
            return Err(Failure::input(
                "--fields needs field names separated by commas, such as --fields clientId,firstName",
            ));
        }
        for (i, field) in fields.iter().enumerate() {
            if fields[..i].contains(field) {
                return Err(Failure::input(format!(
                    "--fields names {:?} twice",
                    terminal::escape(field)
                )));
            }
        }
        Ok(())
    }

    /// The columns for `format` of records like `rows` (see the module).
    pub fn header(&self, rows: &[Row], format: Format) -> Vec<String> {
        if let Some(fields) = &self.fields {
            return fields.clone();
        }
        match self.schema {
            Some(schema) if format == Format::Table && !self.all => {
                schema.table.iter().map(|f| (*f).to_owned()).collect()
            }
            Some(schema) => {
                let unknown: BTreeSet<&str> = rows
                    .iter()
                    .flat_map(|row| row.keys())
                    .map(String::as_str)
                    .filter(|key| !schema.documented.contains(key))
                    .collect();
                schema
                    .documented
                    .iter()
                    .copied()
                    .chain(unknown)
                    .map(str::to_owned)
                    .collect()
            }
            None => union_of_fields(rows),
        }
    }

    /// Whether a field outside the header is worth a warning: one the spec does not name
    /// (a documented field always has its column).
    pub fn is_unknown(&self, field: &str) -> bool {
        self.schema
            .is_none_or(|schema| !schema.documented.contains(&field))
    }
}

/// The message for `--fields` names that are not fields: each name, the nearest known name
/// when one is close (`did you mean`), and the names there are.
pub fn unknown_fields_message(unknown: &[&str], known: &[&str]) -> String {
    let names: Vec<String> = unknown
        .iter()
        .map(|f| format!("{:?}", terminal::escape(f)))
        .collect();
    let suggestions: Vec<String> = unknown
        .iter()
        .filter_map(|f| nearest(f, known))
        .map(|k| format!("`{}`", terminal::escape(k)))
        .collect();
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(", "))
    };
    format!(
        "--fields: no field named {} in these records{hint}; they have: {} (or --fields all)",
        names.join(", "),
        terminal::escape(&known.join(", "))
    )
}

/// The known name nearest to `name`, when it is a likely misspelling of it: at most two
/// edits (letters swapped count as one), or the same but for case.
fn nearest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), *k))
        .filter(|(edits, _)| *edits <= 2.min(name.chars().count().saturating_sub(1)))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::super::cells::cells;
    use super::*;

    fn rows(records: &[&str]) -> Vec<Row> {
        records
            .iter()
            .map(|r| cells(&serde_json::value::RawValue::from_string((*r).to_owned()).unwrap()))
            .collect()
    }

    const SCHEMA: Schema = Schema::new(&["id", "date", "amount", "note"], &["date", "amount"]);

    #[test]
    fn typed_columns_follow_the_spec_whatever_the_records_hold() {
        let typed = Columns {
            schema: Some(SCHEMA),
            ..Columns::default()
        };
        // Fields in another order, an unknown one first, a documented one missing.
        let a = rows(&[r#"{"zz":1,"amount":2,"id":3,"b":4}"#]);
        let b = rows(&[r#"{"id":3,"b":4,"date":"x","zz":1}"#]);
        let csv = ["id", "date", "amount", "note", "b", "zz"];
        assert_eq!(typed.header(&a, Format::Csv), csv);
        assert_eq!(typed.header(&b, Format::Csv), csv);
        assert_eq!(typed.header(&a, Format::Table), ["date", "amount"]);
        let all = Columns {
            all: true,
            ..typed.clone()
        };
        assert_eq!(all.header(&b, Format::Table), csv);
        let chosen = Columns {
            fields: Some(vec!["note".into(), "id".into()]),
            ..typed.clone()
        };
        assert_eq!(chosen.header(&a, Format::Table), ["note", "id"]);
        assert!(typed.is_unknown("zz") && !typed.is_unknown("note"));
        let untyped = Columns::default();
        assert_eq!(untyped.header(&a, Format::Csv), ["zz", "amount", "id", "b"]);
    }

    #[test]
    fn a_misspelt_field_is_answered_with_the_nearest_name() {
        let known = ["charge", "chargeRate", "clientId"];
        let message = unknown_fields_message(&["chrage"], &known);
        assert!(message.contains("did you mean `charge`?"), "{message}");
        let message = unknown_fields_message(&["clientid"], &known);
        assert!(message.contains("did you mean `clientId`?"), "{message}");
        let message = unknown_fields_message(&["zzzzzz"], &known);
        assert!(!message.contains("did you mean"), "{message}");
        assert!(message.contains("\"zzzzzz\""), "{message}");
        assert!(
            message.contains("charge, chargeRate, clientId"),
            "{message}"
        );
    }
}
