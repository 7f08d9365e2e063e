//! `practice sync --accounts FILE` as a run or a service: one pass over every account, or with
//! `--every` one pass per interval until SIGTERM or Ctrl-C (exit 0, leases released), with
//! `--metrics-addr` counting each pass.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use practice_core::time::OffsetDateTime;
use practice_sync::{AccountSummary, Db, Source};

use super::accounts::{self, AccountsArgs, Prepared, Summary};
use super::every;
use super::failure;
use super::metrics::{self, AccountPass, MetricsServer};
use super::signals::Stop;
use crate::exit::{Exit, Failure};

/// Runs `practice sync --accounts FILE` (one pass, or a service with `--every`).
pub async fn run(
    args: &AccountsArgs,
    file: &str,
    concurrency: u16,
    format: Summary,
) -> Result<(), Failure> {
    // Every option is checked before the file is read and anything is sent.
    let every = args
        .every
        .as_deref()
        .map(every::parse_every)
        .transpose()
        .map_err(Failure::input)?;
    let metrics_addr = args
        .metrics_addr
        .as_deref()
        .map(|text| {
            text.parse::<SocketAddr>().map_err(|_| {
                Failure::input(format!(
                    "--metrics-addr {text:?} is not an address such as 127.0.0.1:9464"
                ))
            })
        })
        .transpose()?;
    let prepared = accounts::prepare(args, file, concurrency)?;
    if args.dry_run {
        return accounts::dry_run(&prepared).await;
    }
    let stop =
        Stop::listen().map_err(|e| Failure::local(format!("could not listen for Ctrl-C: {e}")))?;
    if let Some(addr) = metrics_addr {
        let server = MetricsServer::start(addr).await.map_err(Failure::input)?;
        eprintln!("practice: metrics at http://{}/metrics", server.addr);
    }
    let db = Db::connect(&prepared.db_url).await.map_err(failure)?;
    let mut counted = vec![0; prepared.planned.len()];
    let result = loop {
        let (summaries, outcomes) = accounts::pass(&db, &prepared, &stop, format).await;
        if metrics_addr.is_some() {
            record(&prepared, &summaries, &outcomes, &mut counted).await;
        }
        let Some(every) = every else {
            break accounts::exit_of(&summaries, &outcomes);
        };
        let wait = every::jittered(every, fastrand::f64());
        if !stop.flag.load(std::sync::atomic::Ordering::Acquire) {
            eprintln!(
                "practice: next pass in {}; SIGTERM or Ctrl-C ends the service",
                humantime::format_duration(Duration::from_secs(wait.as_secs()))
            );
        }
        if !every::sleep_unless_stopped(wait, &stop).await {
            // A service asked to stop has done what it should: the windows in flight were
            // saved and its leases released by the pass.
            eprintln!("practice: stopped; run the same command to start again");
            break Ok(());
        }
    };
    db.close().await;
    result
}

/// Adds one pass to the metrics: each account's data requests, the tokens its client
/// obtained since the last pass (`counted` holds the totals seen so far), rows written per
/// table, the budget its client knows, and when it last succeeded.
async fn record(
    prepared: &Prepared,
    summaries: &[AccountSummary],
    outcomes: &[(Exit, Option<String>)],
    counted: &mut [u64],
) {
    let now = OffsetDateTime::now_utc();
    for (i, ((planned, summary), (exit, _))) in prepared
        .planned
        .iter()
        .zip(summaries)
        .zip(outcomes)
        .enumerate()
    {
        let logins = planned.logins.logins();
        let new_logins = logins.saturating_sub(counted[i]);
        counted[i] = logins;
        let rows: BTreeMap<&'static str, u64> = summary
            .summary
            .tables
            .iter()
            .map(|(table, changes)| (*table, changes.inserted.saturating_add(changes.updated)))
            .collect();
        let budget = match &planned.account.source {
            Source::Aloha(client) => client.budget().await,
            Source::Aerona(client) => client.budget().await,
        };
        metrics::record(&AccountPass {
            account: &summary.name,
            vendor: summary.vendor,
            requests: summary.requests(),
            logins: new_logins,
            rows: &rows,
            budget_remaining: budget.ok().flatten().map(|b| b.remaining),
            succeeded_at: (*exit == Exit::Ok).then_some(now),
        });
    }
}
