//! Records as a command hands them to the output: exactly as sent, with warnings of
//! deviating fields, the `--fields` check of typed records, and the progress bar.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use practice_core::wire::Deviating;

use crate::exit::Failure;
use crate::output::{Columns, Output, Schema, records, unknown_fields_message};

pub fn progress(total: u64) -> ProgressBar {
    if total <= 1 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} requests {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// The records of one request, exactly as sent, and the fields that deviated from their
/// documented type: `(row in this request, field, what was expected)`.
pub struct Fetched {
    pub rows: Vec<Box<serde_json::value::RawValue>>,
    pub deviations: Vec<(usize, &'static str, &'static str)>,
}

pub fn typed_records<T: serde::Serialize + Deviating>(rows: Vec<T>) -> Result<Fetched, Failure> {
    let deviations = rows
        .iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.deviations()
                .iter()
                .map(move |d| (i, d.field(), d.expected()))
        })
        .collect();
    Ok(Fetched {
        rows: records(&rows).map_err(encode)?,
        deviations,
    })
}

/// The one record of a single-record command, with its warnings.
pub fn single(fetched: Fetched) -> Result<Output, Failure> {
    warn_deviations(0, &fetched.deviations);
    let record = fetched.rows.into_iter().next();
    record
        .map(Output::One)
        .ok_or_else(|| Failure::local("the answer held no record"))
}

/// Warns on stderr of every field printed as sent because it did not match its documented
/// type: the record (counted from 1 in the output) and the field, never the value.
pub fn warn_deviations(offset: usize, deviations: &[(usize, &'static str, &'static str)]) {
    for (row, field, expected) in deviations {
        eprintln!(
            "practice: warning: record {}: field `{field}` is not {expected}; printed as sent",
            offset + row + 1
        );
    }
}

/// `--fields` against the documented fields of typed records, before anything is sent; the
/// records' schema, for the column formats.
pub fn known_fields(columns: &Columns, schema: Schema) -> Result<Schema, Failure> {
    let Some(fields) = &columns.fields else {
        return Ok(schema);
    };
    let unknown: Vec<&str> = fields
        .iter()
        .map(|f| f.as_str())
        .filter(|f| !schema.documented.contains(f))
        .collect();
    if unknown.is_empty() {
        return Ok(schema);
    }
    Err(Failure::input(unknown_fields_message(
        &unknown,
        schema.documented,
    )))
}

pub fn encode(err: serde_json::Error) -> Failure {
    Failure::local(format!("could not encode a record: {err}"))
}

/// `rows` with every id after its first showing left out: chunks that meet at a boundary
/// may both return a record. Records without an id are all kept.
pub fn once_each<T>(rows: Vec<T>, id: impl Fn(&T) -> Option<i64>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .filter(|row| id(row).is_none_or(|id| seen.insert(id)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_returned_by_two_chunks_is_kept_once() {
        let rows = vec![
            (Some(1), "a"),
            (Some(2), "b"),
            (Some(1), "a again"),
            (None, "x"),
            (None, "y"),
        ];
        let kept = once_each(rows, |r| r.0);
        assert_eq!(
            kept,
            [(Some(1), "a"), (Some(2), "b"), (None, "x"), (None, "y")]
        );
    }
}
