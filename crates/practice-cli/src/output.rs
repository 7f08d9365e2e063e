//! Output formats. Records are printed from their exact wire JSON (field names, unknown
//! fields and money digits as received); stdout carries data only.

use std::io::Write;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::value::RawValue;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON array for lists, one object for a single record.
    Json,
    /// One record per line.
    Ndjson,
    /// A header row of the union of the fields, then one row per record.
    Csv,
    /// Aligned columns, for people.
    Table,
}

/// What a command produced.
pub enum Output {
    /// One record (`payment ID`, `create-appointment`).
    One(Box<RawValue>),
    /// A list (reports, searches, several ids).
    Many(Vec<Box<RawValue>>),
}

/// The exact wire JSON of a record.
pub fn record<T: Serialize>(value: &T) -> Result<Box<RawValue>, serde_json::Error> {
    RawValue::from_string(serde_json::to_string(value)?)
}

/// Records of a list.
pub fn records<T: Serialize>(values: &[T]) -> Result<Vec<Box<RawValue>>, serde_json::Error> {
    values.iter().map(record).collect()
}

impl Output {
    /// Writes the output in `format`.
    pub fn write(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
        match (self, format) {
            (Output::One(r), Format::Json) => writeln!(out, "{}", r.get()),
            (Output::Many(rs), Format::Json) => {
                out.write_all(b"[")?;
                for (i, r) in rs.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",\n")?;
                    } else {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(r.get().as_bytes())?;
                }
                writeln!(out, "{}]", if rs.is_empty() { "" } else { "\n" })
            }
            (Output::One(r), Format::Ndjson) => writeln!(out, "{}", r.get()),
            (Output::Many(rs), Format::Ndjson) => {
                for r in rs {
                    writeln!(out, "{}", r.get())?;
                }
                Ok(())
            }
            (_, Format::Csv) => write_csv(&self.rows(), out),
            (_, Format::Table) => write_table(&self.rows(), out),
        }
    }

    fn rows(&self) -> Vec<&RawValue> {
        match self {
            Output::One(r) => vec![r.as_ref()],
            Output::Many(rs) => rs.iter().map(AsRef::as_ref).collect(),
        }
    }
}

/// A record's fields as display text: strings unquoted, numbers as their exact digits, null
/// empty, anything nested as its JSON text. A scalar record (`true`, `42`) is one `value`.
fn cells(record: &RawValue) -> IndexMap<String, String> {
    match serde_json::from_str::<IndexMap<String, Box<RawValue>>>(record.get()) {
        Ok(fields) => fields.into_iter().map(|(k, v)| (k, cell(&v))).collect(),
        Err(_) => IndexMap::from([("value".to_owned(), cell(record))]),
    }
}

fn cell(value: &RawValue) -> String {
    let text = value.get();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_owned())
    } else if text == "null" {
        String::new()
    } else {
        text.to_owned()
    }
}

fn header_and_rows(records: &[&RawValue]) -> (Vec<String>, Vec<IndexMap<String, String>>) {
    let rows: Vec<_> = records.iter().map(|r| cells(r)).collect();
    let mut header: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        for key in row.keys() {
            if seen.insert(key.clone()) {
                header.push(key.clone());
            }
        }
    }
    (header, rows)
}

fn write_csv(records: &[&RawValue], out: &mut dyn Write) -> std::io::Result<()> {
    let (header, rows) = header_and_rows(records);
    let mut writer = csv::Writer::from_writer(out);
    if !header.is_empty() {
        writer.write_record(&header)?;
    }
    for row in rows {
        writer.write_record(header.iter().map(|h| row.get(h).map_or("", String::as_str)))?;
    }
    writer.flush()
}

/// Widest a table column gets before its cells are cut.
const MAX_COLUMN: usize = 32;

fn write_table(records: &[&RawValue], out: &mut dyn Write) -> std::io::Result<()> {
    let (header, rows) = header_and_rows(records);
    if header.is_empty() {
        return writeln!(out, "(no records)");
    }
    let shown = |text: &str| -> String {
        let text = text.replace(['\n', '\r', '\t'], " ");
        if text.chars().count() > MAX_COLUMN {
            let cut: String = text.chars().take(MAX_COLUMN - 1).collect();
            format!("{cut}…")
        } else {
            text
        }
    };
    let widths: Vec<usize> = header
        .iter()
        .map(|h| {
            rows.iter()
                .map(|r| r.get(h).map_or(0, |c| shown(c).chars().count()))
                .chain([h.chars().count().min(MAX_COLUMN)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", w = *w))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(header.iter().map(|h| shown(h)).collect()))?;
    writeln!(
        out,
        "{}",
        line(widths.iter().map(|w| "-".repeat(*w)).collect())
    )?;
    for row in &rows {
        writeln!(
            out,
            "{}",
            line(
                header
                    .iter()
                    .map(|h| shown(row.get(h).map_or("", String::as_str)))
                    .collect()
            )
        )?;
    }
    writeln!(
        out,
        "({} record{})",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    fn render(output: &Output, format: Format) -> String {
        let mut buf = Vec::new();
        output.write(format, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats_keep_wire_names_and_digits() {
        let list = Output::Many(vec![
            raw(r#"{"id":1,"amount":140.50,"note":"a, \"b\""}"#),
            raw(r#"{"id":2,"extra":null}"#),
        ]);
        let json = render(&list, Format::Json);
        let parsed: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(json.contains("140.50"));
        assert_eq!(render(&list, Format::Ndjson).lines().count(), 2);
        let csv = render(&list, Format::Csv);
        assert_eq!(csv.lines().next(), Some("id,amount,note,extra"));
        assert!(csv.contains("1,140.50,\"a, \"\"b\"\"\",\n2,,,\n"), "{csv}");
        let table = render(&list, Format::Table);
        assert!(table.starts_with("id  amount  note"), "{table}");
        assert!(table.ends_with("(2 records)\n"));
        assert_eq!(render(&Output::Many(vec![]), Format::Json).trim(), "[]");
        assert_eq!(
            render(&Output::One(raw(r#"{"updated":true}"#)), Format::Json).trim(),
            r#"{"updated":true}"#
        );
    }
}
