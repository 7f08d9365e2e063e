//! Exit codes, the one-line error report, and the mapping from the client's errors.

use practice_core::{Error, ErrorKind};

/// Exit statuses of `practice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// `probe`: an assumption or a field's type or format was contradicted.
    Contradicted = 1,
    /// Invalid input: nothing was sent, not even a login.
    InvalidInput = 2,
    /// The vendor rejected the request (a 4xx other than 429).
    Rejected = 3,
    /// Rate limited or quota exhausted.
    RateLimited = 4,
    /// Server, network or decode failure, or a write whose outcome is unknown.
    Failure = 5,
    /// Stopped by SIGINT (Ctrl-C), 128 + 2, after saving what was done.
    Interrupted = 130,
    /// Stopped by SIGTERM, 128 + 15, after saving what was done.
    Terminated = 143,
}

/// How each cause of an error's chain starts, on its own line after the message.
pub const CAUSED_BY: &str = "caused by: ";

/// A failure with its exit status and message: one line, and for a client error the
/// `caused by:` lines of its chain.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub exit: Exit,
    /// The message, printed after `error: `.
    pub message: String,
}

impl Failure {
    /// Invalid input found by the CLI itself.
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            exit: Exit::InvalidInput,
            message: message.into(),
        }
    }

    /// The reader of stdout went away (`| head`): stop, quietly, with success.
    pub fn reader_gone() -> Self {
        Failure {
            exit: Exit::Ok,
            message: String::new(),
        }
    }

    /// A local failure that is not the input's fault (I/O, the sandbox).
    pub fn local(message: impl Into<String>) -> Self {
        Failure {
            exit: Exit::Failure,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        let exit = match err.kind() {
            ErrorKind::InvalidRequest | ErrorKind::Configuration => Exit::InvalidInput,
            ErrorKind::Authentication | ErrorKind::NotFound => Exit::Rejected,
            ErrorKind::RateLimited | ErrorKind::QuotaExhausted => Exit::RateLimited,
            ErrorKind::Api => match err.status() {
                Some(s) if s.is_client_error() && s.as_u16() != 429 => Exit::Rejected,
                Some(s) if s.as_u16() == 429 => Exit::RateLimited,
                _ => Exit::Failure,
            },
            _ => Exit::Failure,
        };
        let mut message = err.to_string();
        if err.kind() == ErrorKind::AppliedUnreadable {
            // The one failure where running the command again does harm.
            message.push_str(
                " — the write WAS applied: do not run this command again; look the record up instead",
            );
        }
        if matches!(exit, Exit::RateLimited)
            && let Some(after) = err.retry_after()
        {
            message.push_str(&format!(" (retry in {}s)", after.as_secs()));
        }
        // Vendor text may hold line breaks: every line printed starts with our own words.
        let mut message = message.replace(['\n', '\r'], " ");
        for cause in practice_core::error::chain(&err) {
            message.push('\n');
            message.push_str(CAUSED_BY);
            message.push_str(&cause.replace(['\n', '\r'], " "));
        }
        Failure { exit, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use practice_core::http::StatusCode;
    use std::time::Duration;

    #[test]
    fn kinds_map_to_the_documented_codes() {
        let code = |e: Error| Failure::from(e).exit as i32;
        assert_eq!(code(Error::invalid_request("x")), 2);
        assert_eq!(code(Error::configuration("x")), 2);
        assert_eq!(code(Error::new(ErrorKind::Authentication, "x")), 3);
        assert_eq!(code(Error::new(ErrorKind::NotFound, "x")), 3);
        assert_eq!(
            code(Error::new(ErrorKind::Api, "x").with_status(StatusCode::BAD_REQUEST)),
            3
        );
        assert_eq!(
            code(Error::new(ErrorKind::Api, "x").with_status(StatusCode::BAD_GATEWAY)),
            5
        );
        assert_eq!(code(Error::new(ErrorKind::RateLimited, "x")), 4);
        assert_eq!(code(Error::new(ErrorKind::QuotaExhausted, "x")), 4);
        assert_eq!(code(Error::new(ErrorKind::OutcomeUnknown, "x")), 5);
        assert_eq!(code(Error::new(ErrorKind::Decode, "x")), 5);
        assert_eq!(code(Error::new(ErrorKind::Timeout, "x")), 5);
        let applied = Failure::from(Error::new(ErrorKind::AppliedUnreadable, "x"));
        assert_eq!(applied.exit as i32, 5);
        assert!(
            applied.message.contains("was applied")
                && applied.message.contains("do not run this command again"),
            "{}",
            applied.message
        );
        let limited = Failure::from(
            Error::new(ErrorKind::QuotaExhausted, "spent")
                .with_retry_after(Duration::from_secs(90)),
        );
        assert!(
            limited.message.contains("retry in 90s"),
            "{}",
            limited.message
        );
    }
}
