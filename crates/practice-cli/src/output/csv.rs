//! `--format csv`, with cells that a spreadsheet would run as a formula made inert.

use std::io::Write;

use super::cells::Row;

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

/// Writes the header row, each cell made inert unless `raw` (field names come from the
/// vendor too: an unknown field is named by it).
pub fn write_header<W: Write>(
    writer: &mut csv::Writer<W>,
    header: &[String],
    raw: bool,
) -> std::io::Result<()> {
    if header.is_empty() {
        return Ok(());
    }
    let names: Vec<_> = header.iter().map(|h| protect(h, true, raw)).collect();
    writer.write_record(&names).map_err(io_error)
}

/// Writes one row of cells in `header`'s order; `raw` leaves every cell exactly as received.
pub fn write_row<W: Write>(
    writer: &mut csv::Writer<W>,
    header: &[String],
    row: &Row,
    raw: bool,
) -> std::io::Result<()> {
    let cells: Vec<_> = header
        .iter()
        .map(|h| {
            row.get(h)
                .map_or_else(String::new, |c| protect(&c.text, c.was_string, raw))
        })
        .collect();
    writer.write_record(&cells).map_err(io_error)
}

fn protect(text: &str, was_string: bool, raw: bool) -> String {
    if raw {
        text.to_owned()
    } else {
        inert(text, was_string).into_owned()
    }
}

/// The I/O error inside a CSV error, so that a closed pipe is still seen as one.
pub fn io_error(err: csv::Error) -> std::io::Error {
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
