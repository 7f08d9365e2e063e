//! A run: plan, then send the requests with `concurrency` in flight, each under the leases
//! of the windows it covers; stop cleanly when the budget is spent; and count what changed.

use std::collections::{BTreeMap, HashMap};
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
use crate::plan::{self, Plan, Report};
use crate::store::{self, Changes};
use crate::windows::{self, Request, Windowing};

/// What a run reports while it works (for a progress bar).
#[derive(Debug, Clone)]
pub enum Progress {
    /// `windows` more requests are planned.
    Planned {
        /// How many requests.
        windows: u64,
    },
    /// One request was sent and written (or found done by another process).
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
    /// How many months one request may cover, the rows bound of one answer, and which
    /// windows first.
    pub windowing: Windowing,
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
            .field("windowing", &self.windowing)
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
    let mut plan = plan::plan(
        db,
        &main,
        options.range,
        options.lookback,
        &options.windowing,
    )
    .await?;
    if patients {
        plan.requests.extend(
            plan::patient_windows(db)
                .await?
                .into_iter()
                .map(Request::one),
        );
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
    let mut summary = Summary::default();
    sync_into(db, source, options, interrupt, None, &mut summary).await?;
    Ok(summary)
}

/// [`sync_until`] into `summary`, which keeps what was done when the run fails (the requests
/// sent, the rows written); each request is sent holding a permit of `gate`, when given (the
/// requests in flight across the accounts of [`crate::sync_accounts`]).
pub(crate) async fn sync_into(
    db: &Db,
    source: &Source,
    options: &SyncOptions,
    interrupt: &AtomicBool,
    gate: Option<&tokio::sync::Semaphore>,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let owner = lease::new_owner();
    // Taken before the plan reads coverage: a window whose coverage differs later was written
    // by another process meanwhile. (Comparing its stamp with this run's start instead missed
    // a window another process stamped before this run began but committed after it planned,
    // and fetched it twice.)
    let mut seen = HashMap::new();
    for report in &options.reports {
        let stamps = plan::coverage(db, *report)
            .await?
            .into_iter()
            .map(|(key, c)| (key, c.fetched_at))
            .collect();
        seen.insert(report.table(), stamps);
    }
    let heartbeat = lease::heartbeat(db.clone(), owner.clone(), options.lease);
    let run = Run {
        db,
        source,
        options,
        owner: &owner,
        seen,
        interrupt,
        gate,
    };
    let result = sync_as(&run, summary).await;
    heartbeat.abort();
    if result.is_err() || !summary.complete() {
        // Whatever we still hold goes back to the fleet now, not when the lease lapses.
        let _ = lease::release_all(db, &owner).await;
    }
    result
}

async fn sync_as(run: &Run<'_>, summary: &mut Summary) -> Result<(), SyncError> {
    let Run { db, options, .. } = *run;
    let (main, patients) = split(&options.reports);
    let plan = plan::plan(
        db,
        &main,
        options.range,
        options.lookback,
        &options.windowing,
    )
    .await?;
    summary.skipped = plan.skipped;
    work(run, plan.requests, summary).await?;
    if patients && summary.complete() {
        let requests = plan::patient_windows(db)
            .await?
            .into_iter()
            .map(Request::one)
            .collect();
        work(run, requests, summary).await?;
    }
    Ok(())
}

/// What one run works with.
struct Run<'a> {
    db: &'a Db,
    source: &'a Source,
    options: &'a SyncOptions,
    owner: &'a str,
    /// Each report's coverage stamps (window key → fetched at) as the run began.
    seen: HashMap<&'static str, HashMap<String, OffsetDateTime>>,
    interrupt: &'a AtomicBool,
    gate: Option<&'a tokio::sync::Semaphore>,
}

/// What became of one request.
enum Outcome {
    Written(&'static str, Changes),
    /// Every window was fetched by another process since the run began.
    ByOther,
    /// Another process holds one of its windows: try again later.
    Held,
    Spent(Option<OffsetDateTime>),
    /// Not begun: the run was interrupted.
    Interrupted,
    /// To be sent as these requests instead, `by_others` of its windows having been fetched
    /// by another process (the rest regrouped), or its answer having been too large or
    /// holding a row that could not be placed in a month (the same windows in smaller
    /// requests).
    Again {
        requests: Vec<Request>,
        by_others: u64,
    },
}

async fn work(
    run: &Run<'_>,
    mut pending: Vec<Request>,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let Run {
        db,
        options,
        interrupt,
        ..
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
        let outcomes: Vec<(Request, Result<Outcome, SyncError>)> =
            futures_util::stream::iter(pending.drain(..))
                .map(|request| {
                    let (stop, requests) = (&stop, &requests);
                    async move {
                        let outcome = if interrupt.load(Ordering::Acquire) {
                            Ok(Outcome::Interrupted)
                        } else {
                            one(run, &request, stop, requests).await
                        };
                        (request, outcome)
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
                    // Windows, not requests: a request of a list report covers many months.
                    let n = window.windows.len() as u64;
                    summary.written = summary.written.saturating_add(n);
                }
                Ok(Outcome::ByOther) => {
                    let n = window.windows.len() as u64;
                    summary.by_others = summary.by_others.saturating_add(n);
                }
                Ok(Outcome::Interrupted) => summary.interrupted = true,
                Ok(Outcome::Again {
                    requests,
                    by_others,
                }) => {
                    summary.by_others = summary.by_others.saturating_add(by_others);
                    if let Some(progress) = &options.progress {
                        // The new requests replace this one in the bar's count.
                        progress(Progress::Planned {
                            windows: requests.len() as u64,
                        });
                        progress(Progress::Done);
                    }
                    pending.extend(requests);
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
        if summary.stopped.is_some() || summary.interrupted {
            return Ok(());
        }
        if let Some(first) = pending.first() {
            // Others hold these windows: wait for them to finish, or for their leases to
            // lapse, and say so.
            if let Some(progress) = &options.progress {
                let held: Vec<_> = pending.iter().flat_map(|r| r.windows.clone()).collect();
                let seconds = lease::longest_wait(db, &held).await?;
                let window = &first.windows[0];
                progress(Progress::Waiting {
                    table: first.report.table(),
                    window: window.key.clone(),
                    windows: pending.iter().map(|r| r.windows.len()).sum(),
                    seconds: seconds.as_secs(),
                });
            }
            windows::sort(&mut pending, options.windowing.order);
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

/// Releases `owner`'s leases on every window of `request`.
async fn release(db: &Db, request: &Request, owner: &str) -> Result<(), SyncError> {
    for window in &request.windows {
        lease::release(db, window, owner).await?;
    }
    Ok(())
}

async fn one(
    run: &Run<'_>,
    request: &Request,
    stop: &AtomicBool,
    requests: &AtomicU64,
) -> Result<Outcome, SyncError> {
    let Run {
        db,
        source,
        options,
        owner,
        ref seen,
        ..
    } = *run;
    if stop.load(Ordering::Acquire) {
        return Ok(Outcome::Spent(None));
    }
    for (i, window) in request.windows.iter().enumerate() {
        if !lease::claim(db, window, owner, options.lease).await? {
            for claimed in &request.windows[..i] {
                lease::release(db, claimed, owner).await?;
            }
            return Ok(Outcome::Held);
        }
    }
    // Done by another process since this run began? Then not again.
    let covered = plan::coverage(db, request.report).await?;
    let (done, left): (Vec<_>, Vec<_>) = request.windows.iter().cloned().partition(|w| {
        let before = seen.get(request.report.table()).and_then(|m| m.get(&w.key));
        covered
            .get(&w.key)
            .is_some_and(|c| before != Some(&c.fetched_at))
    });
    if !done.is_empty() {
        release(db, request, owner).await?;
        if left.is_empty() {
            tick(options);
            return Ok(Outcome::ByOther);
        }
        // The rest, regrouped into runs of consecutive months.
        let keys: Vec<&str> = request.windows.iter().map(|w| w.key.as_str()).collect();
        let mut runs: Vec<Vec<plan::Window>> = Vec::new();
        let mut last = None;
        for window in left {
            let at = keys.iter().position(|k| *k == window.key);
            match (runs.last_mut(), last, at) {
                (Some(run), Some(l), Some(a)) if a == l + 1 => run.push(window),
                _ => runs.push(vec![window]),
            }
            last = at;
        }
        return Ok(Outcome::Again {
            requests: runs
                .into_iter()
                .map(Request::covering)
                .collect::<Result<_, _>>()?,
            by_others: done.len() as u64,
        });
    }
    let fetched = match run.gate {
        Some(gate) => {
            if !source.wait_for_budget(run.interrupt).await {
                release(db, request, owner).await?;
                return Ok(Outcome::Interrupted);
            }
            // Never closed: the semaphore lives as long as the pass.
            let _permit = gate.acquire().await.ok();
            source.fetch(request).await
        }
        None => source.fetch(request).await,
    };
    // A call refused by the client-side budget sent nothing: not a request.
    if fetched.as_ref().map_or_else(
        |e| e.dispatch() != practice_core::Dispatch::NotSent,
        |_| true,
    ) {
        requests.fetch_add(1, Ordering::Relaxed);
    }
    match fetched {
        Ok(records) => {
            let several = request.windows.len() > 1;
            if several && records.len() as u64 > options.windowing.max_rows {
                // Possibly cut short at a vendor's cap: ask again in halves.
                release(db, request, owner).await?;
                return Ok(Outcome::Again {
                    requests: request.clone().halves()?,
                    by_others: 0,
                });
            }
            let Some(per_window) = windows::bucket(request, records) else {
                // A row that no month of the request can hold: month by month instead.
                release(db, request, owner).await?;
                return Ok(Outcome::Again {
                    requests: request.clone().singles(),
                    by_others: 0,
                });
            };
            let changes = store::apply_request(db, request, &per_window, owner).await?;
            // As it is written, not when the whole batch is: the bar shows what is saved.
            tick(options);
            Ok(Outcome::Written(request.report.table(), changes))
        }
        Err(err) => {
            release(db, request, owner).await?;
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
