//! Client-side request budgets per credential: the budget itself (set in
//! [`crate::options::quota`]), where it is
//! counted ([`store`]), what a caller can see of it ([`status`]) and what the vendor's own
//! headers said last (`heard`). The layer that holds
//! requests to it is [`crate::layer`]'s quota layer; what vendors' headers say about their own
//! count is in [`crate::headers`].

pub(crate) mod heard;
pub mod status;
pub mod store;

/// The `tracing` target of the one `INFO` event that announces a wait for budget longer than
/// 2 s: its message says what the call waits for and until when, its field `until_unix` the
/// instant (Unix seconds, 0 when unknown). A program that shows its users only warnings can
/// let this target through (the `practice` CLI does).
pub const BUDGET_WAIT_TARGET: &str = "practice_core::budget_wait";

/// The budget settings, kept at this path too.
pub use crate::options::quota::{QuotaPolicy, RateLimit, WhenExhausted};
pub use status::{BudgetSource, BudgetStatus};
pub use store::{InMemoryQuotaStore, QuotaStore, Reservation, SlotId, SlotRequest};
