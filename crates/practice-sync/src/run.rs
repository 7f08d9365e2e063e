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
    /// Windows another live process holds: this run waits until that process writes them
    /// or its lease lapses, at most `seconds` from now.
    Waiting {
        /// The first such window: its table and key (`aloha_appointments`, `2024-03`).
        table: &'static str,
        /// The window's key.
        window: String,
        /// How many windows wait.
        windows: usize,
        /// The longest wait, in seconds, if no heartbeat renews that lease.
        seconds: u64,
    },
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
    /// The run was interrupted ([`sync_until`]): windows in flight were finished, no other
    /// was begun.
    pub interrupted: bool,
    /// Windows this process fetched and wrote.
    pub written: u64,
}

impl Summary {
    /// Whether every planned window was done.
    pub fn complete(&self) -> bool {
        self.stopped.is_none() && !self.interrupted
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
    sync_until(db, source, options, &AtomicBool::new(false)).await
}

/// [`sync`], stopping early once `interrupt` is set (a signal handler sets it): no window is
/// begun after that, those in flight are finished and written, this process's leases are
/// released, and the summary says `interrupted`.
pub async fn sync_until(
    db: &Db,
    source: &Source,
    options: &SyncOptions,
    interrupt: &AtomicBool,
) -> Result<Summary, SyncError> {
    let owner = lease::new_owner();
    let heartbeat = lease::heartbeat(db.clone(), owner.clone(), options.lease);
    let result = sync_as(db, source, options, &owner, interrupt).await;
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
    interrupt: &AtomicBool,
) -> Result<Summary, SyncError> {
    let started = OffsetDateTime::now_utc();
    let (main, patients) = split(&options.reports);
    let plan = plan::plan(db, &main, options.range, options.lookback).await?;
    let mut summary = Summary {
        skipped: plan.skipped,
        ..Summary::default()
    };
    let run = Run {
        db,
        source,
        options,
        owner,
        started,
        interrupt,
    };
    work(&run, plan.windows, &mut summary).await?;
    if patients && summary.complete() {
        let windows = plan::patient_windows(db).await?;
        work(&run, windows, &mut summary).await?;
    }
    Ok(summary)
}

/// What one run works with.
struct Run<'a> {
    db: &'a Db,
    source: &'a Source,
    options: &'a SyncOptions,
    owner: &'a str,
    started: OffsetDateTime,
    interrupt: &'a AtomicBool,
}

/// What became of one window.
enum Outcome {
    Written(&'static str, Changes),
    ByOther,
    Held,
    Spent(Option<OffsetDateTime>),
    /// Not begun: the run was interrupted.
    Interrupted,
}

async fn work(
    run: &Run<'_>,
    mut pending: Vec<Window>,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let Run {
        db,
        source,
        options,
        owner,
        started,
        interrupt,
    } = *run;
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
                        let outcome = if interrupt.load(Ordering::Acquire) {
                            Ok(Outcome::Interrupted)
                        } else {
                            one(db, source, options, owner, started, &window, stop, requests).await
                        };
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
                    summary.written = summary.written.saturating_add(1);
                }
                Ok(Outcome::ByOther) => {
                    summary.by_others = summary.by_others.saturating_add(1);
                }
                Ok(Outcome::Interrupted) => summary.interrupted = true,
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
        if summary.stopped.is_some() || summary.interrupted {
            return Ok(());
        }
        if let Some(first) = pending.first() {
            // Others hold these windows: wait for them to finish, or for their leases to
            // lapse, and say so.
            if let Some(progress) = &options.progress {
                let seconds = lease::longest_wait(db, &pending).await?;
                progress(Progress::Waiting {
                    table: first.report.table(),
                    window: first.key.clone(),
                    windows: pending.len(),
                    seconds: seconds.as_secs(),
                });
            }
            tokio::time::sleep((options.lease / 4).min(Duration::from_secs(1))).await;
            if interrupt.load(Ordering::Acquire) {
                summary.interrupted = true;
                return Ok(());
            }
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
        tick(options);
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
            // As it is written, not when the whole batch is: the bar shows what is saved.
            tick(options);
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
