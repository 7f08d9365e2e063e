//! `practice sync aloha|aerona` (a mirror in SQLite or PostgreSQL, through `practice-sync`)
//! and `practice webhooks serve` (Aerona deliveries stored in the same database).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use practice_core::time::{self, Date, OffsetDateTime};
use practice_core::{DateRange, wire::IsoDate};
use practice_sync::{Db, Order, Progress, Report, Source, SyncError, SyncOptions, Windowing};

use crate::env;

mod accounts;
mod accounts_file;
mod describe;
mod every;
mod metrics;
mod service;
mod signals;

pub use accounts::AccountsArgs;

use crate::exit::{Exit, Failure};
use signals::Stop;

/// `practice sync`: one vendor's account (`aloha`, `aerona`), or every account of a file
/// (`--accounts FILE`).
#[derive(Debug, Args)]
pub struct SyncCli {
    /// The vendor of a single-account sync.
    #[command(subcommand)]
    pub vendor: Option<SyncCommand>,
    /// Many accounts, from a file.
    #[command(flatten)]
    pub accounts: AccountsArgs,
}

/// `practice sync aloha|aerona`.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Mirror the Aloha reports into a database.
    #[command(
        after_help = "Example:\n  practice sync aloha --db sqlite://mirror.db --from 2024-01-01 --dry-run"
    )]
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
    #[command(
        after_help = "Example:\n  practice sync aerona --db sqlite://mirror.db --from 2024-01-01"
    )]
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
    /// Print the plan (requests per report, the time the budget needs, the API it would
    /// reach); send nothing, create nothing.
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
    #[command(
        after_help = "Example:\n  PRACTICE_WEBHOOK_SECRET=s3cret practice webhooks serve --db sqlite://mirror.db"
    )]
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
    range_of(common.from.as_deref(), common.to.as_deref())
}

/// `--from` and `--to`, with their defaults.
fn range_of(from: Option<&str>, to: Option<&str>) -> Result<DateRange, Failure> {
    let to = match to {
        Some(t) => date("--to", t)?,
        None => OffsetDateTime::now_utc().date(),
    };
    let from = match from {
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

/// Runs `practice sync …`: `json` is `--format json` (with `--accounts` only).
pub async fn sync(
    cli: &SyncCli,
    concurrency: u16,
    sandbox: bool,
    json: bool,
) -> Result<(), Failure> {
    let command = match (&cli.vendor, &cli.accounts.accounts) {
        (Some(command), Some(_)) => {
            let vendor = match command {
                SyncCommand::Aloha { .. } => "aloha",
                SyncCommand::Aerona { .. } => "aerona",
            };
            return Err(Failure::input(format!(
                "--accounts syncs the accounts its file names, each with its vendor: leave out `{vendor}` (or leave out --accounts to sync one {vendor} account)"
            )));
        }
        (None, Some(file)) => {
            if sandbox {
                return Err(Failure::input(
                    "--sandbox does not combine with --accounts: point an account's base_url at a sandbox (`practice sandbox`) instead",
                ));
            }
            let format = if json {
                accounts::Summary::Json
            } else {
                accounts::Summary::Text
            };
            return service::run(&cli.accounts, file, concurrency, format).await;
        }
        (Some(command), None) => command,
        (None, None) => {
            return Err(Failure::input(
                "practice sync needs a vendor (`practice sync aloha|aerona --db URL`) or --accounts FILE --db URL",
            ));
        }
    };
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
    if common.dry_run {
        let target = env::target(if aloha { "aloha" } else { "aerona" }, sandbox)?;
        let db = Db::connect_for_plan(&common.db).await.map_err(failure)?;
        let plan = practice_sync::dry_run(&db, &options).await;
        db.close().await;
        let plan = plan.map_err(failure)?;
        println!(
            "{}",
            describe::plan(
                &plan,
                aloha,
                rate_limit.as_ref(),
                &target,
                options.windowing.order,
            )
        );
        return Ok(());
    }
    let db = Db::connect(&common.db).await.map_err(failure)?;
    let result = run(&db, aloha, sandbox, rate_limit, options).await;
    // Closed on every way out: SQLite folds its `-wal` file back and removes it.
    db.close().await;
    result
}

/// The run proper, on an open database.
async fn run(
    db: &Db,
    aloha: bool,
    sandbox: bool,
    rate_limit: Option<practice_core::RateLimit>,
    options: SyncOptions,
) -> Result<(), Failure> {
    let stop =
        Stop::listen().map_err(|e| Failure::local(format!("could not listen for Ctrl-C: {e}")))?;
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
            // The last wait named: a wait is said once, not every time it is checked.
            let named = std::sync::Mutex::new(None::<(String, usize)>);
            Arc::new(move |p| match p {
                Progress::Planned { windows } => bar.inc_length(windows),
                Progress::Done => bar.inc(1),
                Progress::Waiting {
                    table,
                    window,
                    windows,
                    seconds,
                } => {
                    let key = (format!("{table} {window}"), windows);
                    let mut named = named.lock().unwrap_or_else(|e| e.into_inner());
                    if named.as_ref() == Some(&key) {
                        return;
                    }
                    let line = format!(
                        "practice: {}{} held by another process; waiting for it to finish, \
                         at most {seconds}s (until its lease lapses)",
                        key.0,
                        match windows {
                            1 => String::new(),
                            n => format!(" and {} more windows", n - 1),
                        }
                    );
                    *named = Some(key);
                    if bar.is_hidden() {
                        eprintln!("{line}");
                    } else {
                        bar.println(line);
                    }
                }
            })
        }),
        ..options
    };
    let summary = practice_sync::sync_until(db, &source, &options, &stop.flag)
        .await
        .map_err(failure);
    bar.finish_and_clear();
    let summary = summary?;
    eprint!("{}", describe::summary(&summary));
    // What the run leaves for the next one (or for other programs using the same key).
    eprintln!(
        "{}",
        crate::budget::line(
            if aloha { "aloha" } else { "aerona" },
            source.budget().await
        )
    );
    if summary.interrupted {
        return Err(Failure {
            exit: stop.exit(),
            message: format!(
                "interrupted: {} windows saved; run the same command again to resume",
                summary.written
            ),
        });
    }
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
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} requests {elapsed}") {
        bar.set_style(style);
    }
    bar
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
        practice_sync::webhook::StoreEvents::new(db.clone()),
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
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Failure::local(format!("the webhook server failed: {e}")));
    db.close().await;
    served
}
