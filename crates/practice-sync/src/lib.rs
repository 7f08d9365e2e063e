//! `practice-sync`: a resumable, budget-aware mirror of the Aloha and Aerona records in
//! SQLite or PostgreSQL, as `practice sync` runs it. See `docs/sync.md`.
//!
//! - [`Db`] connects and creates or migrates the schema ([`generated`], from the specs);
//! - [`plan()`] decides the windows a run needs (coverage + look-back) and the requests that
//!   fetch them ([`windows`]: a year a request for list reports, a month for aggregates);
//! - [`sync()`] fetches each window under a lease ([`lease`]) and writes its rows with its
//!   coverage in one transaction ([`store`]);
//! - [`sync_accounts`] runs one pass over many [`Account`]s into one database, each with
//!   its own client and budget, its rows under its name ([`accounts`]);
//! - [`webhook`] stores Aerona webhook deliveries once each.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]

pub mod accounts;
mod db;
mod error;
mod fetch;
pub mod generated;
pub mod lease;
mod migrate;
pub mod plan;
mod report;
mod run;
pub mod schema;
pub mod store;
pub mod webhook;
pub mod windows;

pub use accounts::{Account, AccountSummary, dry_run_accounts, sync_accounts, sync_accounts_until};
pub use db::{DEFAULT_ACCOUNT, Db, Dialect};
pub use error::SyncError;
pub use fetch::Source;
pub use plan::{Plan, Report, Window, plan};
pub use run::{Progress, Summary, SyncOptions, dry_run, sync, sync_until};
/// The sqlx this crate speaks, for callers that read the tables through [`Db::pool`].
pub use sqlx;
pub use store::Changes;
pub use windows::{Order, Request, Windowing};
