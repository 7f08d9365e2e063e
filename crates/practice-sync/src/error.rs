//! The one error type of a sync.

use std::fmt;

use practice_core::time::OffsetDateTime;

/// Why a sync (or a step of it) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SyncError {
    /// The arguments make no sense (a bad URL, a bad range); nothing was done.
    Input(String),
    /// The database refused or could not be reached.
    Database(sqlx::Error),
    /// A vendor call failed for a reason other than the budget.
    Vendor(practice_core::Error),
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Input(message) => f.write_str(message),
            // sqlx's messages name the failing statement's error, never the URL's password.
            SyncError::Database(err) => write!(f, "database: {err}"),
            SyncError::Vendor(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for SyncError {}

impl From<sqlx::Error> for SyncError {
    fn from(err: sqlx::Error) -> Self {
        SyncError::Database(err)
    }
}

impl From<practice_core::Error> for SyncError {
    fn from(err: practice_core::Error) -> Self {
        SyncError::Vendor(err)
    }
}

/// Whether `err` means the budget is spent (stop cleanly and come back later), and when.
pub(crate) fn budget_spent(err: &practice_core::Error) -> Option<Option<OffsetDateTime>> {
    use practice_core::ErrorKind;
    matches!(
        err.kind(),
        ErrorKind::QuotaExhausted | ErrorKind::RateLimited
    )
    .then(|| {
        err.retry_at().or_else(|| {
            err.retry_after()
                .and_then(|wait| time::Duration::try_from(wait).ok())
                .and_then(|wait| OffsetDateTime::now_utc().checked_add(wait))
        })
    })
}
