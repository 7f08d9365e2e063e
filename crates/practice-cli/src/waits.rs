//! Waits for the request budget, told on stderr at the default verbosity.
//!
//! The client announces a wait for budget longer than 2 s as one `INFO` event on the target
//! [`BUDGET_WAIT_TARGET`] (its message says what the call waits for and until when). At the
//! default verbosity only warnings are shown, so this layer prints that message itself, as
//! `practice: waiting for …`; with `-v` and more the log shows the event and this layer is
//! not installed, so a wait is told once either way. Concurrent calls (`practice sync`)
//! waiting for the same slot are told once: a wait is printed only when it ends later than
//! the last one printed.

use std::sync::atomic::{AtomicI64, Ordering};

use practice_core::quota::BUDGET_WAIT_TARGET;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::terminal;

/// Prints the client's budget-wait announcements (see the module's documentation).
#[derive(Debug, Default)]
pub struct BudgetWaits {
    /// The end (Unix seconds) of the last wait printed.
    last_until: AtomicI64,
}

impl<S: Subscriber> Layer<S> for BudgetWaits {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != BUDGET_WAIT_TARGET {
            return;
        }
        let mut wait = Announcement::default();
        event.record(&mut wait);
        if wait.until_unix > 0
            && self
                .last_until
                .fetch_max(wait.until_unix, Ordering::Relaxed)
                >= wait.until_unix
        {
            return;
        }
        eprintln!("practice: {}", terminal::escape(&wait.message));
    }
}

#[derive(Default)]
struct Announcement {
    message: String,
    until_unix: i64,
}

impl Visit for Announcement {
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "until_unix" {
            self.until_unix = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}
