//! Client-side request budgets per credential: the budget itself ([`budget`]), where it is
//! counted ([`store`]) and what a caller can see of it ([`status`]). The layer that holds
//! requests to it is [`crate::layer`]'s quota layer; what vendors' headers say about their own
//! count is in [`crate::headers`].

pub mod budget;
pub mod status;
pub mod store;

pub use budget::{QuotaPolicy, RateLimit, WhenExhausted};
pub use status::{BudgetSource, BudgetStatus};
pub use store::{InMemoryQuotaStore, QuotaStore, Reservation, SlotId, SlotRequest};
