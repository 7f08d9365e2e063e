//! The one list of names every vendor crate re-exports from the core, so that both facades
//! offer the same words: `pub use practice_core::facade::*;` in the vendor crate's `lib.rs`.

pub use crate::decode::{Row, RowPolicy, RowStream, StreamedRow};
pub use crate::range::{DEFAULT_DAYS_PER_CHUNK, DateRange};
/// Wire-format parsers and serde adapters (dates, times, money, raw records).
pub use crate::wire;
pub use crate::{
    BudgetSource, BudgetStatus, ClientOptions, Endpoint, Error, ErrorKind, QuotaPolicy, QuotaStore,
    RateLimit, RenewalPolicy, RetryConfig, Secret, StreamLimits, Timeouts, TokenStore,
    TransportConfig, TransportPhase, TransportService, WhenExhausted,
};
pub use crate::{rust_decimal, time};
