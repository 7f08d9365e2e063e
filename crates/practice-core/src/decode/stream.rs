//! Rows decoded as the answer arrives: a [`BodyStream`] cut into rows by the
//! [`RowSplitter`], each row decoded on its own with the same tolerance as a buffered answer
//! (a deviating field is kept as sent and named; [`RowPolicy`] says what a row that does not
//! fit at all does). Memory is one chunk and one row, whatever the answer's size.

use std::fmt;
use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::scan::{RowSplitter, RowsAt, ScanError};
use super::{Row, RowPolicy, decode_row, deviation_error};
use crate::body::BodyStream;
use crate::error::{DecodeDetail, Error, ErrorKind};
use crate::operation::OperationMeta;
use crate::redact::Redactor;
use crate::wire::Deviating;

/// One row of a streamed answer: its decoding and the exact bytes the server sent for it.
pub struct StreamedRow<T> {
    index: usize,
    raw: Bytes,
    row: Row<T>,
}

impl<T> StreamedRow<T> {
    /// The row's index in the answer's array (from 0).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The row exactly as the server sent it (valid JSON, whitespace included).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The row decoded.
    pub fn row(&self) -> &Row<T> {
        &self.row
    }

    /// The decoded row, without the bytes.
    pub fn into_row(self) -> Row<T> {
        self.row
    }

    /// The decoded row and the bytes.
    pub fn into_parts(self) -> (Row<T>, Bytes) {
        (self.row, self.raw)
    }
}

impl<T: fmt::Debug> fmt::Debug for StreamedRow<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bytes are patient data: their length only.
        f.debug_struct("StreamedRow")
            .field("index", &self.index)
            .field("raw_len", &self.raw.len())
            .field("row", &self.row)
            .finish()
    }
}

/// The rows of one answer, decoded one at a time as its bytes arrive. The first error ends
/// it: a row that does not fit (unless [`RowPolicy::KeepRaw`]), a deviating field under
/// [`RowPolicy::Strict`], a malformed or truncated answer, a row or answer over its limit, a
/// broken or stalled connection.
pub struct RowStream<T> {
    meta: &'static OperationMeta,
    body: BodyStream,
    splitter: RowSplitter,
    policy: RowPolicy,
    path_prefix: &'static str,
    redactor: Redactor,
    done: bool,
    _rows: std::marker::PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for RowStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowStream")
            .field("operation", &self.meta.name)
            .field("rows", &self.splitter.rows())
            .field("body", &self.body)
            .field("done", &self.done)
            .finish()
    }
}

impl<T: DeserializeOwned + Deviating + Send + 'static> RowStream<T> {
    /// Rows at `at` of `body`, each at most `max_row_bytes`; errors are masked by `redactor`.
    pub fn new(
        meta: &'static OperationMeta,
        body: BodyStream,
        at: RowsAt,
        max_row_bytes: usize,
        policy: RowPolicy,
        redactor: Redactor,
    ) -> Self {
        RowStream {
            meta,
            body,
            splitter: RowSplitter::new(at, max_row_bytes),
            policy,
            path_prefix: match at {
                RowsAt::Root => "$",
                RowsAt::Field(name) => name,
            },
            redactor,
            done: false,
            _rows: std::marker::PhantomData,
        }
    }

    /// Bytes of the answer received so far.
    pub fn bytes_received(&self) -> u64 {
        self.body.received()
    }

    /// The next row, `None` after the last (or after an error).
    pub async fn next_row(&mut self) -> Option<Result<StreamedRow<T>, Error>> {
        loop {
            if self.done {
                return None;
            }
            match self.splitter.next_row() {
                Ok(Some(raw)) => {
                    let index = self.splitter.rows().saturating_sub(1);
                    let row = self.decode(index, raw);
                    self.done = row.is_err();
                    return Some(row);
                }
                Ok(None) => {}
                Err(err) => return Some(Err(self.fail(scan_error(err)))),
            }
            match self.body.next_chunk().await {
                Ok(Some(chunk)) => self.splitter.feed(&chunk),
                Ok(None) => {
                    self.done = true;
                    return self
                        .splitter
                        .finish()
                        .err()
                        .map(|err| Err(self.fail(scan_error(err))));
                }
                Err(err) => return Some(Err(self.fail(err))),
            }
        }
    }

    /// The rows as a [`Stream`].
    pub fn into_stream(self) -> Pin<Box<dyn Stream<Item = Result<StreamedRow<T>, Error>> + Send>> {
        Box::pin(futures_util::stream::unfold(self, |mut rows| async move {
            rows.next_row().await.map(|row| (row, rows))
        }))
    }

    fn decode(&self, index: usize, raw: Bytes) -> Result<StreamedRow<T>, Error> {
        let text = std::str::from_utf8(&raw).map_err(|_| {
            self.redactor.error(
                Error::new(ErrorKind::Decode, "a row is not UTF-8 text")
                    .with_operation(self.meta.name)
                    .with_decode_detail(DecodeDetail {
                        path: format!("{}[{index}]", self.path_prefix),
                        row: Some(index),
                        excerpt: String::new(),
                    }),
            )
        })?;
        let row = match decode_row::<T>(self.meta, text, self.path_prefix, index) {
            Ok(record) => {
                if self.policy == RowPolicy::Strict
                    && let Some(deviation) = record.deviations().iter().next()
                {
                    return Err(deviation_error(
                        self.meta,
                        self.path_prefix,
                        index,
                        deviation,
                    ));
                }
                Row::Typed(record)
            }
            Err(error) => {
                let error = self.redactor.error(error);
                match (self.policy, RawValue::from_string(text.to_owned())) {
                    (RowPolicy::KeepRaw, Ok(kept)) => Row::Raw {
                        index,
                        raw: kept,
                        error,
                    },
                    _ => return Err(error),
                }
            }
        };
        Ok(StreamedRow { index, raw, row })
    }

    fn fail(&mut self, err: Error) -> Error {
        self.done = true;
        self.redactor.error(err.with_operation(self.meta.name))
    }
}

fn scan_error(err: ScanError) -> Error {
    match err {
        ScanError::Malformed { expected, at } => Error::new(
            ErrorKind::Decode,
            format!("the answer is not the documented JSON: expected {expected} at byte {at}"),
        ),
        ScanError::Truncated { at } => Error::new(
            ErrorKind::Decode,
            format!("the answer ended after {at} bytes, before the end of its JSON"),
        ),
        ScanError::RowTooLarge { limit, row } => Error::new(
            ErrorKind::TooLarge,
            format!("row {row} is larger than the {limit}-byte limit of one row (StreamLimits)"),
        ),
    }
}
