//! `--format csv`, with cells that a spreadsheet would run as a formula made inert.

use std::io::Write;

use serde_json::value::RawValue;

use super::cells::header_and_rows;

/// What a cell may begin with for a spreadsheet to read it as a formula (OWASP, "CSV
/// Injection"): `=`, `+`, `-`, `@`, tab and carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a spreadsheet will show it and never run it: prefixed with `'` when it begins
/// like a formula. Only vendor text is protected; a JSON number such as `-12.50` is a number
/// and stays as sent.
pub fn inert(text: &str, was_string: bool) -> std::borrow::Cow<'_, str> {
    if was_string && text.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Writes a header row and one row per record; `raw` leaves every cell exactly as received.
pub fn write(
    records: &[&RawValue],
    fields: Option<&[String]>,
    raw: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let (header, rows) = header_and_rows(records, fields);
    let mut writer = csv::Writer::from_writer(out);
    let protect = |text: &str, was_string: bool| -> String {
        if raw {
            text.to_owned()
        } else {
            inert(text, was_string).into_owned()
        }
    };
    if !header.is_empty() {
        // Field names come from the vendor too: an unknown field is named by it.
        let names: Vec<_> = header.iter().map(|h| protect(h, true)).collect();
        writer.write_record(&names).map_err(io_error)?;
    }
    for row in rows {
        let cells: Vec<_> = header
            .iter()
            .map(|h| {
                row.get(h)
                    .map_or_else(String::new, |c| protect(&c.text, c.was_string))
            })
            .collect();
        writer.write_record(&cells).map_err(io_error)?;
    }
    writer.flush()
}

/// The I/O error inside a CSV error, so that a closed pipe is still seen as one.
fn io_error(err: csv::Error) -> std::io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err,
        other => std::io::Error::other(format!("could not write CSV: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_starts_like_a_formula_is_prefixed_and_numbers_are_not() {
        for formula in [
            "=1+1",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(inert(formula, true), format!("'{formula}"));
        }
        for kept in ["Smith", "1-2", "", "'quoted", " =x"] {
            assert_eq!(inert(kept, true), kept);
        }
        assert_eq!(inert("-12.50", false), "-12.50", "a JSON number");
        assert_eq!(inert("-12.50", true), "'-12.50", "a JSON string");
    }
}
