//! A typed, async client for the **Aerona API** (dental practice software), with webhooks.
//!
//! * [`Client`]: built from a username and password (and optional PIN). The login answers
//!   with a token in a header, valid for an hour; it is renewed ahead of expiry and once after
//!   a 401, single-flight.
//! * **The 300-requests-per-15-minutes budget is enforced client-side by default**, logins
//!   included, with a safety margin: going over it would invalidate the token, so the client
//!   never does, however many tasks share it ([`ClientBuilder::rate_limit`]).
//! * All eleven operations, typed; validation (id digits, durations, exactly one of
//!   clinicianId / clinicianTypeId, practiceId with clinicianTypeId, required fields) runs
//!   before anything is sent, login included.
//! * [`Client::create_appointment`] is never retried once it may have reached Aerona: you get
//!   [`ErrorKind::OutcomeUnknown`] instead of a duplicate booking.
//! * Searches always send both dates (the vendor's defaults silently cover only the current
//!   month) and stream long ranges in chunks ([`Client::stream_payments`],
//!   [`Client::stream_invoices`]).
//! * [`webhooks`]: checking, parsing, deduplicating and receiving Aerona's webhook deliveries.
//!
//! The models and requests are generated from `openapi.yaml` in this crate by
//! `cargo xtask codegen`; see `docs/aerona.md` for the vendor's quirks and our assumptions.
//!
//! # Features
//!
//! `rustls` (default; the platform's trust store), `rustls-ring` (the same without aws-lc-sys)
//! or `native-tls` for TLS; `redis` for
//! shared tokens and budgets; `reqwest-0_13` to hand in your own reqwest client
//! (`ClientOptions::reqwest_client`; otherwise reqwest is not part of this API and any tower
//! service can be the transport, [`ClientOptions::transport_service`]); `test-util` for the
//! mock below.
//!
//! # Testing your code
//!
//! With the `test-util` feature (in your dev-dependencies), `test_util::Mock` answers each
//! operation with a record, a status or a connection failure, and the login itself; see
//! the `test_util` module. For a simulated vendor over HTTP, `practice sandbox --print-env`
//! prints the `AERONA_*` variables that [`Client::from_env`] reads.
//!
//! # Shared with the other vendor crate
//!
//! Re-exported from `practice-core` under the same names in both vendor crates:
//! * Errors: [`Error`], matched by [`ErrorKind`].
//! * Dates: [`DateRange`] (`DateRange::month`, `"2024-03".parse()`), [`DEFAULT_DAYS_PER_CHUNK`].
//! * Rows as received: [`Row`], [`RowPolicy`], [`RowStream`], [`StreamedRow`], [`StreamLimits`].
//! * Settings, gathered in [`ClientOptions`] (the builders' `map_options`): [`Timeouts`],
//!   [`RetryConfig`], [`TransportConfig`], [`RenewalPolicy`],
//!   [`QuotaPolicy`], [`RateLimit`], [`WhenExhausted`].
//! * Budgets and tokens shared between processes: [`QuotaStore`], [`TokenStore`],
//!   [`BudgetStatus`], [`BudgetSource`]; credentials as [`Secret`].
//! * Your own transport or requests: [`TransportService`], [`Endpoint`].
//! * Wire formats and the crates in public signatures: [`wire`], [`time`], [`rust_decimal`].
#![deny(missing_docs)]
#![deny(clippy::unchecked_time_subtraction)]
// docs.rs (nightly, `--cfg docsrs`) badges each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod generated;
pub mod models;
pub mod operations;
mod profile;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
pub mod webhooks;

pub use auth::{LoginEncoding, TOKEN_HEADER, TOKEN_LIFETIME, default_login_path};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_SAFETY_MARGIN, vendor_rate_limit,
};
/// The spec this crate is generated from (`openapi.yaml`), for tools that compare it with
/// what the vendor sends (`practice aerona probe`).
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
/// The shared engine, for what the re-exports above leave out (custom stores, layers).
pub use practice_core as core;
// The groups are listed, one line each, in the crate docs above; each item keeps its own docs.
pub use practice_core::facade::*;
/// Shared tokens and budgets in Redis, for many processes on one account (feature `redis`).
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use practice_redis as redis;
