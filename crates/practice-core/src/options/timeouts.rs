//! How long one try may take; the timeout layer (`layer/timeout.rs`) applies it, and the
//! quota layer lets a try's budget slot lapse after it.

use std::time::Duration;

/// Per-try timeouts. Made with [`Timeouts::per_try`] or [`Timeouts::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// One try, from sending to the last byte of the answer. Default 60 s (reports are big).
    pub per_try: Duration,
}

impl Timeouts {
    /// Each try may take at most `per_try`, from sending to the last byte of the answer.
    pub fn per_try(per_try: Duration) -> Self {
        Timeouts { per_try }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            per_try: Duration::from_secs(60),
        }
    }
}
