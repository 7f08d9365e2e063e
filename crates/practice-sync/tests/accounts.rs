//! Many accounts in one database ([`practice_sync::sync_accounts`]): sandboxes of distinct
//! seeds serve distinct data with overlapping record ids, and each account's rows are its
//! sandbox's, exactly, under its own name; an account with a wrong secret fails alone.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use practice_core::{DateRange, RateLimit, WhenExhausted};
use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::sqlx::{self, Row as _};
use practice_sync::{Account, Db, Source, SyncOptions, Windowing};

const FROM: &str = "2024-03-01";
const TO: &str = "2024-05-31";

fn options() -> SyncOptions {
    SyncOptions {
        reports: Vec::new(),
        range: DateRange::parse(FROM, TO).expect("a range"),
        lookback: practice_core::time::Duration::days(30),
        concurrency: 3,
        lease: Duration::from_secs(30),
        windowing: Windowing::default(),
        progress: None,
    }
}

fn aloha_client(s: &Sandbox, secret: &str) -> aloha_api::Client {
    aloha_api::Client::builder(s.credentials().aloha_client_id.clone(), secret.to_owned())
        .base_url(s.aloha_base_url())
        .build()
        .expect("a client")
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

async fn sandbox(seed: u64) -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox")
}

/// `account`'s rows of `table`: row key → record, parsed.
async fn stored(db: &Db, account: &str, table: &str) -> BTreeMap<String, serde_json::Value> {
    sqlx::query(&format!(
        "SELECT row_key, record FROM {table} WHERE account = '{account}'"
    ))
    .fetch_all(db.pool())
    .await
    .expect("read the table")
    .iter()
    .map(|r| {
        let record: String = r.get(1);
        (r.get(0), serde_json::from_str(&record).expect("JSON"))
    })
    .collect()
}

fn sorted<T: serde::Serialize>(records: &[T]) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = records
        .iter()
        .map(|r| serde_json::to_value(r).expect("JSON"))
        .collect();
    out.sort_by_cached_key(|v| v.to_string());
    out
}

fn values(rows: &BTreeMap<String, serde_json::Value>) -> Vec<serde_json::Value> {
    let mut out: Vec<_> = rows.values().cloned().collect();
    out.sort_by_cached_key(|v| v.to_string());
    out
}

fn data_requests(s: &Sandbox) -> u64 {
    s.stats()
        .into_iter()
        .filter(|(op, _)| !op.contains("Token") && !op.contains("login"))
        .map(|(_, n)| n)
        .sum()
}

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!(
        "practice-sync-{name}-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let url = format!("sqlite://{}", dir.join("mirror.db").display());
    (dir, url)
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_with_colliding_ids_keep_their_own_rows() {
    let (a, b) = (sandbox(2024).await, sandbox(7).await);
    let (dir, url) = temp_db("accounts");
    let db = Db::connect(&url).await.expect("connect");
    let secret = |s: &Sandbox| s.credentials().aloha_secret_key.clone();
    let accounts = vec![
        Account::new("north", Source::Aloha(aloha_client(&a, &secret(&a)))).expect("north"),
        Account::new("south", Source::Aloha(aloha_client(&b, &secret(&b)))).expect("south"),
        Account::new("smile", Source::Aerona(aerona_client(&a))).expect("smile"),
        Account::new("grin", Source::Aerona(aerona_client(&b))).expect("grin"),
    ];
    let summaries = practice_sync::sync_accounts(&db, &accounts, &options()).await;
    let names: Vec<&str> = summaries.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["north", "south", "smile", "grin"]);
    for summary in &summaries {
        assert!(summary.ok(), "{summary:?}");
        assert!(summary.rows() > 100, "{summary:?}");
    }
    // Each sandbox served its two accounts' data requests, and only those.
    let (na, nb) = (data_requests(&a), data_requests(&b));
    assert_eq!(na, summaries[0].requests() + summaries[2].requests());
    assert_eq!(nb, summaries[1].requests() + summaries[3].requests());

    let range = DateRange::parse(FROM, TO).expect("range");
    for (account, s) in [("north", &a), ("south", &b)] {
        let client = aloha_client(s, &secret(s));
        let appointments = stored(&db, account, "aloha_appointments").await;
        assert_eq!(
            values(&appointments),
            sorted(&client.appointments(range).await.expect("appointments")),
            "{account}"
        );
        let clients = stored(&db, account, "aloha_clients").await;
        assert_eq!(
            values(&clients),
            sorted(&client.clients().await.expect("clients")),
            "{account}"
        );
    }
    for (account, s) in [("smile", &a), ("grin", &b)] {
        let client = aerona_client(s);
        let payments = stored(&db, account, "aerona_payments").await;
        assert_eq!(
            values(&payments),
            sorted(&client.search_payments(None, range).await.expect("payments")),
            "{account}"
        );
    }
    // The seeds differ in data but not in ids: the same keys hold different records.
    for (table, x, y) in [
        ("aloha_appointments", "north", "south"),
        ("aloha_clients", "north", "south"),
        ("aerona_payments", "smile", "grin"),
    ] {
        let (x, y) = (stored(&db, x, table).await, stored(&db, y, table).await);
        let shared: BTreeSet<&String> = x.keys().filter(|k| y.contains_key(*k)).collect();
        assert!(!shared.is_empty(), "{table}: no colliding ids");
        assert!(
            shared.iter().any(|k| x[*k] != y[*k]),
            "{table}: the colliding rows differ"
        );
    }
    // Coverage is per account: a second pass fetches only the snapshot, per Aloha account.
    let again = practice_sync::sync_accounts(&db, &accounts, &options()).await;
    let requests: Vec<u64> = again.iter().map(|s| s.requests()).collect();
    assert_eq!(requests, [1, 1, 0, 0], "{again:?}");
    db.close().await;
    a.stop().await;
    b.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_fails_alone() {
    let s = sandbox(2024).await;
    let (dir, url) = temp_db("wrong-secret");
    let db = Db::connect(&url).await.expect("connect");
    let good = s.credentials().aloha_secret_key.clone();
    let accounts = vec![
        Account::new("north", Source::Aloha(aloha_client(&s, &good))).expect("north"),
        Account::new(
            "bad",
            Source::Aloha(aloha_client(&s, "not-the-secret-4711")),
        )
        .expect("bad"),
        Account::new("smile", Source::Aerona(aerona_client(&s))).expect("smile"),
    ];
    let summaries = practice_sync::sync_accounts(&db, &accounts, &options()).await;
    let ok: Vec<bool> = summaries.iter().map(|s| s.ok()).collect();
    assert_eq!(ok, [true, false, true], "{summaries:?}");
    let error = summaries[1].error.as_ref().expect("its error").to_string();
    assert!(!error.contains("not-the-secret-4711"), "{error}");
    assert_eq!(summaries[1].rows(), 0);
    assert!(stored(&db, "bad", "aloha_clients").await.is_empty());
    assert!(summaries[0].rows() > 100 && summaries[2].rows() > 100);
    let covered: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_coverage WHERE account = 'bad'")
            .fetch_one(db.pool())
            .await
            .expect("count");
    assert_eq!(covered, 0);
    db.close().await;
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// An Aerona account whose budget is spent waits for its window without a slot: with one
/// request in flight allowed, the Aloha account still finishes while the other waits.
#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_does_not_slow_another_account() {
    let s = sandbox(2024).await;
    let (dir, url) = temp_db("spent");
    let db = Db::connect(&url).await.expect("connect");
    let c = s.credentials();
    let tight = aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(s.aerona_base_url())
        .rate_limit(
            RateLimit::new(3, Duration::from_secs(900)),
            WhenExhausted::wait_up_to(Duration::from_secs(16 * 60)),
        )
        .build()
        .expect("a client");
    let accounts = vec![
        Account::new("smile", Source::Aerona(tight)).expect("smile"),
        Account::new(
            "north",
            Source::Aloha(aloha_client(&s, &c.aloha_secret_key)),
        )
        .expect("north"),
    ];
    let opts = SyncOptions {
        concurrency: 1,
        ..options()
    };
    let north = db.for_account("north");
    let planned = practice_sync::dry_run(&north, &accounts[1].options(&opts))
        .await
        .expect("plan")
        .windows() as i64;
    let interrupt = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pass = tokio::spawn({
        let (db, accounts, opts, interrupt) = (
            db.clone(),
            accounts.clone(),
            opts.clone(),
            interrupt.clone(),
        );
        async move { practice_sync::sync_accounts_until(&db, &accounts, &opts, &interrupt).await }
    });
    // A hang guard, not a measure of speed: the Aloha account needs a few seconds at most.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let covered: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sync_coverage WHERE account = 'north'")
                .fetch_one(db.pool())
                .await
                .expect("count");
        if covered == planned {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the Aloha account is stuck behind the spent one: {covered} of {planned}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    interrupt.store(true, std::sync::atomic::Ordering::Release);
    let summaries = pass.await.expect("the pass");
    assert!(summaries[1].ok(), "{:?}", summaries[1]);
    let smile = &summaries[0];
    assert!(
        smile.error.is_none() && smile.summary.interrupted,
        "{smile:?}"
    );
    // Its budget of 3: the login, payments and invoices; the patients wait for the window.
    assert_eq!(smile.requests(), 2, "{smile:?}");
    assert!(
        !smile.summary.tables.contains_key("aerona_patients"),
        "{smile:?}"
    );
    db.close().await;
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn account_names_are_checked() {
    for good in ["north", "a", "x_1-2", &"z".repeat(40)] {
        assert!(practice_sync::accounts::check_name(good).is_ok(), "{good}");
    }
    for bad in ["", "North", "a b", "ü", &"z".repeat(41), "a/b"] {
        let err = practice_sync::accounts::check_name(bad).expect_err(bad);
        assert!(err.to_string().contains("a-z, 0-9"), "{err}");
    }
}
