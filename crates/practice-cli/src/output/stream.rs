//! Records written as they come, in every format, so that a report of any size passes
//! through in bounded memory.
//!
//! `json` and `ndjson` write each record at once, exactly as the vendor sent it (ndjson
//! drops the line breaks between its tokens: a JSON string cannot hold a raw one, so that is
//! all that changes). The column formats need to know their columns first:
//!
//! * `csv`: with `--fields`, those columns, from the first record on. Otherwise the columns
//!   are chosen (see [`super::columns`]) once the first `block` records (1,000 when
//!   streaming) are held: every documented field of typed records, in spec order, then the
//!   others seen in that block, sorted. A field the spec does not name that first appears in
//!   a later record has no column: its name is warned about on stderr once, and `--fields`
//!   or `--format ndjson` keeps it.
//! * `table`: the columns and their widths chosen from the first block (see
//!   [`super::table`]), the header printed once, then every record a line, then the count.
//!   A single record is shown vertically.

use std::collections::HashSet;
use std::io::Write;

use serde_json::value::RawValue;

use super::cells;
use super::columns::Columns;
use super::csv;
use super::format::Format;
use super::table::{self, Layout};
use crate::terminal;

/// Records held at most before the CSV header is chosen or a table block is printed.
pub const STREAM_BLOCK: usize = 1000;

enum Out<W: Write> {
    Plain(W),
    Csv(Box<::csv::Writer<W>>),
}

/// Writes records one at a time in one format.
pub struct RecordWriter<W: Write> {
    format: Format,
    columns: Columns,
    block: usize,
    out: Out<W>,
    count: usize,
    pending: Vec<Box<RawValue>>,
    csv_header: Option<Vec<String>>,
    warned: HashSet<String>,
    /// The table's columns, once chosen, and how many fields there were to choose from.
    table: Option<(Layout, usize)>,
}

impl<W: Write> RecordWriter<W> {
    /// A writer of `format` to `out`, holding at most `block` records (see the module).
    pub fn new(format: Format, columns: &Columns, block: usize, out: W) -> Self {
        let out = match format {
            Format::Csv => Out::Csv(Box::new(::csv::Writer::from_writer(out))),
            _ => Out::Plain(out),
        };
        RecordWriter {
            format,
            columns: columns.clone(),
            block: block.max(1),
            out,
            count: 0,
            pending: Vec::new(),
            csv_header: None,
            warned: HashSet::new(),
            table: None,
        }
    }

    /// Records written or held so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// One record, as the vendor sent it (one JSON value).
    pub fn record(&mut self, raw: &str) -> std::io::Result<()> {
        self.count = self.count.saturating_add(1);
        match (&mut self.out, self.format) {
            (Out::Plain(out), Format::Json) => {
                out.write_all(if self.count == 1 { b"[\n" } else { b",\n" })?;
                out.write_all(raw.as_bytes())
            }
            (Out::Plain(out), Format::Ndjson) => {
                // Line breaks can only be JSON whitespace here (inside strings they are
                // escaped): dropping them keeps the value and makes it one line.
                let bytes = raw.as_bytes();
                let mut from = 0;
                for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
                    out.write_all(&bytes[from..at])?;
                    from = at + 1;
                }
                out.write_all(&bytes[from..])?;
                out.write_all(b"\n")
            }
            (Out::Csv(_), _) => self.csv_record(raw),
            (Out::Plain(_), _) => {
                self.pending.push(owned(raw)?);
                if self.pending.len() >= self.block {
                    self.table_block()?;
                }
                Ok(())
            }
        }
    }

    /// Writes what is held and the closing text, and flushes.
    pub fn finish(mut self) -> std::io::Result<()> {
        match self.format {
            Format::Json => {
                let closing: &[u8] = if self.count == 0 { b"[]\n" } else { b"\n]\n" };
                if let Out::Plain(out) = &mut self.out {
                    out.write_all(closing)?;
                }
            }
            Format::Ndjson => {}
            Format::Csv => {
                if self.csv_header.is_none() {
                    self.choose_csv_header()?;
                }
            }
            Format::Table => {
                if self.table.is_none() && self.pending.len() == 1 {
                    self.table_vertical()?;
                } else {
                    self.table_block()?;
                }
                if let Out::Plain(out) = &mut self.out {
                    table::write_count(self.count, out)?;
                }
            }
        }
        match &mut self.out {
            Out::Plain(out) => out.flush()?,
            Out::Csv(writer) => writer.flush()?,
        }
        // After the table, so that it is the last thing read.
        let note = self
            .table
            .as_ref()
            .and_then(|(layout, of)| table::hidden_note(layout.header.len(), *of));
        if let Some(note) = note {
            eprintln!("{note}");
        }
        Ok(())
    }

    fn csv_record(&mut self, raw: &str) -> std::io::Result<()> {
        if self.csv_header.is_none() {
            if let Some(fields) = self.columns.fields.clone() {
                self.write_csv_header(fields)?;
            } else {
                self.pending.push(owned(raw)?);
                if self.pending.len() >= self.block {
                    self.choose_csv_header()?;
                }
                return Ok(());
            }
        }
        let row = cells::cells(&owned(raw)?);
        self.csv_row(&row)
    }

    /// The header from the records held, then those records.
    fn choose_csv_header(&mut self) -> std::io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let rows: Vec<cells::Row> = pending.iter().map(|r| cells::cells(r)).collect();
        let header = self.columns.header(&rows, Format::Csv);
        self.write_csv_header(header)?;
        for row in &rows {
            self.csv_row(row)?;
        }
        Ok(())
    }

    fn write_csv_header(&mut self, header: Vec<String>) -> std::io::Result<()> {
        if let Out::Csv(writer) = &mut self.out {
            csv::write_header(writer, &header, self.columns.csv_raw)?;
        }
        self.csv_header = Some(header);
        Ok(())
    }

    fn csv_row(&mut self, row: &cells::Row) -> std::io::Result<()> {
        let (Out::Csv(writer), Some(header)) = (&mut self.out, &self.csv_header) else {
            return Ok(());
        };
        if self.columns.fields.is_none() {
            for key in row.keys() {
                if !header.contains(key)
                    && self.columns.is_unknown(key)
                    && self.warned.insert(key.clone())
                {
                    eprintln!(
                        "practice: warning: field `{}` first appears in record {}, after the CSV \
                         columns were chosen from the first {} records; it is not in the CSV \
                         (--fields or --format ndjson keeps it)",
                        terminal::escape(key),
                        self.count,
                        self.block
                    );
                }
            }
        }
        csv::write_row(writer, header, row, self.columns.csv_raw)
    }

    /// Prints the records held: the first time, the header chosen from them above them.
    fn table_block(&mut self) -> std::io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let rows: Vec<cells::Row> = pending.iter().map(|r| cells::cells(r)).collect();
        if self.table.is_none() && !rows.is_empty() {
            let header = self.columns.header(&rows, Format::Table);
            let of = self.every_field(&rows).len();
            let layout = Layout::fit(&header, &rows, self.columns.width);
            if let Out::Plain(out) = &mut self.out {
                layout.write_header(out)?;
            }
            self.table = Some((layout, of));
        }
        match (&mut self.out, &self.table) {
            (Out::Plain(out), Some((layout, _))) => layout.write_rows(&rows, out),
            _ => Ok(()),
        }
    }

    /// The one record of the output, one field a line: every field unless `--fields`.
    fn table_vertical(&mut self) -> std::io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let rows: Vec<cells::Row> = pending.iter().map(|r| cells::cells(r)).collect();
        let header = self.every_field(&rows);
        if let (Out::Plain(out), Some(row)) = (&mut self.out, rows.first()) {
            table::write_vertical(&header, row, self.columns.width, out)?;
        }
        Ok(())
    }

    /// The `--fields` columns, or else every field of `rows` in the order of `--fields all`.
    fn every_field(&self, rows: &[cells::Row]) -> Vec<String> {
        let all = Columns {
            all: true,
            ..self.columns.clone()
        };
        all.header(rows, Format::Table)
    }
}

fn owned(raw: &str) -> std::io::Result<Box<RawValue>> {
    RawValue::from_string(raw.to_owned()).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(format: Format, columns: &Columns, block: usize, records: &[&str]) -> String {
        let mut buf = Vec::new();
        let mut writer = RecordWriter::new(format, columns, block, &mut buf);
        for r in records {
            writer.record(r).unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn ndjson_keeps_each_record_as_sent_on_one_line() {
        let pretty = "{\n  \"id\": 1,\r\n  \"amount\": 140.50e0,\n  \"note\": \"a\\nb\"\n}";
        let out = render(Format::Ndjson, &Columns::default(), 1, &[pretty, "[1, 2]"]);
        assert_eq!(
            out,
            "{  \"id\": 1,  \"amount\": 140.50e0,  \"note\": \"a\\nb\"}\n[1, 2]\n"
        );
        for line in out.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }

    #[test]
    fn json_is_one_array_even_when_empty() {
        assert_eq!(render(Format::Json, &Columns::default(), 1, &[]), "[]\n");
        let out = render(
            Format::Json,
            &Columns::default(),
            1,
            &[r#"{"a":1}"#, r#"{"a":2}"#],
        );
        assert_eq!(out, "[\n{\"a\":1},\n{\"a\":2}\n]\n");
    }

    #[test]
    fn csv_header_comes_from_the_first_block_and_later_fields_are_named() {
        let records = [r#"{"a":1}"#, r#"{"b":"x"}"#, r#"{"a":3,"c":"=1"}"#];
        let out = render(Format::Csv, &Columns::default(), 2, &records);
        assert_eq!(out, "a,b\n1,\n,x\n3,\n");
        let all = render(Format::Csv, &Columns::default(), 10, &records);
        assert_eq!(all, "a,b,c\n1,,\n,x,\n3,,'=1\n");
        let chosen = Columns {
            fields: Some(vec!["c".into(), "a".into()]),
            csv_raw: true,
            ..Columns::default()
        };
        assert_eq!(
            render(Format::Csv, &chosen, 1, &records),
            "c,a\n,1\n,\n=1,3\n"
        );
        assert_eq!(render(Format::Csv, &Columns::default(), 5, &[]), "");
    }

    #[test]
    fn table_prints_one_header_however_many_blocks_then_the_count() {
        let out = render(
            Format::Table,
            &Columns::default(),
            2,
            &[r#"{"a":1}"#, r#"{"a":22}"#, r#"{"a":333}"#],
        );
        // The widths come from the first block: a wider later cell is cut, not re-headed.
        assert_eq!(out, "a\n--\n1\n22\n3…\n(3 records)\n");
        assert_eq!(
            render(Format::Table, &Columns::default(), 2, &[]),
            "(no records)\n"
        );
        let one = render(
            Format::Table,
            &Columns::default(),
            2,
            &[r#"{"a":1,"bb":"x"}"#],
        );
        assert_eq!(one, "a   1\nbb  x\n(1 record)\n");
    }

    #[test]
    fn typed_records_keep_the_spec_order_in_csv_and_table_defaults_in_a_table() {
        use super::super::columns::Schema;
        const SCHEMA: Schema = Schema::new(&["id", "late", "amount"], &["id", "amount"]);
        let typed = Columns {
            schema: Some(SCHEMA),
            ..Columns::default()
        };
        // "late" is documented but first appears after the first block: still a column.
        let records = [
            r#"{"amount":1,"zz":0,"id":1}"#,
            r#"{"id":2,"late":"y","new":3}"#,
        ];
        let csv = render(Format::Csv, &typed, 1, &records);
        assert_eq!(csv, "id,late,amount,zz\n1,,1,0\n2,y,,\n");
        let table = render(Format::Table, &typed, 1000, &records);
        assert_eq!(table, "id  amount\n--  ------\n1   1\n2\n(2 records)\n");
    }
}
