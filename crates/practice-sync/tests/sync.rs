//! Full syncs against the sandbox into real SQLite and PostgreSQL databases: the database
//! equals the sandbox's data record for record; a second run sends only what the look-back
//! asks for and changes nothing; the dry run's plan is what is then sent; a changed or
//! vanished row is put right by re-fetching its window.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use practice_core::{DateRange, RateLimit, WhenExhausted};
use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::{Db, Report, Source, SyncOptions, Windowing};
use sqlx::Row as _;

/// A request per month: the windowing these tests were written for (the default's larger
/// requests are tested beside them, and in `tests/windows.rs`).
fn options(reports: Vec<Report>, from: &str, to: &str) -> SyncOptions {
    SyncOptions {
        reports,
        range: DateRange::parse(from, to).expect("a range"),
        lookback: practice_core::time::Duration::days(30),
        concurrency: 4,
        lease: Duration::from_secs(30),
        windowing: Windowing {
            months: 1,
            ..Windowing::default()
        },
        progress: None,
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

fn aerona_client(s: &Sandbox) -> aerona_api::Client {
    let c = s.credentials();
    aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(s.aerona_base_url())
        .rate_limit(
            RateLimit::new(5000, Duration::from_secs(900)),
            WhenExhausted::FailFast,
        )
        .build()
        .expect("a client")
}

/// Every record of `table`, parsed, sorted by its text.
async fn stored(db: &Db, table: &str) -> Vec<serde_json::Value> {
    let rows = sqlx::query(&format!("SELECT record FROM {table}"))
        .fetch_all(db.pool())
        .await
        .expect("read the table");
    let mut out: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.get::<String, _>(0)).expect("JSON"))
        .collect();
    out.sort_by_cached_key(|v| v.to_string());
    out
}

fn sorted<T: serde::Serialize>(records: &[T]) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = records
        .iter()
        .map(|r| serde_json::to_value(r).expect("JSON"))
        .collect();
    out.sort_by_cached_key(|v| v.to_string());
    out
}

fn data_requests(s: &Sandbox) -> BTreeMap<String, u64> {
    s.stats()
        .into_iter()
        .filter(|(op, _)| !op.contains("Token") && !op.contains("login"))
        .collect()
}

async fn aloha_round_trip(url: &str, windowing: Windowing) {
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let db = Db::connect(url).await.expect("connect");
    let opts = SyncOptions {
        windowing,
        ..options(Report::ALOHA.to_vec(), "2024-01-01", "2025-12-31")
    };

    let plan = practice_sync::dry_run(&db, &opts).await.expect("plan");
    if windowing.months == 1 {
        assert_eq!(
            plan.requests.len(),
            1 + 4 * 24,
            "clients + 24 months of 4 reports"
        );
    } else {
        assert_eq!(
            plan.requests.len(),
            1 + 2 * 2 + 2 * 24,
            "clients, 2 years of the two list reports, 24 months of the two monthly ones"
        );
    }
    assert_eq!(plan.windows(), 1 + 4 * 24, "the same windows either way");
    let source = aloha(&s);
    let summary = practice_sync::sync(&db, &source, &opts)
        .await
        .expect("sync");
    assert!(summary.complete());
    // The dry run's plan is exactly what was sent.
    let sent = data_requests(&s);
    for (report, n) in plan.per_report() {
        assert_eq!(
            sent.get(report.operation()).copied(),
            Some(n as u64),
            "{report:?}"
        );
    }
    assert_eq!(summary.requests, plan.requests.len() as u64);

    // Record for record, against one whole-range request per report.
    let Source::Aloha(client) = &source else {
        unreachable!()
    };
    let all = DateRange::parse("2024-01-01", "2025-12-31").expect("range");
    assert_eq!(
        stored(&db, "aloha_clients").await,
        sorted(&client.clients().await.expect("clients"))
    );
    let appointments = client.appointments(all).await.expect("appointments");
    assert!(appointments.len() > 800, "{}", appointments.len());
    assert_eq!(
        stored(&db, "aloha_appointments").await,
        sorted(&appointments)
    );
    assert_eq!(
        stored(&db, "aloha_billing_ledger").await,
        sorted(&client.billing_ledger(all).await.expect("ledger"))
    );
    // Monthly and per-range reports are stored per month, as fetched: compare month by month.
    let mut auths = Vec::new();
    let mut without = Vec::new();
    for w in
        practice_sync::plan::month_windows(Report::AlohaClientAuthorizations, all).expect("months")
    {
        let range = w.range.expect("dates");
        auths.extend(client.client_authorizations(range).await.expect("auths"));
        without.extend(
            client
                .authorizations_without_appointments(range)
                .await
                .expect("without"),
        );
    }
    assert_eq!(
        stored(&db, "aloha_client_authorizations").await,
        sorted(&auths)
    );
    assert_eq!(
        stored(&db, "aloha_authorizations_without_appointments").await,
        sorted(&without)
    );

    // Typed columns: money exact, real dates.
    let billed: rust_decimal::Decimal = client
        .billing_ledger(all)
        .await
        .expect("ledger")
        .iter()
        .filter_map(|r| r.billed_amount)
        .sum();
    let sum_sql = match db.dialect() {
        practice_sync::Dialect::Postgres => {
            "SELECT SUM(billed_amount)::text FROM aloha_billing_ledger"
        }
        practice_sync::Dialect::Sqlite => {
            "SELECT group_concat(billed_amount, ' ') FROM aloha_billing_ledger"
        }
    };
    let text: String = sqlx::query(sum_sql)
        .fetch_one(db.pool())
        .await
        .expect("sum")
        .get(0);
    let total: rust_decimal::Decimal = match db.dialect() {
        practice_sync::Dialect::Postgres => text.parse().expect("a decimal"),
        practice_sync::Dialect::Sqlite => text
            .split(' ')
            .map(|t| t.parse::<rust_decimal::Decimal>().expect("exact digits"))
            .sum(),
    };
    assert_eq!(total, billed);
    let first: String =
        sqlx::query("SELECT MIN(CAST(appointment_date AS TEXT)) FROM aloha_appointments")
            .fetch_one(db.pool())
            .await
            .expect("min date")
            .get(0);
    assert_eq!(first, "2024-01-01");

    // A second run: only the snapshot report (every window is settled); nothing changes.
    let before = data_requests(&s);
    let plan = practice_sync::dry_run(&db, &opts).await.expect("plan");
    assert_eq!(plan.per_report(), vec![(Report::AlohaClients, 1)]);
    let again = practice_sync::sync(&db, &source, &opts)
        .await
        .expect("sync");
    let after = data_requests(&s);
    let sent: u64 = after.values().sum::<u64>() - before.values().sum::<u64>();
    assert_eq!(sent, 1);
    assert!(
        again
            .tables
            .values()
            .all(|c| *c == practice_sync::Changes::default()),
        "{again:?}"
    );

    // A tampered row is put right and a row the window no longer returns is removed, once
    // the window is re-fetched (its coverage made unsettled).
    let arg = |n| match db.dialect() {
        practice_sync::Dialect::Postgres => format!("${n}"),
        practice_sync::Dialect::Sqlite => format!("?{n}"),
    };
    let stamp = match db.dialect() {
        practice_sync::Dialect::Postgres => "now()",
        practice_sync::Dialect::Sqlite => "'2024-01-01T00:00:00Z'",
    };
    sqlx::query("UPDATE aloha_appointments SET record = '{}' WHERE row_key = (SELECT MIN(row_key) FROM aloha_appointments WHERE window_key = '2024-03')")
        .execute(db.pool()).await.expect("tamper");
    sqlx::query(&format!("INSERT INTO aloha_appointments (account, row_key, record, window_key, request, fetched_at) VALUES ('default', {}, '{{}}', '2024-03', 'test', {stamp})", arg(1)))
        .bind("999999").execute(db.pool()).await.expect("a stray row");
    sqlx::query("UPDATE sync_coverage SET fetched_at = '2024-03-15T00:00:00Z' WHERE report = 'aloha_appointments' AND window_key = '2024-03'")
        .execute(db.pool()).await.expect("unsettle");
    let fixed = practice_sync::sync(
        &db,
        &source,
        &options(vec![Report::AlohaAppointments], "2024-03-01", "2024-03-31"),
    )
    .await
    .expect("sync");
    let c = fixed
        .tables
        .get("aloha_appointments")
        .copied()
        .unwrap_or_default();
    assert_eq!((c.inserted, c.updated, c.removed), (0, 1, 1));
    assert_eq!(
        stored(&db, "aloha_appointments").await,
        sorted(&appointments)
    );
    s.stop().await;
}

async fn aerona_round_trip(url: &str, windowing: Windowing) {
    let config = SandboxConfig::default().with_aerona_budget(5000, Duration::from_secs(900));
    let s = Sandbox::start(config).await.expect("sandbox");
    let db = Db::connect(url).await.expect("connect");
    let opts = SyncOptions {
        windowing,
        ..options(
            vec![
                Report::AeronaPayments,
                Report::AeronaInvoices,
                Report::AeronaPatients,
            ],
            "2024-01-01",
            "2026-12-31",
        )
    };
    let client = aerona_client(&s);
    let source = Source::Aerona(client.clone());
    let plan = practice_sync::dry_run(&db, &opts).await.expect("plan");
    // A request per month, or a year a request.
    let searches = if windowing.months == 1 { 36 } else { 3 };
    if windowing.months == 1 {
        assert_eq!(
            plan.requests.len(),
            72,
            "36 months of payments and of invoices; no patient known yet"
        );
    }
    assert_eq!(plan.requests.len(), 2 * searches);
    assert_eq!(plan.windows(), 72);
    let summary = practice_sync::sync(&db, &source, &opts)
        .await
        .expect("sync");
    assert!(summary.complete());
    assert_eq!(s.requests("aerona.searchPayments"), searches as u64);
    assert_eq!(s.requests("aerona.searchInvoices"), searches as u64);
    assert_eq!(
        s.requests("aerona.getPatient"),
        300,
        "each named patient once"
    );
    // The summary counts every stage of the run: the searches and then the patients.
    assert_eq!(summary.requests, data_requests(&s).values().sum::<u64>());
    assert_eq!(summary.requests, 2 * searches as u64 + 300);
    let all = DateRange::parse("2024-01-01", "2026-12-31").expect("range");
    let payments = client.search_payments(None, all).await.expect("payments");
    assert_eq!(payments.len(), 1200);
    assert_eq!(stored(&db, "aerona_payments").await, sorted(&payments));
    assert_eq!(
        stored(&db, "aerona_invoices").await,
        sorted(&client.search_invoices(None, all).await.expect("invoices"))
    );
    let patient = client.patient(426_700).await.expect("patient");
    let patients = stored(&db, "aerona_patients").await;
    assert_eq!(patients.len(), 300);
    assert!(patients.contains(&serde_json::to_value(&patient).expect("JSON")));
    // Left to fetch: only months that had not settled when fetched (within the look-back of
    // today); every patient is stored.
    let plan = practice_sync::dry_run(&db, &opts).await.expect("plan");
    let today = practice_core::time::OffsetDateTime::now_utc().date();
    for w in &plan.requests {
        let end = w.range.expect("a month").end();
        assert!(
            end + practice_core::time::Duration::days(31) > today,
            "{w:?}"
        );
    }
    assert!(
        plan.requests
            .iter()
            .all(|w| w.report != Report::AeronaPatients)
    );
    s.stop().await;
}

fn sqlite_url(name: &str) -> (tempdir::Dir, String) {
    let dir = tempdir::Dir::new(name);
    let url = format!("sqlite://{}", dir.path().join("mirror.db").display());
    (dir, url)
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(std::path::PathBuf);
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
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn aloha_into_sqlite_equals_the_sandbox() {
    let (_dir, url) = sqlite_url("aloha");
    aloha_round_trip(&url, options(vec![], "2024-01-01", "2024-01-01").windowing).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn aloha_into_sqlite_a_year_a_request_equals_the_sandbox() {
    let (_dir, url) = sqlite_url("aloha-years");
    aloha_round_trip(&url, Windowing::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: set PRACTICE_TEST_POSTGRES_URL, run with `cargo test -- --include-ignored`"]
async fn aloha_into_postgres_equals_the_sandbox() {
    let url = support::postgres::fresh_database("aloha_into_postgres").await;
    aloha_round_trip(&url, Windowing::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn aerona_into_sqlite_equals_the_sandbox() {
    let (_dir, url) = sqlite_url("aerona");
    aerona_round_trip(&url, options(vec![], "2024-01-01", "2024-01-01").windowing).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn aerona_into_sqlite_a_year_a_request_equals_the_sandbox() {
    let (_dir, url) = sqlite_url("aerona-years");
    aerona_round_trip(&url, Windowing::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: set PRACTICE_TEST_POSTGRES_URL, run with `cargo test -- --include-ignored`"]
async fn aerona_into_postgres_equals_the_sandbox() {
    let url = support::postgres::fresh_database("aerona_into_postgres").await;
    aerona_round_trip(&url, Windowing::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn migrating_twice_changes_nothing() {
    let (_dir, url) = sqlite_url("migrate");
    let db = Db::connect(&url).await.expect("connect");
    sqlx::query("UPDATE sync_schema SET digest = 'old'")
        .execute(db.pool())
        .await
        .expect("age the schema");
    drop(db);
    let db = Db::connect(&url).await.expect("migrate again");
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM sync_schema")
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_stops_cleanly_and_the_next_run_resumes() {
    let (_dir, url) = sqlite_url("budget");
    let db = Db::connect(&url).await.expect("connect");
    let opts = options(Report::ALOHA.to_vec(), "2024-01-01", "2024-06-30");
    let planned = practice_sync::dry_run(&db, &opts)
        .await
        .expect("plan")
        .requests
        .len();

    // A key with 10 requests left today: the token plus 9 windows at most.
    let tight = SandboxConfig {
        aloha_daily_limit: 10,
        ..SandboxConfig::default()
    };
    let s = Sandbox::start(tight).await.expect("sandbox");
    let first = practice_sync::sync(&db, &aloha(&s), &opts)
        .await
        .expect("a clean stop");
    let when = first.stopped.expect("stopped early");
    assert!(when.is_some(), "says when to run again");
    let done: usize = practice_sync::plan::coverage(&db, Report::AlohaAppointments)
        .await
        .expect("coverage")
        .len();
    // Sent: the 9 windows the key allowed, plus at most the others in flight (concurrency
    // 4) when the vendor said none was left; those are refused by the vendor, not granted.
    // Counting 10 as the ceiling failed a CI run at 11: the client does not hold back
    // in-flight requests to the vendor's last remaining count.
    assert!(
        first.requests <= 9 + (opts.concurrency as u64 - 1),
        "{first:?}"
    );
    let leases: i64 = sqlx::query("SELECT COUNT(*) FROM sync_leases")
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get(0);
    assert_eq!(leases, 0, "nothing left claimed");
    s.stop().await;

    // The next day (a fresh budget): only what is missing, plus the snapshot report again.
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let resume = practice_sync::dry_run(&db, &opts).await.expect("plan");
    assert!(
        resume.requests.len() < planned,
        "{done} months of appointments were kept"
    );
    let second = practice_sync::sync(&db, &aloha(&s), &opts)
        .await
        .expect("sync");
    assert!(second.complete());
    assert_eq!(
        data_requests(&s).values().sum::<u64>(),
        resume.requests.len() as u64
    );
    let Source::Aloha(client) = aloha(&s) else {
        unreachable!()
    };
    let all = DateRange::parse("2024-01-01", "2024-06-30").expect("range");
    assert_eq!(
        stored(&db, "aloha_appointments").await,
        sorted(&client.appointments(all).await.expect("appointments"))
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: set PRACTICE_TEST_POSTGRES_URL, run with `cargo test -- --include-ignored`"]
async fn a_plan_on_a_postgres_never_synced_creates_no_table() {
    let url = support::postgres::fresh_database("plan_creates_nothing").await;
    let db = Db::connect_for_plan(&url).await.expect("plan db");
    let opts = options(Report::ALOHA.to_vec(), "2024-01-01", "2024-03-31");
    let plan = practice_sync::dry_run(&db, &opts).await.expect("plan");
    db.close().await;
    assert!(
        !plan.requests.is_empty(),
        "an empty database plans everything"
    );
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("connect");
    let tables: i64 = sqlx::query(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(&pool)
    .await
    .expect("count")
    .get(0);
    assert_eq!(tables, 0, "the dry run created nothing");
}
