//! `practice sync` as real processes: killed with SIGKILL at random moments and then
//! completed, the database equals an uninterrupted run's; three processes on one PostgreSQL
//! and one Redis fetch every window once, with one login; the summary's requests are those
//! the vendor received, and it shows the budget left.

#[path = "../../practice-sync/tests/support/postgres.rs"]
mod postgres;
#[path = "../../practice-redis/tests/support/redis_server.rs"]
mod redis_server;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::Db;
use practice_sync::sqlx::{self, Row as _};

const FROM: &str = "2024-01-01";
const TO: &str = "2024-12-31";
/// Clients + 12 months of four reports (these runs take a month a request, as before
/// `--window-months`; the larger requests are tested in `practice-sync`).
const WINDOWS: u64 = 1 + 4 * 12;

/// `practice sync aloha` into `db`; `lease_seconds` as given (short, so that a killed run's
/// windows are free again soon), or the default (60 s) when `None`.
fn spawn(s: &Sandbox, db: &str, redis: Option<&str>, lease_seconds: Option<&str>) -> Child {
    let c = s.credentials();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_practice"));
    cmd.args(["sync", "aloha", "--db", db, "--from", FROM, "--to", TO]);
    cmd.args(["--window-months", "1"]);
    if let Some(lease) = lease_seconds {
        cmd.args(["--lease-seconds", lease]);
    }
    cmd.env_clear()
        .env("ALOHA_CLIENT_ID", &c.aloha_client_id)
        .env("ALOHA_SECRET_KEY", &c.aloha_secret_key)
        .env("ALOHA_BASE_URL", s.aloha_base_url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = redis {
        cmd.env("PRACTICE_REDIS_URL", url);
    }
    cmd.spawn().expect("the binary runs")
}

async fn finish(child: Child) {
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every table's rows and the coverage, without the times they were fetched.
async fn dump(url: &str) -> Vec<String> {
    let db = Db::connect(url).await.expect("connect");
    let mut out = Vec::new();
    for table in practice_sync::generated::TABLES {
        let sql = format!(
            "SELECT row_key, record, window_key FROM {} ORDER BY row_key",
            table.name
        );
        for row in sqlx::query(&sql).fetch_all(db.pool()).await.expect("read") {
            out.push(format!(
                "{} {} {} {}",
                table.name,
                row.get::<String, _>(0),
                row.get::<String, _>(2),
                row.get::<String, _>(1)
            ));
        }
    }
    let coverage = "SELECT report, window_key, CAST(row_count AS TEXT) FROM sync_coverage ORDER BY report, window_key";
    for row in sqlx::query(coverage)
        .fetch_all(db.pool())
        .await
        .expect("read")
    {
        out.push(format!(
            "coverage {} {} {}",
            row.get::<String, _>(0),
            row.get::<String, _>(1),
            row.get::<String, _>(2)
        ));
    }
    let leases: i64 = sqlx::query("SELECT COUNT(*) FROM sync_leases")
        .fetch_one(db.pool())
        .await
        .expect("read")
        .get(0);
    out.push(format!("leases {leases}"));
    out
}

fn data_requests(s: &Sandbox) -> u64 {
    s.stats()
        .into_iter()
        .filter(|(op, _)| op.starts_with("aloha.list"))
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_runs_then_completed_equal_an_uninterrupted_run() {
    let dir = std::env::temp_dir().join(format!("practice-sync-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let whole = format!("sqlite://{}", dir.join("whole.db").display());
    let killed = format!("sqlite://{}", dir.join("killed.db").display());
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");

    finish(spawn(&s, &whole, None, Some("1"))).await;
    assert_eq!(data_requests(&s), WINDOWS);

    let before = data_requests(&s);
    let kills = 3;
    for _ in 0..kills {
        let mut child = spawn(&s, &killed, None, Some("1"));
        tokio::time::sleep(Duration::from_millis(fastrand::u64(50..1200))).await;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    finish(spawn(&s, &killed, None, Some("1"))).await;
    // Re-sent: at most what was in flight at each kill (4 at a time) plus each run's
    // snapshot report.
    let sent = data_requests(&s) - before;
    assert!(sent <= WINDOWS + kills * (4 + 1), "{sent} requests");

    assert_eq!(dump(&killed).await, dump(&whole).await);
    let _ = std::fs::remove_dir_all(&dir);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL (PRACTICE_TEST_POSTGRES_URL) and redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn three_processes_on_one_postgres_and_redis_fetch_each_window_once() {
    let url = postgres::fresh_database("three_processes").await;
    let redis = redis_server::RedisServer::start();
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    // The default lease: a live process under load (CI runs many tests on two cores) must
    // not lose its windows to a lapse. A 1 s lease lapsed there once and two windows were
    // fetched twice.
    let children: Vec<Child> = (0..3)
        .map(|_| spawn(&s, &url, Some(&redis.url()), None))
        .collect();
    for child in children {
        finish(child).await;
    }
    for op in [
        "aloha.listAppointments",
        "aloha.listBillingLedger",
        "aloha.listClientAuthorizations",
        "aloha.listAuthorizationsWithoutAppointments",
    ] {
        assert_eq!(s.requests(op), 12, "{op}: each month once");
    }
    // The snapshot report: once per run at most (a process that starts after another
    // fetched it fetches it again).
    assert!((1..=3).contains(&s.requests("aloha.listClients")));
    assert_eq!(s.requests("aloha.postToken"), 1, "one login for the fleet");
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM aloha_appointments")
        .fetch_one(Db::connect(&url).await.expect("connect").pool())
        .await
        .expect("count")
        .get(0);
    assert!(rows > 1500, "{rows}");
    s.stop().await;
}

/// `practice sync VENDOR` into a fresh SQLite file, with `env`; its summary
/// (stderr), after checking it exited 0.
async fn summary_of(vendor: &str, extra: &[&str], env: &[(&str, String)]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "practice-sync-summary-{vendor}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = format!("sqlite://{}", dir.join("mirror.db").display());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_practice"));
    cmd.args(extra)
        .args(["sync", vendor, "--db", &db, "--from", "2024-01-01"])
        .args(["--to", "2024-03-31", "--window-months", "1"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("the binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The figure after `label` on the summary's line starting with it.
fn figure(summary: &str, label: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} in {summary}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_summary_counts_the_requests_the_vendor_received_and_shows_the_budget_left() {
    // Aloha, one request at a time, so that the last answer's headers are the key's budget
    // after every request the sandbox counted (token request included).
    let s = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let c = s.credentials();
    let env = [
        ("ALOHA_CLIENT_ID", c.aloha_client_id.clone()),
        ("ALOHA_SECRET_KEY", c.aloha_secret_key.clone()),
        ("ALOHA_BASE_URL", s.aloha_base_url()),
    ];
    let summary = summary_of("aloha", &["--concurrency", "1"], &env).await;
    assert_eq!(
        figure(&summary, "requests: "),
        data_requests(&s),
        "{summary}"
    );
    assert_eq!(
        data_requests(&s),
        1 + 4 * 3,
        "clients + 3 months of 4 reports"
    );
    let used: u64 = s
        .stats()
        .iter()
        .filter(|(op, _)| op.starts_with("aloha."))
        .map(|(_, n)| n)
        .sum();
    assert!(
        summary.contains(&format!(
            "practice: aloha budget: {} of 1000 left; next slot free now (the vendor's headers)",
            1000 - used
        )),
        "{used} requests used: {summary}"
    );
    s.stop().await;

    // Aerona: payments and invoices, then the patients they name, in two stages that the
    // summary must add up; the budget is our own count, the login included.
    let s =
        Sandbox::start(SandboxConfig::default().with_aerona_budget(5000, Duration::from_secs(900)))
            .await
            .expect("sandbox");
    let c = s.credentials();
    let env = [
        ("AERONA_USERNAME", c.aerona_username.clone()),
        ("AERONA_PASSWORD", c.aerona_password.clone()),
        ("AERONA_BASE_URL", s.aerona_base_url()),
        ("AERONA_RATE_LIMIT", "5000/15m".to_owned()),
    ];
    let summary = summary_of("aerona", &[], &env).await;
    let searches = s.requests("aerona.searchPayments") + s.requests("aerona.searchInvoices");
    let patients = s.requests("aerona.getPatient");
    assert_eq!(searches, 2 * 3, "one search per month of each");
    assert!(patients > 0, "the payments and invoices name patients");
    assert_eq!(
        figure(&summary, "requests: "),
        searches + patients,
        "{summary}"
    );
    let traffic = s.aerona_traffic();
    assert_eq!(traffic.logins, 1);
    assert_eq!(traffic.arrivals.len() as u64, searches + patients + 1);
    assert!(
        summary.contains(&format!(
            "practice: aerona budget: {} of 5000 left",
            5000 - traffic.arrivals.len()
        )),
        "{summary}"
    );
    s.stop().await;
}

/// Posts `body` to `path` on `port` and returns the status code.
async fn post(port: u16, path: &str, body: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    answer.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_serve_stores_each_event_once() {
    let dir = std::env::temp_dir().join(format!("practice-sync-hooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = format!("sqlite://{}", dir.join("hooks.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();

    // No secret: refused before anything starts.
    let out = Command::new(env!("CARGO_BIN_EXE_practice"))
        .args(["webhooks", "serve", "--db", &db, "--port", "0"])
        .env_clear()
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));

    let mut server = Command::new(env!("CARGO_BIN_EXE_practice"))
        .args([
            "webhooks",
            "serve",
            "--db",
            &db,
            "--port",
            &port.to_string(),
        ])
        .args(["--secret-env", "HOOK_SECRET"])
        .env_clear()
        .env("HOOK_SECRET", "s3cret-token")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let body =
        r#"{"event":"Appointment","action":"created","eventId":"evt-1","appointmentId":40001}"#;
    let mut status = None;
    for _ in 0..100 {
        status = post(port, "/hooks/aerona/s3cret-token", body).await;
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, Some(200));
    assert_eq!(
        post(port, "/hooks/aerona/s3cret-token", body).await,
        Some(200),
        "a redelivery"
    );
    assert_eq!(post(port, "/hooks/aerona/wrong", body).await, Some(404));
    let _ = server.kill();
    let _ = server.wait();

    let db = Db::connect(&db).await.expect("connect");
    let rows = sqlx::query("SELECT record, event FROM aerona_webhook_events")
        .fetch_all(db.pool())
        .await
        .expect("read");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<String, _>(0), body);
    assert_eq!(rows[0].get::<String, _>(1), "Appointment");
    let _ = std::fs::remove_dir_all(&dir);
}
