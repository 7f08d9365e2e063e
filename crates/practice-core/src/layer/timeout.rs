//! The per-try timeout's error: what tower's timeout layer yields, mapped back to one
//! [`Error`]. The timeout itself is tower's, stacked in `crate::client`.

use crate::error::{BoxError, Error, ErrorKind};

/// Maps what tower's timeout layer yields back to one [`Error`].
pub(crate) fn timeout_to_error(err: BoxError) -> Error {
    match err.downcast::<Error>() {
        Ok(err) => *err,
        Err(err) if err.is::<tower::timeout::error::Elapsed>() => {
            Error::new(ErrorKind::Timeout, "no answer within the per-try timeout")
        }
        Err(err) => Error::new(ErrorKind::Transport, "the request failed").with_source(err),
    }
}
