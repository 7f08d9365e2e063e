//! The `account` column reaches a database written before accounts existed: its rows, coverage
//! and leases become [`DEFAULT_ACCOUNT`]'s, in place, and a re-sync resumes from the coverage
//! (nothing settled is fetched again). Tested on whole databases today's schema wrote
//! (`tests/fixtures/README.md`), in SQLite and PostgreSQL.

mod support;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::time::Duration;

use practice_core::{DateRange, RateLimit, WhenExhausted};
use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::sqlx::{self, Connection as _, Row as _};
use practice_sync::{DEFAULT_ACCOUNT, Db, Report, Source, SyncOptions, Windowing};

const SQLITE_FIXTURE: &[u8] = include_bytes!("fixtures/single-account-2024-03-04.sql.gz");
const POSTGRES_FIXTURE: &[u8] =
    include_bytes!("fixtures/single-account-2024-03-04.postgres.sql.gz");

/// Every table the fixture fills, and the bookkeeping.
const TABLES: [&str; 10] = [
    "aloha_clients",
    "aloha_appointments",
    "aloha_billing_ledger",
    "aloha_client_authorizations",
    "aloha_authorizations_without_appointments",
    "aerona_payments",
    "aerona_invoices",
    "aerona_patients",
    "sync_coverage",
    "sync_leases",
];

fn unzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("the fixture");
    text
}

/// How a row of `table` is compared (every column but `account`), and its order.
fn row_text(table: &str) -> (&'static str, &'static str) {
    match table {
        "sync_coverage" => (
            "report || ' ' || window_key || ' ' || COALESCE(CAST(row_count AS TEXT), '')",
            "report, window_key",
        ),
        "sync_leases" => (
            "report || ' ' || window_key || ' ' || owner",
            "report, window_key",
        ),
        _ => ("row_key || ' ' || window_key || ' ' || record", "row_key"),
    }
}

/// Each table's rows as text, and the accounts its rows belong to.
async fn contents(db: &Db) -> BTreeMap<&'static str, (Vec<String>, Vec<String>)> {
    let mut out = BTreeMap::new();
    for table in TABLES {
        let (text, key) = row_text(table);
        let rows = sqlx::query(&format!(
            "SELECT {text}, account FROM {table} WHERE account = 'default' ORDER BY {key}"
        ))
        .fetch_all(db.pool())
        .await
        .unwrap_or_else(|e| panic!("read {table}: {e}"));
        let accounts: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT account FROM {table} ORDER BY account"
        ))
        .fetch_all(db.pool())
        .await
        .unwrap_or_else(|e| panic!("read {table}: {e}"));
        out.insert(
            table,
            (
                rows.iter().map(|r| r.get::<String, _>(0)).collect(),
                accounts,
            ),
        );
    }
    out
}

/// The same rows, read from the fixture before it is migrated (it has no `account` column).
async fn legacy_contents(pool: &sqlx::AnyPool) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for table in TABLES {
        let (text, key) = row_text(table);
        let rows = sqlx::query(&format!("SELECT {text} FROM {table} ORDER BY {key}"))
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("read the fixture's {table}: {e}"));
        out.insert(table, rows.iter().map(|r| r.get::<String, _>(0)).collect());
    }
    out
}

fn options(reports: Vec<Report>) -> SyncOptions {
    SyncOptions {
        reports,
        range: DateRange::parse("2024-03-01", "2024-04-30").expect("a range"),
        lookback: practice_core::time::Duration::days(30),
        concurrency: 4,
        lease: Duration::from_secs(30),
        windowing: Windowing::default(),
        progress: None,
    }
}

fn data_requests(s: &Sandbox) -> BTreeMap<String, u64> {
    s.stats()
        .into_iter()
        .filter(|(op, _)| !op.contains("Token") && !op.contains("login"))
        .collect()
}

/// Migrates the database at `url` (already loaded with a fixture) and checks it: every row
/// kept and `default`'s, the key now per account, a re-sync sending only the snapshot
/// report, and a second migration changing nothing.
async fn migrate_and_check(url: &str) {
    let before = {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(url).await.expect("open the fixture");
        let before = legacy_contents(&pool).await;
        pool.close().await;
        before
    };
    assert!(before["aloha_appointments"].len() > 200, "{before:?}");
    assert!(before["aerona_patients"].len() > 10);
    assert_eq!(before["sync_coverage"].len(), 68);

    let db = Db::connect(url).await.expect("migrate");
    let after = contents(&db).await;
    for table in TABLES {
        let (rows, accounts) = &after[table];
        assert_eq!(rows, &before[table], "{table}: rows kept");
        if !rows.is_empty() {
            assert_eq!(accounts, &[DEFAULT_ACCOUNT.to_owned()], "{table}");
        }
    }
    // The key is per account now: another account may hold the same record id.
    let arg = |n: usize| match db.dialect() {
        practice_sync::Dialect::Postgres => format!("${n}"),
        practice_sync::Dialect::Sqlite => format!("?{n}"),
    };
    let stamp = match db.dialect() {
        practice_sync::Dialect::Postgres => "now()",
        practice_sync::Dialect::Sqlite => "'2024-01-01T00:00:00Z'",
    };
    let same_id: String = sqlx::query_scalar("SELECT MIN(row_key) FROM aloha_appointments")
        .fetch_one(db.pool())
        .await
        .expect("an id");
    sqlx::query(&format!(
        "INSERT INTO aloha_appointments (account, row_key, record, window_key, request, fetched_at) VALUES ('other', {}, '{{}}', '2024-03', 'test', {stamp})",
        arg(1)
    ))
    .bind(&same_id)
    .execute(db.pool())
    .await
    .expect("the same id under another account");

    // A re-sync resumes: the settled months are not fetched again, only the snapshot.
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let c = s.credentials();
    let aloha = Source::Aloha(
        aloha_api::Client::builder(c.aloha_client_id.clone(), c.aloha_secret_key.clone())
            .base_url(s.aloha_base_url())
            .build()
            .expect("a client"),
    );
    let aerona = Source::Aerona(
        aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
            .base_url(s.aerona_base_url())
            .rate_limit(
                RateLimit::new(5000, Duration::from_secs(900)),
                WhenExhausted::FailFast,
            )
            .build()
            .expect("a client"),
    );
    let first = practice_sync::sync(&db, &aloha, &options(Report::ALOHA.to_vec()))
        .await
        .expect("aloha");
    let second = practice_sync::sync(
        &db,
        &aerona,
        &options(vec![
            Report::AeronaPayments,
            Report::AeronaInvoices,
            Report::AeronaPatients,
        ]),
    )
    .await
    .expect("aerona");
    assert_eq!(
        data_requests(&s),
        BTreeMap::from([("aloha.listClients".to_owned(), 1)]),
        "{first:?} {second:?}"
    );
    assert_eq!(
        first
            .tables
            .values()
            .map(|c| c.inserted + c.removed)
            .sum::<u64>(),
        0
    );
    s.stop().await;
    db.close().await;

    // Opened again (and again with an aged digest, so the migration runs): nothing changes.
    let db = Db::connect(url).await.expect("open again");
    let again = contents(&db).await;
    sqlx::query("UPDATE sync_schema SET digest = 'old'")
        .execute(db.pool())
        .await
        .expect("age the schema");
    db.close().await;
    let db = Db::connect(url).await.expect("migrate again");
    assert_eq!(contents(&db).await, again);
    let others: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM aloha_appointments WHERE account = 'other'")
            .fetch_one(db.pool())
            .await
            .expect("count");
    assert_eq!(others, 1);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_database_of_one_account_becomes_defaults() {
    let dir = std::env::temp_dir().join(format!(
        "practice-sync-migration-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join("single.db");
    let raw = sqlx::sqlite::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("sqlite");
    sqlx::raw_sql(&unzip(SQLITE_FIXTURE))
        .execute(&raw)
        .await
        .expect("load the dump");
    raw.close().await;
    migrate_and_check(&format!("sqlite://{}", path.display())).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: set PRACTICE_TEST_POSTGRES_URL, run with `cargo test -- --include-ignored`"]
async fn a_postgres_database_of_one_account_becomes_defaults() {
    let url = support::postgres::fresh_database("migration").await;
    // One connection of its own: the dump empties `search_path` for its session.
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("postgres");
    sqlx::raw_sql(&unzip(POSTGRES_FIXTURE))
        .execute(&mut conn)
        .await
        .expect("load the dump");
    conn.close().await.expect("close");
    migrate_and_check(&url).await;
}
