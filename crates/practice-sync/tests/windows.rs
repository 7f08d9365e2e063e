//! Requests that cover many months (issue 30): every table ends identical to a sync of a
//! request per month; a database written by the month-window code is read as covered and not
//! fetched again; a budget that runs out leaves the newest (or the oldest) months done and
//! the next run resumes; an answer over the rows bound is asked for again in smaller
//! requests; a fleet sends each request of months once.

mod support;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::time::Duration;

use practice_core::DateRange;
use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::{Db, Order, Report, Source, SyncOptions, Windowing};
use sqlx::Row as _;

fn options(reports: Vec<Report>, from: &str, to: &str, windowing: Windowing) -> SyncOptions {
    SyncOptions {
        reports,
        range: DateRange::parse(from, to).expect("a range"),
        lookback: practice_core::time::Duration::days(30),
        concurrency: 4,
        lease: Duration::from_secs(30),
        windowing,
        progress: None,
    }
}

fn monthly() -> Windowing {
    Windowing {
        months: 1,
        ..Windowing::default()
    }
}

fn aloha(s: &Sandbox) -> Source {
    let c = s.credentials();
    Source::Aloha(
        aloha_api::Client::builder(c.aloha_client_id.clone(), c.aloha_secret_key.clone())
            .base_url(s.aloha_base_url())
            .build()
            .expect("a client"),
    )
}

fn aerona(s: &Sandbox) -> Source {
    let c = s.credentials();
    Source::Aerona(
        aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
            .base_url(s.aerona_base_url())
            .rate_limit(
                practice_core::RateLimit::new(5000, Duration::from_secs(900)),
                practice_core::WhenExhausted::FailFast,
            )
            .build()
            .expect("a client"),
    )
}

/// Data requests the sandbox received, per operation.
fn sent(s: &Sandbox) -> BTreeMap<String, u64> {
    s.stats()
        .into_iter()
        .filter(|(op, _)| !op.contains("Token") && !op.contains("login"))
        .collect()
}

fn total(map: &BTreeMap<String, u64>) -> u64 {
    map.values().sum()
}

/// Every table, row by row (row key, window, record and every typed column, but not which
/// request fetched it or when), and the coverage (window, dates, rows), as text.
async fn dump(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for table in practice_sync::generated::TABLES {
        let typed: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("COALESCE(CAST({} AS TEXT), 'NULL')", c.name))
            .collect();
        let sql = format!(
            "SELECT row_key, window_key, record{}{} FROM {} ORDER BY row_key",
            if typed.is_empty() { "" } else { ", " },
            typed.join(", "),
            table.name
        );
        for row in sqlx::query(&sql).fetch_all(db.pool()).await.expect("read") {
            let cells: Vec<String> = (0..3 + typed.len())
                .map(|i| row.get::<String, _>(i))
                .collect();
            out.push(format!("{} {}", table.name, cells.join(" | ")));
        }
    }
    let coverage = "SELECT report, window_key, COALESCE(window_from, '-'), COALESCE(window_to, '-'), CAST(row_count AS TEXT) FROM sync_coverage ORDER BY report, window_key";
    for row in sqlx::query(coverage)
        .fetch_all(db.pool())
        .await
        .expect("read")
    {
        let cells: Vec<String> = (0..5).map(|i| row.get::<String, _>(i)).collect();
        out.push(format!("coverage {}", cells.join(" ")));
    }
    out
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(name: &str) -> Dir {
            let path = std::env::temp_dir().join(format!(
                "practice-sync-{name}-{}-{:08x}",
                std::process::id(),
                fastrand::u32(..)
            ));
            std::fs::create_dir_all(&path).expect("a temp dir");
            Dir(path)
        }
        pub fn url(&self, file: &str) -> String {
            format!("sqlite://{}", self.0.join(file).display())
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_year_a_request_fills_every_table_as_a_request_per_month_does() {
    let dir = tempdir::Dir::new("years-vs-months");
    let s =
        Sandbox::start(SandboxConfig::default().with_aerona_budget(5000, Duration::from_secs(900)))
            .await
            .expect("sandbox");
    // Not whole years, from mid-month: the edges are whole months either way.
    let (from, to) = ("2021-02-10", "2025-12-31");
    let months = Db::connect(&dir.url("months.db")).await.expect("db");
    let years = Db::connect(&dir.url("years.db")).await.expect("db");
    for (vendor, reports, source) in [
        ("aloha", Report::ALOHA.to_vec(), aloha(&s)),
        (
            "aerona",
            vec![
                Report::AeronaPayments,
                Report::AeronaInvoices,
                Report::AeronaPatients,
            ],
            aerona(&s),
        ),
    ] {
        let before = total(&sent(&s));
        let by_month = options(reports.clone(), from, to, monthly());
        let m = practice_sync::sync(&months, &source, &by_month)
            .await
            .expect("sync");
        let month_requests = total(&sent(&s)) - before;
        let by_year = options(reports, from, to, Windowing::default());
        let plan = practice_sync::dry_run(&years, &by_year)
            .await
            .expect("plan");
        let before = total(&sent(&s));
        let y = practice_sync::sync(&years, &source, &by_year)
            .await
            .expect("sync");
        let year_requests = total(&sent(&s)) - before;
        assert!(m.complete() && y.complete());
        assert_eq!(y.requests, year_requests, "{vendor}");
        assert!(year_requests < month_requests, "{vendor}: {year_requests}");
        if vendor == "aloha" {
            // 59 months: the clients, 5 requests of each list report, 59 of each monthly one.
            assert_eq!(month_requests, 1 + 4 * 59);
            assert_eq!(plan.requests.len(), 1 + 2 * 5 + 2 * 59);
            assert_eq!(year_requests, plan.requests.len() as u64);
        } else {
            // 59 months of two searches, then the same patients.
            let patients = s.requests("aerona.getPatient") / 2;
            assert_eq!(month_requests, 2 * 59 + patients);
            assert_eq!(year_requests, 2 * 5 + patients);
        }
        let rows: u64 = y.tables.values().map(|c| c.inserted).sum();
        assert!(rows > 1000, "{vendor}: {rows} rows");
    }
    let (a, b) = (dump(&months).await, dump(&years).await);
    assert!(a.len() > 5000, "{} rows", a.len());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    s.stop().await;
}

/// The database `practice sync aloha --from 2024-03-01 --to 2024-04-30 --reports
/// appointments,billing-ledger,client-authorizations,authorizations-without-appointments`
/// wrote with a request per month (commit af5960f, before requests covered several months),
/// as `sqlite3 .dump` printed it: its schema, rows and coverage.
const LEGACY: &[u8] = include_bytes!("fixtures/month-windows-2024-03-04.sql.gz");

async fn legacy_db(dir: &tempdir::Dir) -> Db {
    let mut dump = String::new();
    flate2::read::GzDecoder::new(LEGACY)
        .read_to_string(&mut dump)
        .expect("the fixture");
    let path = dir.0.join("legacy.db");
    let raw = sqlx::sqlite::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("sqlite");
    sqlx::raw_sql(&dump)
        .execute(&raw)
        .await
        .expect("load the dump");
    raw.close().await;
    Db::connect(&dir.url("legacy.db")).await.expect("open it")
}

const DATED: [Report; 4] = [
    Report::AlohaAppointments,
    Report::AlohaBillingLedger,
    Report::AlohaClientAuthorizations,
    Report::AlohaAuthorizationsWithoutAppointments,
];

#[tokio::test(flavor = "multi_thread")]
async fn a_database_of_month_windows_is_covered_and_not_fetched_again() {
    let dir = tempdir::Dir::new("legacy");
    let db = legacy_db(&dir).await;
    let before = dump(&db).await;
    assert!(before.len() > 500, "{} rows", before.len());

    // Its own range: nothing to send.
    let same = options(
        DATED.to_vec(),
        "2024-03-01",
        "2024-04-30",
        Windowing::default(),
    );
    let plan = practice_sync::dry_run(&db, &same).await.expect("plan");
    assert!(plan.requests.is_empty(), "{:?}", plan.requests);
    assert_eq!(plan.skipped, 8);
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let summary = practice_sync::sync(&db, &aloha(&s), &same)
        .await
        .expect("sync");
    assert_eq!(total(&sent(&s)), 0);
    assert_eq!(dump(&db).await, before, "{summary:?}");

    // A wider range: the list reports in one request each side of the covered months, the
    // monthly ones a request per missing month; the covered months are not asked for.
    let wider = options(
        DATED.to_vec(),
        "2024-01-01",
        "2024-06-30",
        Windowing::default(),
    );
    let plan = practice_sync::dry_run(&db, &wider).await.expect("plan");
    let spans: Vec<String> = plan
        .requests
        .iter()
        .filter(|r| r.report == Report::AlohaAppointments)
        .map(|r| {
            let range = r.range.expect("dates");
            format!("{}..{}", range.start(), range.end())
        })
        .collect();
    assert_eq!(spans, ["2024-05-01..2024-06-30", "2024-01-01..2024-02-29"]);
    assert_eq!(plan.requests.len(), 2 * 2 + 2 * 4);
    let summary = practice_sync::sync(&db, &aloha(&s), &wider)
        .await
        .expect("sync");
    assert!(summary.complete());
    assert_eq!(summary.skipped, 8);
    assert_eq!(total(&sent(&s)), 12);
    let changed: u64 = summary.tables.values().map(|c| c.updated + c.removed).sum();
    assert_eq!(changed, 0, "the months already there are untouched");

    // The result equals a fresh sync of the wider range.
    let fresh = Db::connect(&dir.url("fresh.db")).await.expect("db");
    practice_sync::sync(&fresh, &aloha(&s), &wider)
        .await
        .expect("sync");
    assert_eq!(dump(&db).await, dump(&fresh).await);
    s.stop().await;
}

/// The months of `report` that are covered.
async fn covered(db: &Db, report: Report) -> Vec<String> {
    let mut keys: Vec<String> = practice_sync::plan::coverage(db, report)
        .await
        .expect("coverage")
        .into_keys()
        .collect();
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_leaves_the_newest_or_the_oldest_months_done_and_the_next_run_resumes() {
    for order in [Order::Newest, Order::Oldest] {
        let dir = tempdir::Dir::new("order");
        let db = Db::connect(&dir.url("mirror.db")).await.expect("db");
        let windowing = Windowing {
            order,
            ..Windowing::default()
        };
        // One at a time, so that the order is the order sent.
        let opts = SyncOptions {
            concurrency: 1,
            ..options(
                Report::ALOHA.to_vec(),
                "2024-01-01",
                "2024-12-31",
                windowing,
            )
        };
        let plan = practice_sync::dry_run(&db, &opts).await.expect("plan");
        // Clients, a year of each list report, 12 months of each monthly one.
        assert_eq!(plan.requests.len(), 1 + 2 + 2 * 12);
        // 10 requests today: the token and 9 data requests.
        let tight = SandboxConfig {
            aloha_daily_limit: 10,
            ..SandboxConfig::default()
        };
        let s = Sandbox::start(tight).await.expect("sandbox");
        let first = practice_sync::sync(&db, &aloha(&s), &opts)
            .await
            .expect("a clean stop");
        assert!(first.stopped.is_some(), "{first:?}");
        // 9 granted; a 10th refused by the vendor may count as sent.
        assert!((9..=10).contains(&first.requests), "{first:?}");
        s.stop().await;
        // The clients, both list reports' year, and the months at the chosen end.
        assert_eq!(covered(&db, Report::AlohaAppointments).await.len(), 12);
        let auths = covered(&db, Report::AlohaClientAuthorizations).await;
        let expected: Vec<String> = match order {
            Order::Newest => (10..=12).map(|m| format!("2024-{m:02}")).collect(),
            Order::Oldest => (1..=3).map(|m| format!("2024-{m:02}")).collect(),
        };
        assert_eq!(auths, expected, "{order:?}");

        let s = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox");
        let resume = practice_sync::dry_run(&db, &opts).await.expect("plan");
        assert_eq!(resume.requests.len(), 1 + 2 * 9, "{order:?}");
        let second = practice_sync::sync(&db, &aloha(&s), &opts)
            .await
            .expect("sync");
        assert!(second.complete());
        assert_eq!(total(&sent(&s)), 1 + 2 * 9);
        assert_eq!(
            covered(&db, Report::AlohaClientAuthorizations).await.len(),
            12
        );
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_over_the_rows_bound_is_asked_for_again_in_smaller_requests() {
    let dir = tempdir::Dir::new("bound");
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let reports = vec![Report::AlohaAppointments];
    // About 140 appointments a month: a year's answer is over 200 rows, a month's is not.
    let bounded = Windowing {
        max_rows: 200,
        ..Windowing::default()
    };
    let db = Db::connect(&dir.url("bounded.db")).await.expect("db");
    let opts = options(reports.clone(), "2024-01-01", "2024-12-31", bounded);
    assert_eq!(
        practice_sync::dry_run(&db, &opts)
            .await
            .expect("plan")
            .requests
            .len(),
        1,
        "nothing known yet: one request"
    );
    let summary = practice_sync::sync(&db, &aloha(&s), &opts)
        .await
        .expect("sync");
    assert!(summary.complete());
    // 12 months, halved until each answer is within the bound: 1 + 2 + 4 + 8 + 8 requests.
    assert_eq!(summary.requests, s.requests("aloha.listAppointments"));
    assert!(summary.requests > 12, "{summary:?}");
    let months = Db::connect(&dir.url("months.db")).await.expect("db");
    practice_sync::sync(
        &months,
        &aloha(&s),
        &options(reports.clone(), "2024-01-01", "2024-12-31", monthly()),
    )
    .await
    .expect("sync");
    assert_eq!(dump(&db).await, dump(&months).await);
    // Once the months' sizes are known, a re-fetch plans within the bound from the start.
    sqlx::query("UPDATE sync_coverage SET fetched_at = '2024-01-01T00:00:00Z'")
        .execute(db.pool())
        .await
        .expect("unsettle");
    let again = practice_sync::dry_run(&db, &opts).await.expect("plan");
    assert_eq!(
        again.requests.len(),
        12,
        "one month a request under 200 rows"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: set PRACTICE_TEST_POSTGRES_URL, run with `cargo test -- --include-ignored`"]
async fn three_runs_on_one_postgres_send_each_request_of_months_once() {
    // SQLite allows one writer at a time (docs/sync.md): a fleet shares PostgreSQL.
    let url = support::postgres::fresh_database("three_runs_year_requests").await;
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let opts = options(
        Report::ALOHA.to_vec(),
        "2020-01-01",
        "2025-12-31",
        Windowing::default(),
    );
    let plan = {
        let db = Db::connect(&url).await.expect("db");
        practice_sync::dry_run(&db, &opts).await.expect("plan")
    };
    let runs = (0..3).map(|_| {
        let (url, opts, source) = (url.clone(), opts.clone(), aloha(&s));
        tokio::spawn(async move {
            let db = Db::connect(&url).await.expect("db");
            practice_sync::sync(&db, &source, &opts)
                .await
                .expect("sync")
        })
    });
    let mut by_others = 0;
    for run in runs.collect::<Vec<_>>() {
        let summary = run.await.expect("join");
        assert!(summary.complete());
        by_others += summary.by_others;
    }
    // Each year of the list reports and each month of the others once, whoever sent it.
    for report in &Report::ALOHA[1..] {
        let planned = plan
            .per_report()
            .iter()
            .find(|(r, _)| r == report)
            .map(|(_, n)| *n);
        assert_eq!(
            Some(s.requests(report.operation()) as usize),
            planned,
            "{report:?} ({by_others} windows done by others)"
        );
    }
    let db = Db::connect(&url).await.expect("db");
    let leases: i64 = sqlx::query("SELECT COUNT(*) FROM sync_leases")
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get(0);
    assert_eq!(leases, 0);
    // Against a request per month in the same dialect.
    let months_url = support::postgres::fresh_database("three_runs_months").await;
    let months = Db::connect(&months_url).await.expect("db");
    practice_sync::sync(
        &months,
        &aloha(&s),
        &SyncOptions {
            windowing: monthly(),
            ..opts
        },
    )
    .await
    .expect("sync");
    let clients = |d: Vec<String>| -> Vec<String> {
        d.into_iter()
            .filter(|l| !l.contains("aloha_clients"))
            .collect()
    };
    assert_eq!(clients(dump(&db).await), clients(dump(&months).await));
    s.stop().await;
}
