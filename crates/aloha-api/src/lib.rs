//! A typed, async client for the **Aloha Customer API** (practice management for ABA therapy).
//!
//! * Two things are called *client*: [`Client`] here is the HTTP client, and
//!   [`models::Client`] is a client record, Aloha's word for the person receiving therapy (a
//!   patient). The vendor's word is kept for its records; search the docs for `Patient` or
//!   `HttpClient` to land on the right one.
//! * [`Client`]: built from a client id and secret key; tokens (3 hours, refreshed ahead of
//!   expiry, single-flight, one renewal and replay after a 401) are handled for you.
//! * Every report: [`Client::clients`], [`Client::appointments`],
//!   [`Client::client_authorizations`], [`Client::billing_ledger`],
//!   [`Client::authorizations_without_appointments`]; row by row with a [`RowPolicy`]
//!   ([`Client::report_rows`]); and long ranges as a stream in date order
//!   ([`Client::stream`]), one chunk in memory at a time.
//! * The daily budget (1,000 requests per key) is read from the vendor's `X-RateLimit-*`
//!   headers: once it is spent, calls fail at once with [`ErrorKind::QuotaExhausted`] and the
//!   reset instant, or wait if you opt in ([`ClientBuilder::wait_for_quota`]).
//! * Records keep every field: money is exact ([`rust_decimal::Decimal`]), dates keep their
//!   wire formats, unknown fields are kept, and a row serialised back out equals the row
//!   received.
//!
//! The models and requests are generated from `openapi.yaml` in this crate by
//! `cargo xtask codegen`; see `docs/aloha.md` for the vendor's quirks.
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
//! operation with a record, a status or a connection failure, and the token calls itself; see
//! the `test_util` module. For a simulated vendor over HTTP, `practice sandbox --print-env`
//! prints the `ALOHA_*` variables that [`Client::from_env`] reads.
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
mod envelope;
mod generated;
pub mod models;
pub mod operations;
mod profile;
pub mod ranges;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;

pub use auth::default_token_path;
pub use client::{
    Appointments, AuthorizationsWithoutAppointments, BillingLedger, Client, ClientAuthorizations,
    ClientBuilder, DEFAULT_BASE_URL, DateRangeReport,
};
/// The spec this crate is generated from (`openapi.yaml`), for tools that compare it with
/// what the vendor sends (`practice aloha probe`).
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
/// The shared engine, for what the re-exports above leave out (custom stores, layers).
pub use practice_core as core;
// The groups are listed, one line each, in the crate docs above; each item keeps its own docs.
pub use practice_core::facade::*;
/// Shared tokens and budgets in Redis, for many processes on one account (feature `redis`).
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use practice_redis as redis;
pub use ranges::Split;
