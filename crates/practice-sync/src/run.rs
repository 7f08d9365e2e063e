//! A run: plan, then fetch and write the windows with `concurrency` requests in flight,
//! each under a lease; stop cleanly when the budget is spent; and count what changed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use practice_core::DateRange;
use practice_core::time::OffsetDateTime;

use crate::db::Db;
use crate::error::{SyncError, budget_spent};
use crate::fetch::Source;
use crate::lease;
use crate::plan::{self, Plan, Report, Window};
use crate::store::{self, Changes};

/// What a run reports while it works (for a progress bar).
#[derive(Debug, Clone)]
pub enum Progress {
    /// `windows` more requests are planned.
    Planned {
        /// How many.
        windows: u64,
    },
    /// One window was fetched and written (or found done by another process).
    Done,
}

/// How to run.
#[derive(Clone)]
pub struct SyncOptions {
    /// The reports to sync, in order (Aerona patients follow payments and invoices).
    pub reports: Vec<Report>,
    /// The dates to cover (whole months around them).
    pub range: DateRange,
    /// Covered windows that ended less than this before they were fetched are fetched again.
    pub lookback: practice_core::time::Duration,
    /// Requests in flight.
    pub concurrency: usize,
    /// How long a claim on a window lasts without a heartbeat.
    pub lease: Duration,
    /// Called as work is planned and done.
    pub progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("reports", &self.reports)
            .field("range", &self.range)
            .field("lookback", &self.lookback)
            .field("concurrency", &self.concurrency)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Rows changed per table.
    pub tables: BTreeMap<&'static str, Changes>,
    /// Data requests this process sent (logins not included: the client makes them as needed).
    pub requests: u64,
    /// Windows another process of the fleet fetched during this run.
    pub by_others: u64,
    /// Windows already covered and settled, not fetched.
    pub skipped: usize,
    /// `Some` when the budget ran out and the run stopped early: when to run again, if known.
    pub stopped: Option<Option<OffsetDateTime>>,
}

impl Summary {
    /// Whether every planned window was done.
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}

/// What the run would fetch, without sending anything: the `--dry-run` plan. Aerona's patients
/// are planned from what is stored (those named by payments and invoices fetched in the run
/// itself are only known then).
pub async fn dry_run(db: &Db, options: &SyncOptions) -> Result<Plan, SyncError> {
    let (main, patients) = split(&options.reports);
    let mut plan = plan::plan(db, &main, options.range, options.lookback).await?;
    if patients {
        plan.windows.extend(plan::patient_windows(db).await?);
    }
    Ok(plan)
}

fn split(reports: &[Report]) -> (Vec<Report>, bool) {
    let main = reports
        .iter()
        .copied()
        .filter(|r| *r != Report::AeronaPatients)
        .collect();
    (main, reports.contains(&Report::AeronaPatients))
}

/// Runs a sync of `options.reports` from `source` into `db`.
pub async fn sync(db: &Db, source: &Source, options: &SyncOptions) -> Result<Summary, SyncError> {
    let owner = lease::new_owner();
    let heartbeat = lease::heartbeat(db.clone(), owner.clone(), options.lease);
    let result = sync_as(db, source, options, &owner).await;
    heartbeat.abort();
    if result.as_ref().map_or(true, |s| !s.complete()) {
        // Whatever we still hold goes back to the fleet now, not when the lease lapses.
        let _ = lease::release_all(db, &owner).await;
    }
    result
}

async fn sync_as(
    db: &Db,
    source: &Source,
    options: &SyncOptions,
    owner: &str,
) -> Result<Summary, SyncError> {
    let started = OffsetDateTime::now_utc();
    let (main, patients) = split(&options.reports);
    let plan = plan::plan(db, &main, options.range, options.lookback).await?;
    let mut summary = Summary {
        skipped: plan.skipped,
        ..Summary::default()
    };
    work(
        db,
        source,
        options,
        owner,
        started,
        plan.windows,
        &mut summary,
    )
    .await?;
    if patients && summary.complete() {
        let windows = plan::patient_windows(db).await?;
        work(db, source, options, owner, started, windows, &mut summary).await?;
    }
    Ok(summary)
}

/// What became of one window.
enum Outcome {
    Written(&'static str, Changes),
    ByOther,
    Held,
    Spent(Option<OffsetDateTime>),
}

async fn work(
    db: &Db,
    source: &Source,
    options: &SyncOptions,
    owner: &str,
    started: OffsetDateTime,
    mut pending: Vec<Window>,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    if let Some(progress) = &options.progress {
        progress(Progress::Planned {
            windows: pending.len() as u64,
        });
    }
    let stop = AtomicBool::new(false);
    // Counted on from what earlier stages of the run sent (Aerona: payments and invoices,
    // then patients), so that the summary holds the run's total, not the last stage's.
    let requests = AtomicU64::new(summary.requests);
    while !pending.is_empty() {
        let outcomes: Vec<(Window, Result<Outcome, SyncError>)> =
            futures_util::stream::iter(pending.drain(..))
                .map(|window| {
                    let (stop, requests) = (&stop, &requests);
                    async move {
                        let outcome =
                            one(db, source, options, owner, started, &window, stop, requests).await;
                        (window, outcome)
                    }
                })
                .buffer_unordered(options.concurrency.max(1))
                .collect()
                .await;
        let mut first_error = None;
        for (window, outcome) in outcomes {
            match outcome {
                Ok(Outcome::Written(table, changes)) => {
                    summary.tables.entry(table).or_default().add(changes);
                    tick(options);
                }
                Ok(Outcome::ByOther) => {
                    summary.by_others = summary.by_others.saturating_add(1);
                    tick(options);
                }
                Ok(Outcome::Held) => pending.push(window),
                Ok(Outcome::Spent(at)) => {
                    summary.stopped = Some(match summary.stopped {
                        Some(Some(earlier)) => Some(at.map_or(earlier, |at| at.max(earlier))),
                        _ => at,
                    });
                }
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        summary.requests = requests.load(Ordering::Relaxed);
        if let Some(err) = first_error {
            return Err(err);
        }
        if summary.stopped.is_some() {
            return Ok(());
        }
        if !pending.is_empty() {
            // Others hold these windows: wait for them to finish, or for their leases to lapse.
            tokio::time::sleep((options.lease / 4).min(Duration::from_secs(1))).await;
        }
    }
    Ok(())
}

fn tick(options: &SyncOptions) {
    if let Some(progress) = &options.progress {
        progress(Progress::Done);
    }
}

#[allow(clippy::too_many_arguments)]
async fn one(
    db: &Db,
    source: &Source,
    options: &SyncOptions,
    owner: &str,
    started: OffsetDateTime,
    window: &Window,
    stop: &AtomicBool,
    requests: &AtomicU64,
) -> Result<Outcome, SyncError> {
    if stop.load(Ordering::Acquire) {
        return Ok(Outcome::Spent(None));
    }
    if !lease::claim(db, window, owner, options.lease).await? {
        return Ok(Outcome::Held);
    }
    // Done by another process since this run began? Then not again.
    let covered = plan::coverage(db, window.report).await?;
    if covered
        .get(&window.key)
        .is_some_and(|c| c.fetched_at >= started)
    {
        lease::release(db, window, owner).await?;
        return Ok(Outcome::ByOther);
    }
    let fetched = source.fetch(window).await;
    // A call refused by the client-side budget sent nothing: not a request.
    if fetched.as_ref().map_or_else(
        |e| e.dispatch() != practice_core::Dispatch::NotSent,
        |_| true,
    ) {
        requests.fetch_add(1, Ordering::Relaxed);
    }
    match fetched {
        Ok(records) => {
            let changes = store::apply(db, window, &records, owner).await?;
            Ok(Outcome::Written(window.report.table(), changes))
        }
        Err(err) => {
            lease::release(db, window, owner).await?;
            match budget_spent(&err) {
                Some(at) => {
                    stop.store(true, Ordering::Release);
                    Ok(Outcome::Spent(at))
                }
                None => Err(SyncError::Vendor(err)),
            }
        }
    }
}
