//! Many accounts into one database: one pass syncs each [`Account`] with its own client (its
//! own token and budget), its rows, coverage and leases kept under its name
//! ([`Db::for_account`]). Accounts proceed together; the requests in flight across all of them
//! are bounded by [`SyncOptions::concurrency`], and an account whose budget is spent waits
//! without holding a slot, so it never slows another. A failing account (bad credentials, a
//! vendor outage) ends with its error in its [`AccountSummary`]; the others go on.

use std::sync::atomic::AtomicBool;

use crate::db::Db;
use crate::error::SyncError;
use crate::fetch::Source;
use crate::plan::{Plan, Report};
use crate::run::{self, Summary, SyncOptions};

/// One account of a pass: its name (the `account` of its rows) and the client that fetches
/// its records.
#[derive(Debug, Clone)]
pub struct Account {
    name: String,
    /// The account's own client.
    pub source: Source,
}

impl Account {
    /// An account called `name` (`[a-z0-9_-]{1,40}`), fetched through `source`.
    pub fn new(name: impl Into<String>, source: Source) -> Result<Account, SyncError> {
        let name = name.into();
        check_name(&name)?;
        Ok(Account { name, source })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `aloha` or `aerona`.
    pub fn vendor(&self) -> &'static str {
        self.source.vendor()
    }

    /// `options` for this account: the reports of its vendor among `options.reports`, or all
    /// of its vendor's when `options.reports` names none of them.
    pub fn options(&self, options: &SyncOptions) -> SyncOptions {
        let all: &[Report] = match self.source {
            Source::Aloha(_) => &Report::ALOHA,
            Source::Aerona(_) => &Report::AERONA,
        };
        let mine: Vec<Report> = options
            .reports
            .iter()
            .copied()
            .filter(|r| all.contains(r))
            .collect();
        SyncOptions {
            reports: if mine.is_empty() { all.to_vec() } else { mine },
            ..options.clone()
        }
    }
}

/// Whether `name` may name an account: 1 to 40 of `a-z`, `0-9`, `_` and `-`.
pub fn check_name(name: &str) -> Result<(), SyncError> {
    let fits = (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if fits {
        Ok(())
    } else {
        Err(SyncError::Input(format!(
            "account name {name:?} must be 1 to 40 characters of a-z, 0-9, _ and -"
        )))
    }
}

/// How one account's pass ended.
#[derive(Debug)]
pub struct AccountSummary {
    /// The account's name.
    pub name: String,
    /// `aloha` or `aerona`.
    pub vendor: &'static str,
    /// What was done, also when the pass failed part way (requests sent, rows per table).
    pub summary: Summary,
    /// Why the account's pass failed, if it did. A spent budget or an interruption is not
    /// an error: see [`Summary::stopped`] and [`Summary::interrupted`].
    pub error: Option<SyncError>,
}

impl AccountSummary {
    /// Whether every planned window of the account was done.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.summary.complete()
    }

    /// Data requests sent (logins apart), as [`Summary::requests`].
    pub fn requests(&self) -> u64 {
        self.summary.requests
    }

    /// Rows written: inserted and updated, over every table.
    pub fn rows(&self) -> u64 {
        self.summary
            .tables
            .values()
            .map(|c| c.inserted.saturating_add(c.updated))
            .fold(0, u64::saturating_add)
    }
}

/// The plan of each of `accounts` (as [`crate::dry_run`]), in their order; sends nothing.
pub async fn dry_run_accounts(
    db: &Db,
    accounts: &[Account],
    options: &SyncOptions,
) -> Vec<Result<Plan, SyncError>> {
    let mut plans = Vec::with_capacity(accounts.len());
    for account in accounts {
        let db = db.for_account(account.name());
        plans.push(run::dry_run(&db, &account.options(options)).await);
    }
    plans
}

/// One pass over `accounts` into `db`: each synced as [`crate::sync`] would, all at once, at
/// most `options.concurrency` requests in flight among them. The summaries are in the order
/// of `accounts`.
pub async fn sync_accounts(
    db: &Db,
    accounts: &[Account],
    options: &SyncOptions,
) -> Vec<AccountSummary> {
    sync_accounts_until(db, accounts, options, &AtomicBool::new(false)).await
}

/// [`sync_accounts`], stopping every account early once `interrupt` is set (as
/// [`crate::sync_until`]).
pub async fn sync_accounts_until(
    db: &Db,
    accounts: &[Account],
    options: &SyncOptions,
    interrupt: &AtomicBool,
) -> Vec<AccountSummary> {
    let gate = tokio::sync::Semaphore::new(options.concurrency.max(1));
    let passes = accounts.iter().map(|account| {
        let gate = &gate;
        async move {
            let db = db.for_account(account.name());
            let options = account.options(options);
            let mut summary = Summary::default();
            let result = run::sync_into(
                &db,
                &account.source,
                &options,
                interrupt,
                Some(gate),
                &mut summary,
            )
            .await;
            AccountSummary {
                name: account.name().to_owned(),
                vendor: account.vendor(),
                summary,
                error: result.err(),
            }
        }
    });
    futures_util::future::join_all(passes).await
}
