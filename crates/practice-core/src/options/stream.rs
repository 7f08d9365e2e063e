//! Limits of answers read as they arrive ([`crate::body`] applies them).

/// Limits of a streamed answer. Memory is bounded by the largest row, not by the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamLimits {
    /// The most bytes one streamed answer may have (after decompression). Default 16 GiB: an
    /// endless body ends here, or at the call's deadline, whichever comes first.
    pub max_body_bytes: u64,
    /// The most bytes one row may have; a decoder holds at most one row (and one chunk) at a
    /// time. Default 16 MiB.
    pub max_row_bytes: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_body_bytes: 16 << 30,
            max_row_bytes: 16 << 20,
        }
    }
}

impl StreamLimits {
    /// Limits of `max_body_bytes` per answer and `max_row_bytes` per row.
    pub fn new(max_body_bytes: u64, max_row_bytes: usize) -> Self {
        StreamLimits {
            max_body_bytes,
            max_row_bytes,
        }
    }
}
