//! `practice sync --accounts FILE --db URL`: one pass over every account the file names
//! ([`super::accounts_file`]), through `practice_sync::sync_accounts`, with a line (or a JSON
//! entry) per account. Exit 0 only if every account succeeded, else the exit code of the
//! first failed account in file order.

use std::time::Duration;

use clap::Args;
use practice_core::time::{self, format_description::well_known::Rfc3339};
use practice_sync::{AccountSummary, Db, Order, SyncOptions, Windowing};

use super::accounts_file::{self, Planned};
use super::signals::Stop;
use super::{SyncOrder, describe, failure};
use crate::exit::{Exit, Failure};

/// The options of `practice sync --accounts` (without a vendor).
#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// A TOML file of `[[account]]` tables (name, vendor, the variables holding each
    /// credential; see docs/sync.md): sync every account it names.
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<String>,
    /// With --accounts: the database, sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// With --accounts: first date, YYYY-MM-DD (default: two years before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// With --accounts: last date, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub to: Option<String>,
    /// With --accounts: print every account's plan; send nothing, create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --accounts: which months first.
    #[arg(long, value_enum, default_value_t = SyncOrder::Newest)]
    pub order: SyncOrder,
    /// With --accounts: the most months one request of a list report covers.
    #[arg(long, default_value_t = 12, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub window_months: u32,
    /// With --accounts: the most rows one answer is trusted to hold.
    #[arg(long, default_value_t = 50_000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_rows: u64,
    /// With --accounts: re-fetch covered months that ended less than this many days before
    /// they were fetched.
    #[arg(long, default_value_t = 30)]
    pub lookback: u16,
    /// Seconds a claim on a window lasts without being renewed (fleets; crash recovery).
    #[arg(long, default_value_t = 60, hide = true)]
    pub lease_seconds: u16,
    /// With --accounts: keep running, one pass every DURATION (such as 1h, 30m; moved by up
    /// to a tenth so a fleet spreads out) until SIGTERM or Ctrl-C, which end it within 10 s
    /// with exit 0.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,
    /// With --accounts: serve Prometheus metrics at http://ADDR/metrics (such as
    /// 127.0.0.1:9464; port 0 picks one and says which).
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<String>,
}

/// How the summary is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    /// A line per account, on stderr.
    Text,
    /// `{"accounts": [...]}` on stdout.
    Json,
}

/// What a run over the accounts file works with, read and checked before anything is sent.
pub struct Prepared {
    /// The database URL.
    pub db_url: String,
    /// Each account with its client.
    pub planned: Vec<Planned>,
    /// How each pass runs.
    pub options: SyncOptions,
}

/// Reads the accounts file and the options of `practice sync --accounts FILE`.
pub fn prepare(args: &AccountsArgs, file: &str, concurrency: u16) -> Result<Prepared, Failure> {
    let db_url = args.db.as_deref().ok_or_else(|| {
        Failure::input("--accounts needs --db URL (sqlite://PATH or postgres://…)")
    })?;
    let range = super::range_of(args.from.as_deref(), args.to.as_deref())?;
    let env_limit = crate::env::aerona_rate_limit()?;
    let planned = accounts_file::load(file, env_limit.as_ref())?;
    let options = SyncOptions {
        reports: Vec::new(),
        range,
        lookback: time::Duration::days(i64::from(args.lookback)),
        concurrency: usize::from(concurrency),
        lease: Duration::from_secs(u64::from(args.lease_seconds.max(1))),
        windowing: Windowing {
            months: args.window_months,
            max_rows: args.max_rows,
            order: match args.order {
                SyncOrder::Newest => Order::Newest,
                SyncOrder::Oldest => Order::Oldest,
            },
        },
        progress: None,
    };
    Ok(Prepared {
        db_url: db_url.to_owned(),
        planned,
        options,
    })
}

/// One pass over every account: each one's outcome (its exit code and, when it failed, why),
/// printed as a line per account on stderr or as JSON on stdout.
pub async fn pass(
    db: &Db,
    prepared: &Prepared,
    stop: &Stop,
    format: Summary,
) -> (Vec<AccountSummary>, Vec<(Exit, Option<String>)>) {
    let accounts: Vec<_> = prepared.planned.iter().map(|p| p.account.clone()).collect();
    let mut summaries =
        practice_sync::sync_accounts_until(db, &accounts, &prepared.options, &stop.flag).await;
    let outcomes: Vec<(Exit, Option<String>)> =
        summaries.iter_mut().map(|s| outcome(s, stop)).collect();
    match format {
        Summary::Json => println!("{}", json(&summaries, &outcomes)),
        Summary::Text => {
            for (summary, (_, error)) in summaries.iter().zip(&outcomes) {
                eprintln!("{}", line(summary, error.as_deref()));
            }
        }
    }
    (summaries, outcomes)
}

/// Ok only if every account succeeded, else the first failed account's exit code.
pub fn exit_of(
    summaries: &[AccountSummary],
    outcomes: &[(Exit, Option<String>)],
) -> Result<(), Failure> {
    let failed = outcomes
        .iter()
        .filter(|(exit, _)| *exit != Exit::Ok)
        .count();
    match summaries
        .iter()
        .zip(outcomes)
        .find(|(_, (exit, _))| *exit != Exit::Ok)
    {
        None => Ok(()),
        Some((first, (exit, error))) => Err(Failure {
            exit: *exit,
            message: format!(
                "{failed} of {} accounts failed; the first, {}: {}",
                summaries.len(),
                first.name,
                error.as_deref().unwrap_or("failed")
            ),
        }),
    }
}

/// Every account's plan against the database as it is; nothing sent, nothing created.
pub async fn dry_run(prepared: &Prepared) -> Result<(), Failure> {
    let Prepared {
        db_url,
        planned,
        options,
    } = prepared;
    let db = Db::connect_for_plan(db_url).await.map_err(failure)?;
    let accounts: Vec<_> = planned.iter().map(|p| p.account.clone()).collect();
    let plans = practice_sync::dry_run_accounts(&db, &accounts, options).await;
    db.close().await;
    for (p, plan) in planned.iter().zip(plans) {
        let plan = plan.map_err(failure)?;
        println!("account {} ({}):", p.account.name(), p.account.vendor());
        println!(
            "{}",
            describe::plan(
                &plan,
                p.account.vendor() == "aloha",
                p.rate_limit.as_ref(),
                &p.base_url,
                options.windowing.order,
            )
        );
    }
    Ok(())
}

/// The account's exit code and, when it failed, why (its error is taken into the message).
fn outcome(summary: &mut AccountSummary, stop: &Stop) -> (Exit, Option<String>) {
    if let Some(err) = summary.error.take() {
        let failure = failure(err);
        return (failure.exit, Some(failure.message));
    }
    if summary.summary.interrupted {
        return (
            stop.exit(),
            Some(format!(
                "interrupted: {} windows saved; run the same command again to resume",
                summary.summary.written
            )),
        );
    }
    match summary.summary.stopped {
        None => (Exit::Ok, None),
        Some(at) => (
            Exit::RateLimited,
            Some(format!(
                "the request budget ran out; what was fetched is saved; run again {}",
                match at.and_then(|at| at.format(&Rfc3339).ok()) {
                    Some(at) => format!("after {at} to resume"),
                    None => "later to resume".to_owned(),
                }
            )),
        ),
    }
}

fn line(summary: &AccountSummary, error: Option<&str>) -> String {
    let head = format!(
        "{} ({}): {}, {} requests, {} rows written",
        summary.name,
        summary.vendor,
        if error.is_none() { "ok" } else { "failed" },
        summary.requests(),
        summary.rows()
    );
    match error {
        None => head,
        Some(error) => format!("{head}: {}", error.lines().next().unwrap_or(error)),
    }
}

fn json(summaries: &[AccountSummary], outcomes: &[(Exit, Option<String>)]) -> String {
    let accounts: Vec<serde_json::Value> = summaries
        .iter()
        .zip(outcomes)
        .map(|(s, (_, error))| {
            serde_json::json!({
                "name": s.name,
                "vendor": s.vendor,
                "status": if error.is_none() { "ok" } else { "failed" },
                "requests": s.requests(),
                "rows": s.rows(),
                "error": error,
            })
        })
        .collect();
    serde_json::json!({ "accounts": accounts }).to_string()
}
