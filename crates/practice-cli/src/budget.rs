//! A vendor's budget as one line on stderr: `practice -v` prints it after a command,
//! `practice sync` at the end of its summary.

use practice_core::{BudgetStatus, Error};

/// The line for `vendor`'s budget as it stands.
pub fn line(vendor: &str, budget: Result<Option<BudgetStatus>, Error>) -> String {
    match budget {
        Ok(Some(status)) => format!("practice: {vendor} budget: {status}"),
        Ok(None) => format!("practice: {vendor} budget: not known yet (no answer carried it)"),
        Err(err) => format!("practice: {vendor} budget: could not be read ({err})"),
    }
}
