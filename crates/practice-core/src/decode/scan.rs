//! Finds the rows of a JSON answer as its bytes arrive, without parsing them: the elements of
//! the top-level array, or of one field's array in the top-level object (`{"data": [...]}`).
//! Each row comes out as the exact bytes the server sent, ready for serde; everything else is
//! skipped without being kept. Memory is one row plus one chunk, whatever the answer's size.
//!
//! Hand-written because serde_json has no incremental reader for a sequence inside an object
//! (`StreamDeserializer` reads concatenated top-level values only), and a generic JSON
//! tokenizer would materialise every value of every row before serde reads it again.
//! Measured in `cargo xtask bench --cli-report` (docs/benchmarks.md).
// Offsets and depths here are driven by a server's bytes: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use bytes::{Buf, Bytes, BytesMut};

/// Where the rows are in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsAt {
    /// The answer is an array of rows.
    Root,
    /// The rows are the array under this key of the top-level object; a missing key or
    /// `null` reads as no rows.
    Field(&'static str),
}

/// Why the bytes are not the expected document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// Not JSON of the expected shape: what was expected, at which byte of the answer.
    Malformed {
        /// What the scanner expected.
        expected: &'static str,
        /// Offset of the offending byte in the answer.
        at: u64,
    },
    /// The answer ended before its last row or its closing bracket.
    Truncated {
        /// Bytes received.
        at: u64,
    },
    /// A row (or a key) grew past the limit.
    RowTooLarge {
        /// The limit, in bytes.
        limit: usize,
        /// The index of the row.
        row: usize,
    },
}

/// How far into a value the scanner is.
#[derive(Debug, Clone, Copy, Default)]
struct Skip {
    depth: u32,
    in_string: bool,
    escaped: bool,
    scalar: bool,
}

impl Skip {
    /// The scan state right after a value's first byte.
    fn starting(first: u8) -> Skip {
        match first {
            b'{' | b'[' => Skip {
                depth: 1,
                ..Skip::default()
            },
            b'"' => Skip {
                in_string: true,
                ..Skip::default()
            },
            _ => Skip {
                scalar: true,
                ..Skip::default()
            },
        }
    }

    /// Advances through `bytes`; `Some(n)` when the value ends after (a string or container)
    /// or at (a scalar, ended by its delimiter) offset `n`.
    fn advance(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0usize;
        while i < bytes.len() {
            if self.scalar {
                match bytes[i] {
                    b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r' => return Some(i),
                    _ => {}
                }
                i = i.saturating_add(1);
                continue;
            }
            if self.escaped {
                self.escaped = false;
                i = i.saturating_add(1);
                continue;
            }
            if self.in_string {
                match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                    None => return None,
                    Some(at) => {
                        i = i.saturating_add(at);
                        if bytes[i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                            if self.depth == 0 {
                                return Some(i.saturating_add(1));
                            }
                        }
                        i = i.saturating_add(1);
                        continue;
                    }
                }
            }
            match bytes[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth = self.depth.saturating_add(1),
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(i.saturating_add(1));
                    }
                }
                _ => {}
            }
            i = i.saturating_add(1);
        }
        None
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Before the top-level value.
    Start,
    /// In the top-level object, expecting a key (or `}` right after `{`).
    Key { first: bool },
    /// Inside a key's string, which began at `start`.
    InKey { start: usize, escaped: bool },
    /// After a key, expecting `:`.
    Colon { target: bool },
    /// Expecting a field's value.
    Value { target: bool },
    /// Skipping a field's value that began at `start`.
    Skipping {
        skip: Skip,
        start: usize,
        target: bool,
    },
    /// After a field's value, expecting `,` or `}`.
    AfterValue,
    /// In the rows' array, expecting a row (or `]` right after `[`).
    Row { first: bool },
    /// Inside a row that began at `start`.
    InRow { skip: Skip, start: usize },
    /// After a row, expecting `,` or `]`.
    AfterRow,
    /// After the top-level value: only whitespace may follow.
    End,
}

/// Splits an answer into rows as its chunks arrive. Feed chunks with [`feed`](Self::feed),
/// take rows with [`next_row`](Self::next_row) until it returns `None`, and call
/// [`finish`](Self::finish) at the end of the body.
#[derive(Debug)]
pub struct RowSplitter {
    at: RowsAt,
    max_row: usize,
    buf: BytesMut,
    /// Scan position in `buf`.
    pos: usize,
    /// Bytes dropped from the front of `buf` so far (for offsets in errors).
    dropped: u64,
    state: State,
    rows: usize,
}

impl RowSplitter {
    /// A splitter for rows at `at`, each at most `max_row` bytes.
    pub fn new(at: RowsAt, max_row: usize) -> Self {
        RowSplitter {
            at,
            max_row,
            buf: BytesMut::new(),
            pos: 0,
            dropped: 0,
            state: State::Start,
            rows: 0,
        }
    }

    /// Rows found so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends the next chunk of the answer, first dropping what was scanned and not kept.
    pub fn feed(&mut self, chunk: &[u8]) {
        let keep_from = match self.state {
            State::InKey { start, .. }
            | State::InRow { start, .. }
            | State::Skipping {
                start,
                target: true,
                ..
            } => start,
            _ => self.pos,
        };
        if keep_from > 0 {
            self.buf.advance(keep_from);
            self.dropped = self.dropped.saturating_add(keep_from as u64);
            self.pos = self.pos.saturating_sub(keep_from);
            self.state = shift(self.state, keep_from);
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete row, if the bytes fed so far hold one.
    pub fn next_row(&mut self) -> Result<Option<Bytes>, ScanError> {
        loop {
            match self.state {
                State::InRow { mut skip, start } => {
                    let Some(len) = skip.advance(&self.buf[self.pos..]) else {
                        self.pos = self.buf.len();
                        self.state = State::InRow { skip, start };
                        self.check_row_size(start)?;
                        return Ok(None);
                    };
                    let end = self.pos.saturating_add(len);
                    self.buf.advance(start);
                    self.dropped = self.dropped.saturating_add(start as u64);
                    let row = self.buf.split_to(end.saturating_sub(start)).freeze();
                    self.dropped = self.dropped.saturating_add(row.len() as u64);
                    self.pos = 0;
                    self.state = State::AfterRow;
                    if row.len() > self.max_row {
                        return Err(ScanError::RowTooLarge {
                            limit: self.max_row,
                            row: self.rows,
                        });
                    }
                    self.rows = self.rows.saturating_add(1);
                    return Ok(Some(row));
                }
                State::InKey { start, escaped } => {
                    if !self.scan_key(start, escaped)? {
                        return Ok(None);
                    }
                }
                State::Skipping {
                    mut skip,
                    start,
                    target,
                } => {
                    let Some(len) = skip.advance(&self.buf[self.pos..]) else {
                        self.pos = self.buf.len();
                        self.state = State::Skipping {
                            skip,
                            start,
                            target,
                        };
                        return Ok(None);
                    };
                    let end = self.pos.saturating_add(len);
                    if target && &self.buf[start..end] != b"null" {
                        return Err(self.malformed("an array of rows or null", start));
                    }
                    self.pos = end;
                    self.state = match self.at {
                        RowsAt::Root => State::End,
                        RowsAt::Field(_) => State::AfterValue,
                    };
                }
                _ => {
                    let Some(at) = self.skip_whitespace() else {
                        return Ok(None);
                    };
                    self.structural(at)?;
                }
            }
        }
    }

    /// At the end of the body: the document must be complete.
    pub fn finish(&mut self) -> Result<(), ScanError> {
        // Every value that can end the document ends with a bracket, so nothing is pending.
        match self.state {
            State::End => Ok(()),
            _ => Err(ScanError::Truncated {
                at: self.dropped.saturating_add(self.buf.len() as u64),
            }),
        }
    }

    /// Handles the structural byte at `at` (whitespace skipped) in the current state.
    fn structural(&mut self, at: usize) -> Result<(), ScanError> {
        let byte = self.buf[at];
        let next = at.saturating_add(1);
        self.state = match (self.state, byte) {
            (State::Start, b'{') if matches!(self.at, RowsAt::Field(_)) => {
                State::Key { first: true }
            }
            (State::Start, b'[') if self.at == RowsAt::Root => State::Row { first: true },
            (State::Start, _) => {
                let expected = match self.at {
                    RowsAt::Root => "an array of rows",
                    RowsAt::Field(_) => "an object",
                };
                return Err(self.malformed(expected, at));
            }
            (State::Key { first: true }, b'}') => State::End,
            (State::Key { .. }, b'"') => State::InKey {
                start: at,
                escaped: false,
            },
            (State::Key { .. }, _) => return Err(self.malformed("a field name", at)),
            (State::Colon { target }, b':') => State::Value { target },
            (State::Colon { .. }, _) => return Err(self.malformed("`:`", at)),
            (State::Value { target: true }, b'[') => State::Row { first: true },
            (State::Value { .. }, b',' | b']' | b'}' | b':') => {
                return Err(self.malformed("a value", at));
            }
            (State::Value { target }, first) => {
                let skip = Skip::starting(first);
                self.pos = if skip.scalar { at } else { next };
                self.state = State::Skipping {
                    skip,
                    start: at,
                    target,
                };
                return Ok(());
            }
            (State::AfterValue, b',') => State::Key { first: false },
            (State::AfterValue, b'}') => State::End,
            (State::AfterValue, _) => return Err(self.malformed("`,` or `}`", at)),
            (State::Row { first: true }, b']') | (State::AfterRow, b']') => match self.at {
                RowsAt::Root => State::End,
                RowsAt::Field(_) => State::AfterValue,
            },
            (State::Row { .. }, b',' | b']' | b'}' | b':') => {
                return Err(self.malformed("a row", at));
            }
            (State::Row { .. }, first) => {
                let skip = Skip::starting(first);
                self.pos = if skip.scalar { at } else { next };
                self.state = State::InRow { skip, start: at };
                return Ok(());
            }
            (State::AfterRow, b',') => State::Row { first: false },
            (State::AfterRow, _) => return Err(self.malformed("`,` or `]`", at)),
            (State::End, _) => return Err(self.malformed("nothing after the answer", at)),
            (State::InKey { .. } | State::Skipping { .. } | State::InRow { .. }, _) => {
                return Ok(());
            }
        };
        self.pos = next;
        Ok(())
    }

    /// Scans a key's string; `true` once it is complete (the state then moves on).
    fn scan_key(&mut self, start: usize, mut escaped: bool) -> Result<bool, ScanError> {
        let mut i = self.pos.max(start.saturating_add(1));
        while i < self.buf.len() {
            if escaped {
                escaped = false;
            } else if self.buf[i] == b'\\' {
                escaped = true;
            } else if self.buf[i] == b'"' {
                let end = i.saturating_add(1);
                let target = self.is_target(&self.buf[start..end]);
                self.pos = end;
                self.state = State::Colon { target };
                return Ok(true);
            }
            i = i.saturating_add(1);
        }
        self.pos = i;
        self.state = State::InKey { start, escaped };
        if i.saturating_sub(start) > self.max_row {
            return Err(ScanError::RowTooLarge {
                limit: self.max_row,
                row: self.rows,
            });
        }
        Ok(false)
    }

    /// Whether a key (with its quotes) names the rows' field; escapes are decoded.
    fn is_target(&self, quoted: &[u8]) -> bool {
        let RowsAt::Field(name) = self.at else {
            return false;
        };
        let inner = &quoted[1..quoted.len().saturating_sub(1)];
        if !inner.contains(&b'\\') {
            return inner == name.as_bytes();
        }
        serde_json::from_slice::<String>(quoted).is_ok_and(|key| key == name)
    }

    fn check_row_size(&self, start: usize) -> Result<(), ScanError> {
        if self.buf.len().saturating_sub(start) > self.max_row {
            return Err(ScanError::RowTooLarge {
                limit: self.max_row,
                row: self.rows,
            });
        }
        Ok(())
    }

    /// The offset of the next non-whitespace byte, scanning from `pos`.
    fn skip_whitespace(&mut self) -> Option<usize> {
        let rest = &self.buf[self.pos..];
        match rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            Some(n) => Some(self.pos.saturating_add(n)),
            None => {
                self.pos = self.buf.len();
                None
            }
        }
    }

    fn malformed(&self, expected: &'static str, at: usize) -> ScanError {
        ScanError::Malformed {
            expected,
            at: self.dropped.saturating_add(at as u64),
        }
    }
}

/// `state` with its offsets moved back by `by` bytes dropped from the buffer.
fn shift(state: State, by: usize) -> State {
    match state {
        State::InKey { start, escaped } => State::InKey {
            start: start.saturating_sub(by),
            escaped,
        },
        State::InRow { skip, start } => State::InRow {
            skip,
            start: start.saturating_sub(by),
        },
        State::Skipping {
            skip,
            start,
            target,
        } => State::Skipping {
            skip,
            start: start.saturating_sub(by),
            target,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All rows of `body` fed in chunks of `size` bytes.
    fn split(at: RowsAt, body: &str, size: usize) -> Result<Vec<String>, ScanError> {
        let mut splitter = RowSplitter::new(at, 1 << 20);
        let mut rows = Vec::new();
        for chunk in body.as_bytes().chunks(size.max(1)) {
            splitter.feed(chunk);
            while let Some(row) = splitter.next_row()? {
                rows.push(String::from_utf8(row.to_vec()).unwrap());
            }
        }
        splitter.finish()?;
        Ok(rows)
    }

    const ENVELOPE: &str = r#" { "status" : "ok", "message": "a \"quoted\" ]}[{ text",
        "meta": {"nested": [1, {"data": [9]}], "s": "\\"},
        "data" : [ {"id": 1, "note": "has ] and } and \" inside", "units": "5"} ,
                   {"id": 2, "list": [1, [2, {"x": null}]], "amount": 1.50e2},
                   "odd row", 42, null, [3] ],
        "after": true } "#;

    #[test]
    fn rows_come_out_exactly_as_sent_whatever_the_chunking() {
        let expected = vec![
            r#"{"id": 1, "note": "has ] and } and \" inside", "units": "5"}"#.to_owned(),
            r#"{"id": 2, "list": [1, [2, {"x": null}]], "amount": 1.50e2}"#.to_owned(),
            r#""odd row""#.to_owned(),
            "42".to_owned(),
            "null".to_owned(),
            "[3]".to_owned(),
        ];
        for size in [1, 2, 3, 5, 7, 16, 64, 4096] {
            assert_eq!(
                split(RowsAt::Field("data"), ENVELOPE, size).unwrap(),
                expected,
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn a_bare_array_and_empty_forms() {
        for size in [1, 3, 100] {
            assert_eq!(
                split(RowsAt::Root, r#"[{"a":1},{"b":[2]}]"#, size).unwrap(),
                vec![r#"{"a":1}"#, r#"{"b":[2]}"#]
            );
            assert!(split(RowsAt::Root, " [ ] ", size).unwrap().is_empty());
            for empty in [
                r#"{"data": null}"#,
                r#"{"data": []}"#,
                r#"{"status": 1}"#,
                "{}",
            ] {
                assert!(
                    split(RowsAt::Field("data"), empty, size)
                        .unwrap()
                        .is_empty(),
                    "{empty}"
                );
            }
        }
    }

    #[test]
    fn an_escaped_key_is_still_the_field() {
        let rows = split(RowsAt::Field("data"), r#"{"d\u0061ta": [1, 2]}"#, 4).unwrap();
        assert_eq!(rows, vec!["1", "2"]);
    }

    #[test]
    fn malformed_and_truncated_answers_are_errors_with_offsets() {
        assert_eq!(
            split(RowsAt::Field("data"), r#"{"data": {"a": 1}}"#, 3),
            Err(ScanError::Malformed {
                expected: "an array of rows or null",
                at: 9
            })
        );
        assert!(matches!(
            split(RowsAt::Field("data"), r#"[1]"#, 3),
            Err(ScanError::Malformed { at: 0, .. })
        ));
        assert!(matches!(
            split(RowsAt::Field("data"), r#"{"data": [1] 2}"#, 3),
            Err(ScanError::Malformed { at: 13, .. })
        ));
        assert!(matches!(
            split(RowsAt::Root, "[1] x", 2),
            Err(ScanError::Malformed { at: 4, .. })
        ));
        for truncated in [r#"{"data": [{"a": 1}, {"b""#, r#"{"data": [1]"#, "", "  "] {
            assert!(
                matches!(
                    split(RowsAt::Field("data"), truncated, 4),
                    Err(ScanError::Truncated { .. })
                ),
                "{truncated:?}"
            );
        }
    }

    #[test]
    fn memory_is_one_row_however_long_the_answer() {
        let mut splitter = RowSplitter::new(RowsAt::Field("data"), 1024);
        splitter.feed(br#"{"meta": ""#);
        // A huge skipped value is not kept.
        for _ in 0..10_000 {
            splitter.feed(&[b'x'; 1000]);
            assert_eq!(splitter.next_row().unwrap(), None);
            assert!(splitter.buf.len() <= 2000, "{}", splitter.buf.len());
        }
        splitter.feed(br#"", "data": ["#);
        let row = format!(r#"{{"n": "{}"}},"#, "y".repeat(500));
        for i in 0..10_000 {
            splitter.feed(row.as_bytes());
            assert!(splitter.next_row().unwrap().is_some(), "row {i}");
            assert!(
                splitter.buf.len() <= 2 * row.len(),
                "{}",
                splitter.buf.len()
            );
        }
        // One row that never ends stops at the limit.
        splitter.feed(br#"{"endless": ""#);
        let err = loop {
            splitter.feed(&[b'z'; 100]);
            match splitter.next_row() {
                Ok(None) => {}
                Ok(Some(_)) => panic!("no row ends here"),
                Err(err) => break err,
            }
        };
        assert_eq!(
            err,
            ScanError::RowTooLarge {
                limit: 1024,
                row: 10_000
            }
        );
    }

    #[test]
    fn deep_nesting_and_odd_bytes_never_panic() {
        let deep = format!(
            r#"{{"data": [{}{}]}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(split(RowsAt::Field("data"), &deep, 1000).unwrap().len(), 1);
        assert!(matches!(
            split(RowsAt::Root, "[1,]", 1),
            Err(ScanError::Malformed {
                expected: "a row",
                at: 3
            })
        ));
        for junk in [
            "]",
            "}",
            "{]",
            "[}",
            "{\"a\"",
            "{\"a\":",
            "{\"data\":[,]}",
            "\"\\",
        ] {
            for size in [1, 2, 50] {
                let _ = split(RowsAt::Field("data"), junk, size);
                let _ = split(RowsAt::Root, junk, size);
            }
        }
    }
}
