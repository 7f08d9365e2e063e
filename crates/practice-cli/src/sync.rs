//! `practice sync aloha|aerona` (a mirror in SQLite or PostgreSQL, through `practice-sync`)
//! and `practice webhooks serve` (Aerona deliveries stored in the same database).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use practice_core::time::{self, Date, OffsetDateTime};
use practice_core::{DateRange, wire::IsoDate};
use practice_sync::{
    Db, Order, Plan, Progress, Report, Source, Summary, SyncError, SyncOptions, Windowing,
};

use crate::env;
use crate::exit::{Exit, Failure};

/// `practice sync`.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Mirror the Aloha reports into a database.
    Aloha {
        /// The common options.
        #[command(flatten)]
        common: SyncArgs,
        /// Reports to sync (default all): clients, appointments, billing-ledger,
        /// client-authorizations, authorizations-without-appointments.
        #[arg(long, value_delimiter = ',', value_name = "A,B")]
        reports: Option<Vec<String>>,
        /// Re-fetch covered months that ended less than this many days before they were
        /// fetched (appointments and the ledger change after the fact).
        #[arg(long, default_value_t = 30)]
        lookback: u16,
    },
    /// Mirror Aerona's payments, invoices and the patients they name into a database.
    Aerona {
        /// The common options.
        #[command(flatten)]
        common: SyncArgs,
        /// Re-fetch covered months that ended less than this many days before they were fetched.
        #[arg(long, default_value_t = 30)]
        lookback: u16,
    },
}

/// Options of both syncs.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The database: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, value_name = "URL")]
    pub db: String,
    /// First date, YYYY-MM-DD (default: two years before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub to: Option<String>,
    /// Print the plan (requests per report, the time the budget needs) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Which months first when the budget cannot cover the plan in one go.
    #[arg(long, value_enum, default_value_t = SyncOrder::Newest)]
    pub order: SyncOrder,
    /// The most months one request of a list report covers (appointments, the billing
    /// ledger, payments, invoices); monthly reports always take one month a request.
    #[arg(long, default_value_t = 12, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub window_months: u32,
    /// The most rows one answer is trusted to hold: a larger answer (perhaps cut at the
    /// vendor's cap) is asked for again in halves.
    #[arg(long, default_value_t = 50_000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_rows: u64,
    /// Seconds a claim on a window lasts without being renewed (fleets; crash recovery).
    #[arg(long, default_value_t = 60, hide = true)]
    pub lease_seconds: u16,
}

/// `--order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncOrder {
    /// The most recent months first.
    Newest,
    /// The oldest months first.
    Oldest,
}

/// `practice webhooks`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Receive Aerona deliveries at http://ADDR/hooks/aerona/SECRET and store each once.
    Serve {
        /// The database: sqlite://PATH or postgres://….
        #[arg(long, value_name = "URL")]
        db: String,
        /// Port on 127.0.0.1 (put a TLS proxy in front for Aerona).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The variable holding the shared secret, the URL's last segment (required).
        #[arg(long, default_value = "PRACTICE_WEBHOOK_SECRET", value_name = "VAR")]
        secret_env: String,
    },
}

fn date(flag: &str, text: &str) -> Result<Date, Failure> {
    IsoDate::parse(text)
        .map_err(|_| Failure::input(format!("{flag} {text:?} is not a date as YYYY-MM-DD")))
}

fn range(common: &SyncArgs) -> Result<DateRange, Failure> {
    let to = match &common.to {
        Some(t) => date("--to", t)?,
        None => OffsetDateTime::now_utc().date(),
    };
    let from = match &common.from {
        Some(f) => date("--from", f)?,
        None => to
            .replace_year(to.year().saturating_sub(2))
            .or_else(|_| {
                to.replace_day(28)
                    .and_then(|d| d.replace_year(d.year() - 2))
            })
            .map_err(|e| Failure::input(format!("no default --from: {e}")))?,
    };
    DateRange::new(from, to).map_err(|e| Failure::input(e.message().to_owned()))
}

fn failure(err: SyncError) -> Failure {
    match err {
        SyncError::Input(message) => Failure::input(message),
        SyncError::Vendor(err) => Failure::from(err),
        other => Failure::local(other.to_string()),
    }
}

/// Runs `practice sync …`.
pub async fn sync(command: &SyncCommand, concurrency: u16, sandbox: bool) -> Result<(), Failure> {
    let (common, reports, lookback) = match command {
        SyncCommand::Aloha {
            common,
            reports,
            lookback,
        } => {
            let reports = match reports {
                None => Report::ALOHA.to_vec(),
                Some(names) => names
                    .iter()
                    .map(|n| {
                        Report::aloha_named(n).ok_or_else(|| {
                            Failure::input(format!("--reports: {n:?} is not an Aloha report"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            };
            (common, reports, *lookback)
        }
        SyncCommand::Aerona { common, lookback } => (
            common,
            vec![
                Report::AeronaPayments,
                Report::AeronaInvoices,
                Report::AeronaPatients,
            ],
            *lookback,
        ),
    };
    let aloha = matches!(command, SyncCommand::Aloha { .. });
    let options = SyncOptions {
        reports,
        range: range(common)?,
        lookback: time::Duration::days(i64::from(lookback)),
        concurrency: usize::from(concurrency),
        lease: Duration::from_secs(u64::from(common.lease_seconds.max(1))),
        windowing: Windowing {
            months: common.window_months,
            max_rows: common.max_rows,
            order: match common.order {
                SyncOrder::Newest => Order::Newest,
                SyncOrder::Oldest => Order::Oldest,
            },
        },
        progress: None,
    };
    let rate_limit = env::aerona_rate_limit()?;
    let db = Db::connect(&common.db).await.map_err(failure)?;
    if common.dry_run {
        let plan = practice_sync::dry_run(&db, &options)
            .await
            .map_err(failure)?;
        println!(
            "{}",
            describe_plan(&plan, aloha, rate_limit.as_ref(), options.windowing.order)
        );
        return Ok(());
    }
    let (source, _sandbox) = if aloha {
        let env::Resolved {
            builder,
            sandbox: started,
        } = env::aloha(sandbox).await?;
        (Source::Aloha(builder.build()?), started)
    } else {
        let env::Resolved {
            builder,
            sandbox: started,
        } = env::aerona(sandbox, rate_limit).await?;
        (Source::Aerona(builder.build()?), started)
    };
    let bar = progress_bar();
    let options = SyncOptions {
        progress: Some({
            let bar = bar.clone();
            Arc::new(move |p| match p {
                Progress::Planned { windows } => bar.inc_length(windows),
                Progress::Done => bar.inc(1),
            })
        }),
        ..options
    };
    let summary = practice_sync::sync(&db, &source, &options)
        .await
        .map_err(failure);
    bar.finish_and_clear();
    let summary = summary?;
    eprint!("{}", describe_summary(&summary));
    // What the run leaves for the next one (or for other programs using the same key).
    eprintln!(
        "{}",
        crate::budget::line(
            if aloha { "aloha" } else { "aerona" },
            source.budget().await
        )
    );
    match summary.stopped {
        None => Ok(()),
        Some(at) => Err(Failure {
            exit: Exit::RateLimited,
            message: format!(
                "the request budget ran out; what was fetched is saved. Run the same command again {}",
                match at.and_then(|at| at
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok())
                {
                    Some(at) => format!("after {at} to resume"),
                    None => "later to resume".to_owned(),
                }
            ),
        }),
    }
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} windows {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// The dry run's text: requests per report, in total with the login, and the time the
/// vendor's budget needs for them.
fn describe_plan(
    plan: &Plan,
    aloha: bool,
    aerona_limit: Option<&practice_core::RateLimit>,
    order: Order,
) -> String {
    let mut out = String::from("plan (nothing sent):\n");
    for (report, n) in plan.per_report() {
        out.push_str(&format!("  {:<40} {n:>6} requests\n", report.table()));
    }
    let data = plan.requests.len() as u64;
    let total = data.saturating_add(1);
    out.push_str(&format!(
        "  {:<40} {:>6} requests + 1 login = {total}; {} windows already covered\n",
        "total", data, plan.skipped
    ));
    let duration = if aloha {
        // 1,000 a day, shared with whatever else uses the key today.
        match budget_days(total, 1000) {
            1 => {
                "within one day's budget (1,000 requests, if nothing else used it today)".to_owned()
            }
            days => format!(
                "over one day's budget: {days} days at 1,000 requests a day (a login each day); \
                 each run takes the {} months first, stops when the budget is spent and says \
                 when to run again; the next run resumes",
                match order {
                    Order::Newest => "newest",
                    Order::Oldest => "oldest",
                }
            ),
        }
    } else {
        let (limit, window) = aerona_limit.map_or((300, 900), |l| {
            (u64::from(l.limit).max(1), l.window.as_secs().max(60))
        });
        let waits = total.div_ceil(limit).saturating_sub(1);
        format!(
            "at least {} minute(s) of budget waits: {limit} requests per {} minutes",
            waits.saturating_mul(window) / 60,
            window / 60
        )
    };
    out.push_str(&format!("  time: {duration}\n"));
    if !aloha {
        out.push_str(
            "  patients named by payments and invoices fetched in the run are planned after them\n",
        );
    }
    out
}

/// The days a plan of `total` requests (its login included) takes at `per_day`, a login
/// being spent again on each later day.
fn budget_days(total: u64, per_day: u64) -> u64 {
    if total <= per_day {
        return 1;
    }
    // The first day carries the plan's login; each later day one more.
    let rest = total - per_day;
    1 + rest.div_ceil(per_day.saturating_sub(1).max(1))
}

fn describe_summary(summary: &Summary) -> String {
    let mut out = String::new();
    for (table, c) in &summary.tables {
        out.push_str(&format!(
            "{table}: {} inserted, {} updated, {} removed\n",
            c.inserted, c.updated, c.removed
        ));
    }
    out.push_str(&format!(
        "requests: {} (+ logins as needed); {} windows already covered; {} fetched by other processes\n",
        summary.requests, summary.skipped, summary.by_others
    ));
    out
}

/// Runs `practice webhooks serve`.
pub async fn webhooks(command: &WebhooksCommand) -> Result<(), Failure> {
    let WebhooksCommand::Serve {
        db,
        port,
        secret_env,
    } = command;
    let secret = std::env::var(secret_env)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            Failure::input(format!(
                "{secret_env} is not set: a webhook receiver needs a shared secret"
            ))
        })?;
    let db = Db::connect(db).await.map_err(failure)?;
    let receiver = aerona_api::webhooks::WebhookReceiver::new(
        aerona_api::webhooks::DeliveryCheck::new().path_token(secret),
        practice_sync::webhook::StoreEvents::new(db),
    );
    let app = axum::Router::new().route_service("/hooks/aerona/{token}", receiver);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", *port))
        .await
        .map_err(|e| Failure::local(format!("could not listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::local(e.to_string()))?;
    eprintln!(
        "practice: receiving Aerona webhooks at http://{addr}/hooks/aerona/<secret>; press Ctrl-C to stop"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Failure::local(format!("the webhook server failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_over_the_budget_says_how_many_days_it_needs() {
        assert_eq!(budget_days(1, 1000), 1);
        assert_eq!(budget_days(1000, 1000), 1);
        // 1,001 requests: one more on a second day, with that day's login.
        assert_eq!(budget_days(1001, 1000), 2);
        assert_eq!(budget_days(1999, 1000), 2);
        assert_eq!(budget_days(2000, 1000), 3);
        let plan = Plan {
            requests: (0..1500)
                .map(|i| {
                    practice_sync::Request::one(practice_sync::Window {
                        report: Report::AlohaClientAuthorizations,
                        key: format!("w{i}"),
                        range: None,
                        id: None,
                    })
                })
                .collect(),
            skipped: 0,
        };
        let text = describe_plan(&plan, true, None, Order::Newest);
        assert!(text.contains("over one day's budget: 2 days"), "{text}");
        assert!(text.contains("newest months first"), "{text}");
        let oldest = describe_plan(&plan, true, None, Order::Oldest);
        assert!(oldest.contains("oldest months first"), "{oldest}");
    }
}
