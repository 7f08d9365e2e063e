//! Client-side request budgets per credential: the budget itself ([`budget`]) and where it is
//! counted ([`store`]). The layer that holds requests to it is [`crate::layer`]'s quota layer;
//! what vendors' headers say about their own count is in [`crate::headers`].

pub mod budget;
pub mod store;

pub use budget::{QuotaPolicy, RateLimit, WhenExhausted};
pub use store::{InMemoryQuotaStore, QuotaStore, Reservation};
