//! Output formats. Records are printed from their exact wire JSON (field names, unknown
//! fields and money digits as received); stdout carries data only.

mod cells;
mod columns;
mod csv;
mod format;
mod stream;
mod table;

pub use columns::{ALL, Columns, Schema, unknown_fields_message};
pub use format::Format;
pub use stream::{RecordWriter, STREAM_BLOCK};

use std::io::Write;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::exit::Failure;

/// Where and how a command that prints as it fetches writes its records.
#[derive(Debug, Clone)]
pub struct Printer {
    /// The format.
    pub format: Format,
    /// The columns of the column formats.
    pub columns: Columns,
}

impl Printer {
    /// A writer of records of `schema` to stdout, holding at most [`STREAM_BLOCK`] of them.
    pub fn records(
        &self,
        schema: Option<Schema>,
    ) -> RecordWriter<std::io::BufWriter<std::io::Stdout>> {
        let columns = Columns {
            schema,
            ..self.columns.clone()
        };
        RecordWriter::new(
            self.format,
            &columns,
            STREAM_BLOCK,
            std::io::BufWriter::with_capacity(64 << 10, std::io::stdout()),
        )
    }
}

/// The failure of writing to stdout: none worth a message when the reader has gone (`| head`).
pub fn write_failed(err: std::io::Error) -> Failure {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure::reader_gone();
    }
    Failure::local(format!("could not write the output: {err}"))
}

/// Writes `text` to stdout; a reader that has gone away (`| head`) is not a failure.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::local(format!("could not write the output: {err}")))
        }
        _ => Ok(()),
    }
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
    /// Checks that every `--fields` name is a field of the records (when there are records
    /// to judge by), before anything is written.
    pub fn check_fields(&self, columns: &Columns) -> Result<(), Failure> {
        let Some(fields) = &columns.fields else {
            return Ok(());
        };
        let (unknown, known) = cells::unknown_fields(&self.rows(), fields);
        if unknown.is_empty() {
            return Ok(());
        }
        // Field names come from the vendor: shown escaped like any vendor text.
        let unknown: Vec<&str> = unknown.iter().map(String::as_str).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        Err(Failure::input(unknown_fields_message(&unknown, &known)))
    }

    /// Writes the output in `format`.
    pub fn write(
        &self,
        format: Format,
        columns: &Columns,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        match (self, format) {
            (Output::One(r), Format::Json | Format::Ndjson) => writeln!(out, "{}", r.get()),
            _ => {
                // Everything is in memory already: one block, so the CSV header is the union
                // of every record's fields.
                let mut writer = RecordWriter::new(format, columns, usize::MAX, out);
                for r in self.rows() {
                    writer.record(r.get())?;
                }
                writer.finish()
            }
        }
    }

    fn rows(&self) -> Vec<&RawValue> {
        match self {
            Output::One(r) => vec![r.as_ref()],
            Output::Many(rs) => rs.iter().map(AsRef::as_ref).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    fn render(output: &Output, format: Format) -> String {
        let mut buf = Vec::new();
        output.write(format, &Columns::default(), &mut buf).unwrap();
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
