//! `--format table`: columns for people, fitted to the terminal, with vendor text that
//! cannot steer it.
//!
//! Widths are display widths (a CJK character takes two columns, a combining mark none).
//! The columns and their widths are chosen once, from the first block of records, so the
//! header is printed once however long the report; a later cell wider than its column is
//! cut with `…` like any other. On a terminal the columns shrink (never below their header)
//! to fit its width, and those that still do not fit are left out, the closing line saying
//! how to see them. A single record is shown vertically, one field a line.
//!
//! Hand-written over `unicode-width` and `terminal_size` rather than comfy-table or tabled:
//! a report arrives in blocks of 1,000 records and must keep one header and the same column
//! widths for every later block, and neither crate lets a caller read back the widths it
//! chose to reuse them; the fitting is about 100 lines with its own tests.

use std::io::Write;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::cells::Row;
use crate::terminal;

/// Widest a table column gets before its cells are cut.
const MAX_COLUMN: usize = 32;

/// Narrowest a column is squeezed to for values (its header may keep it wider).
const MIN_COLUMN: usize = 6;

/// Between two columns.
const GAP: &str = "  ";

/// A cell as shown: line breaks and tabs as spaces (one row stays one line), every other
/// control or bidi character escaped, cut to `max` display columns with `…`.
pub fn shown(text: &str, max: usize) -> String {
    let flat = text.replace(['\n', '\r', '\t'], " ");
    let text = terminal::escape(&flat);
    if text.width() <= max {
        return text.into_owned();
    }
    let mut cut = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max.saturating_sub(1) {
            break;
        }
        used += w;
        cut.push(c);
    }
    cut.push('…');
    cut
}

/// `text` padded with spaces to `width` display columns.
fn padded(text: &str, width: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(text.width())));
    out
}

/// The columns a table shows and their widths, chosen once.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The fields shown, in order.
    pub header: Vec<String>,
    widths: Vec<usize>,
}

impl Layout {
    /// The columns of `header` sized for `rows`, fitted to `width` display columns when
    /// given: each column as wide as its widest cell (at most [`MAX_COLUMN`]), then the
    /// widest shrunk one column at a time down to their header (or [`MIN_COLUMN`]), then
    /// the last columns left out until the rest fit.
    pub fn fit(header: &[String], rows: &[Row], width: Option<usize>) -> Layout {
        let natural: Vec<usize> = header
            .iter()
            .map(|h| {
                rows.iter()
                    .filter_map(|row| row.get(h))
                    .map(|c| shown(&c.text, MAX_COLUMN).width())
                    .chain([shown(h, MAX_COLUMN).width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut widths = natural.clone();
        let mut header = header.to_vec();
        if let Some(width) = width {
            let least: Vec<usize> = header
                .iter()
                .zip(&natural)
                .map(|(h, n)| shown(h, MAX_COLUMN).width().max(MIN_COLUMN).min(*n))
                .collect();
            while total(&widths) > width {
                let widest = (0..widths.len())
                    .filter(|&i| widths[i] > least[i])
                    .max_by_key(|&i| (widths[i] - least[i], std::cmp::Reverse(i)));
                match widest {
                    Some(i) => widths[i] -= 1,
                    None => break,
                }
            }
            while widths.len() > 1 && total(&widths) > width {
                widths.pop();
                header.pop();
            }
            if let Some(only) = widths.first_mut() {
                *only = (*only).min(width.max(1));
            }
        }
        Layout { header, widths }
    }

    fn line(&self, cells: impl Iterator<Item = String>) -> String {
        let cells: Vec<String> = cells
            .zip(&self.widths)
            .map(|(c, w)| padded(&shown(&c, *w), *w))
            .collect();
        cells.join(GAP).trim_end().to_owned()
    }

    /// The header and the rule under it.
    pub fn write_header(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.header.is_empty() {
            return Ok(());
        }
        writeln!(out, "{}", self.line(self.header.iter().cloned()))?;
        let rule = self.widths.iter().map(|w| "-".repeat(*w));
        writeln!(out, "{}", self.line(rule))
    }

    /// One line a record.
    pub fn write_rows(&self, rows: &[Row], out: &mut dyn Write) -> std::io::Result<()> {
        if self.header.is_empty() {
            return Ok(());
        }
        for row in rows {
            let cells = self
                .header
                .iter()
                .map(|h| row.get(h).map_or_else(String::new, |c| c.text.clone()));
            writeln!(out, "{}", self.line(cells))?;
        }
        Ok(())
    }
}

/// The display width of columns of `widths` with the gaps between them.
fn total(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + GAP.len() * widths.len().saturating_sub(1)
}

/// One record vertically: each field of `header` on its own line, its name then its value,
/// the value cut to what is left of `width`.
pub fn write_vertical(
    header: &[String],
    row: &Row,
    width: Option<usize>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let names: Vec<String> = header.iter().map(|h| shown(h, MAX_COLUMN)).collect();
    let name_width = names.iter().map(|n| n.width()).max().unwrap_or(0);
    let value_width = width.map_or(usize::MAX, |w| {
        w.saturating_sub(name_width + GAP.len()).max(MIN_COLUMN)
    });
    for (field, name) in header.iter().zip(&names) {
        let value = row.get(field).map_or("", |c| c.text.as_str());
        let line = format!(
            "{}{GAP}{}",
            padded(name, name_width),
            shown(value, value_width)
        );
        writeln!(out, "{}", line.trim_end())?;
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

/// What stderr says when a table shows `shown` of `of` fields: how to see the others.
pub fn hidden_note(shown: usize, of: usize) -> Option<String> {
    (shown < of).then(|| {
        format!("practice: {shown} of {of} fields shown; --fields all (or --fields A,B,C) for more")
    })
}

#[cfg(test)]
mod tests {
    use super::super::cells::cells;
    use super::*;

    fn row(json: &str) -> Row {
        cells(&serde_json::value::RawValue::from_string(json.to_owned()).unwrap())
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn cells_are_cut_by_display_width_with_an_ellipsis() {
        assert_eq!(shown("abcdef", 6), "abcdef");
        assert_eq!(shown("abcdefg", 6), "abcde…");
        // Two columns a character: 4 fit before the ellipsis in 9.
        assert_eq!(shown("日本語のテキスト", 9), "日本語の…");
        assert_eq!(shown("日本語のテキスト", 9).width(), 9);
        assert_eq!(shown("a\nb\tc", 10), "a b c");
    }

    #[test]
    fn columns_shrink_to_the_width_then_the_last_are_left_out() {
        let header = names(&["id", "name", "note"]);
        let rows = vec![row(
            r#"{"id":1,"name":"Alexandra Featherstonehaugh","note":"a fairly long note about nothing"}"#,
        )];
        let free = Layout::fit(&header, &rows, None);
        assert_eq!(free.widths, [2, 27, 32]);
        let fitted = Layout::fit(&header, &rows, Some(40));
        assert_eq!(total(&fitted.widths), 40, "{:?}", fitted.widths);
        assert_eq!(fitted.header.len(), 3);
        let narrow = Layout::fit(&header, &rows, Some(14));
        assert_eq!(narrow.header, ["id", "name"]);
        assert!(total(&narrow.widths) <= 14, "{:?}", narrow.widths);
        let mut buf = Vec::new();
        fitted.write_header(&mut buf).unwrap();
        fitted.write_rows(&rows, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().all(|l| l.width() <= 40), "{text}");
        assert!(text.contains('…'), "{text}");
    }

    #[test]
    fn one_record_is_shown_one_field_a_line() {
        let header = names(&["id", "surname", "gone"]);
        let mut buf = Vec::new();
        write_vertical(
            &header,
            &row(r#"{"id":7,"surname":"Smith"}"#),
            None,
            &mut buf,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "id\u{20}\u{20}\u{20}\u{20}\u{20}\u{20}\u{20}7\nsurname  Smith\ngone\n"
        );
    }

    #[test]
    fn the_note_says_how_to_see_what_was_left_out() {
        assert_eq!(
            hidden_note(10, 48).as_deref(),
            Some("practice: 10 of 48 fields shown; --fields all (or --fields A,B,C) for more")
        );
        assert_eq!(hidden_note(4, 4), None);
    }
}
