//! `--format table`: aligned columns for people, with vendor text that cannot steer the
//! terminal.

use std::io::Write;

use serde_json::value::RawValue;

use super::cells::header_and_rows;
use crate::terminal;

/// Widest a table column gets before its cells are cut.
const MAX_COLUMN: usize = 32;

/// A cell as shown: line breaks and tabs as spaces (one row stays one line), every other
/// control or bidi character escaped, cut to `MAX_COLUMN`.
fn shown(text: &str) -> String {
    let flat = text.replace(['\n', '\r', '\t'], " ");
    let text = terminal::escape(&flat);
    if text.chars().count() > MAX_COLUMN {
        let cut: String = text.chars().take(MAX_COLUMN - 1).collect();
        format!("{cut}…")
    } else {
        text.into_owned()
    }
}

/// Writes one block of records: a header, a rule and one line per record, the columns as
/// wide as this block needs. Nothing when the records have no field.
pub fn write_block(
    records: &[&RawValue],
    fields: Option<&[String]>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let (header, rows) = header_and_rows(records, fields);
    if header.is_empty() {
        return Ok(());
    }
    let header_shown: Vec<String> = header.iter().map(|h| shown(h)).collect();
    let rows_shown: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            header
                .iter()
                .map(|h| row.get(h).map_or_else(String::new, |c| shown(&c.text)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = header_shown
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows_shown
                .iter()
                .map(|r| r[i].chars().count())
                .chain([h.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", w = *w))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&header_shown))?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", line(&rule))?;
    for row in &rows_shown {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

/// The closing line: how many records, or that there were none.
pub fn write_count(count: usize, out: &mut dyn Write) -> std::io::Result<()> {
    match count {
        0 => writeln!(out, "(no records)"),
        1 => writeln!(out, "(1 record)"),
        n => writeln!(out, "({n} records)"),
    }
}
