//! `practice sync --accounts FILE --every D --metrics-addr ADDR` as a service: it passes over
//! every account, serves Prometheus text whose request counts are what the vendor saw, waits,
//! and a SIGTERM or SIGINT — while it waits, or in the middle of a pass — ends it within 10 s
//! with exit 0 and no lease left behind.

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::Db;
use practice_sync::sqlx;

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "practice-service-{name}-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// An accounts file with one Aloha (`north`) and one Aerona (`smile`) account on `s`, and
/// the variables it names.
fn accounts(dir: &Path, s: &Sandbox) -> (PathBuf, Vec<(String, String)>) {
    let c = s.credentials();
    let file = dir.join("accounts.toml");
    std::fs::write(
        &file,
        format!(
            "[[account]]\nname = \"north\"\nvendor = \"aloha\"\nclient_id_env = \"NORTH_ID\"\n\
             secret_key_env = \"NORTH_SECRET\"\nbase_url = \"{}\"\n\n\
             [[account]]\nname = \"smile\"\nvendor = \"aerona\"\nusername_env = \"SMILE_USER\"\n\
             password_env = \"SMILE_PASSWORD\"\nbase_url = \"{}\"\n",
            s.aloha_base_url(),
            s.aerona_base_url()
        ),
    )
    .unwrap();
    let env = vec![
        ("NORTH_ID".to_owned(), c.aloha_client_id.clone()),
        ("NORTH_SECRET".to_owned(), c.aloha_secret_key.clone()),
        ("SMILE_USER".to_owned(), c.aerona_username.clone()),
        ("SMILE_PASSWORD".to_owned(), c.aerona_password.clone()),
    ];
    (file, env)
}

/// A running service, killed if a test fails before stopping it (a failed assertion must
/// not leave a service running after the test binary).
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl std::ops::Deref for Service {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Service {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// The service, its stderr into `log`.
fn start(args: &[&str], env: &[(String, String)], log: &Path) -> Service {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_practice"));
    cmd.args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    Service(cmd.spawn().expect("runs"))
}

/// Waits until `log` holds `text`; its contents.
async fn wait_for(log: &Path, text: &str, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let seen = std::fs::read_to_string(log).unwrap_or_default();
        if seen.contains(text) {
            return seen;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the service ended ({status}) before saying {text:?}:\n{seen}");
        }
        assert!(
            Instant::now() < deadline,
            "no {text:?} within 120 s:\n{seen}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `signal` and returns the exit code and how long the service took to end.
async fn stop(child: &mut Child, signal: &str) -> (Option<i32>, Duration) {
    let sent = Instant::now();
    assert!(
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), sent.elapsed());
        }
        assert!(
            sent.elapsed() < Duration::from_secs(30),
            "still running 30 s after {signal}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn count(url: &str, sql: &str) -> i64 {
    let db = Db::connect(url).await.expect("db");
    let n = sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(db.pool())
        .await
        .expect("count");
    db.close().await;
    n
}

/// `GET /metrics` at `addr`, the body.
fn scrape(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("the metrics endpoint listens");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer.split_once("\r\n\r\n").unwrap().1.to_owned()
}

/// The value of the sample `line` (a metric and its labels) in Prometheus text.
fn sample(text: &str, line: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
}

/// The data requests `s` answered for `vendor` (its logins apart).
fn vendor_saw(s: &Sandbox, vendor: &str) -> u64 {
    s.stats()
        .iter()
        .filter(|(op, _)| op.starts_with(&format!("{vendor}.")))
        .filter(|(op, _)| {
            !["aloha.postToken", "aloha.postRefreshToken", "aerona.login"].contains(&op.as_str())
        })
        .map(|(_, n)| *n)
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_counts_what_the_vendor_saw_and_sigterm_ends_it_with_0_and_no_lease() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = dir("wait");
    let (file, env) = accounts(&dir, &s);
    let db = format!("sqlite://{}", dir.join("m.db").display());
    let log = dir.join("stderr");
    let args = [
        "sync",
        "--accounts",
        file.to_str().unwrap(),
        "--db",
        &db,
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        "--every",
        "1h",
        "--metrics-addr",
        "127.0.0.1:0",
    ];
    let mut child = start(&args, &env, &log);
    let said = wait_for(&log, "next pass in", &mut child).await;
    assert!(said.contains("north (aloha): ok"), "{said}");
    assert!(said.contains("smile (aerona): ok"), "{said}");
    let addr = said
        .lines()
        .find_map(|l| l.strip_prefix("practice: metrics at http://"))
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("the address is said: {said}"))
        .to_owned();

    let text = scrape(&addr);
    // Each account's data requests, as the vendor counted them on arrival.
    let aloha = sample(
        &text,
        r#"practice_requests_total{account="north",vendor="aloha"}"#,
    );
    let aerona = sample(
        &text,
        r#"practice_requests_total{account="smile",vendor="aerona"}"#,
    );
    assert_eq!(aloha, Some(vendor_saw(&s, "aloha") as f64), "{text}");
    assert_eq!(aerona, Some(vendor_saw(&s, "aerona") as f64), "{text}");
    assert!(aloha.unwrap() > 0.0 && aerona.unwrap() > 0.0, "{text}");
    // One login each, counted apart.
    let logins = s.requests("aloha.postToken") as f64;
    assert_eq!(logins, 1.0);
    assert_eq!(
        sample(
            &text,
            r#"practice_logins_total{account="north",vendor="aloha"}"#
        ),
        Some(logins),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"practice_logins_total{account="smile",vendor="aerona"}"#
        ),
        Some(s.requests("aerona.login") as f64),
        "{text}"
    );
    // Rows per table, and the success stamp of the pass that just ended.
    let appointments = count(
        &db,
        "SELECT COUNT(*) FROM aloha_appointments WHERE account = 'north'",
    )
    .await;
    assert!(appointments > 0);
    assert_eq!(
        sample(
            &text,
            r#"practice_rows_written_total{account="north",table="aloha_appointments"}"#
        ),
        Some(appointments as f64),
        "{text}"
    );
    let stamp = sample(
        &text,
        r#"practice_last_success_timestamp_seconds{account="smile"}"#,
    )
    .unwrap_or_else(|| panic!("a success stamp: {text}"));
    let now = practice_core::time::OffsetDateTime::now_utc().unix_timestamp() as f64;
    assert!((now - stamp).abs() < 300.0, "{stamp} against {now}");
    // Aerona's budget as its client counts it: 300 per 15 minutes, less every request and
    // login the vendor saw.
    let left = sample(
        &text,
        r#"practice_budget_remaining{account="smile",vendor="aerona"}"#,
    )
    .unwrap_or_else(|| panic!("a budget: {text}"));
    let spent = vendor_saw(&s, "aerona") + s.requests("aerona.login");
    assert_eq!(left, 300.0 - spent as f64, "{text}");

    let (code, took) = stop(&mut child, "-TERM").await;
    let said = std::fs::read_to_string(&log).unwrap();
    assert_eq!(code, Some(0), "{said}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(said.contains("practice: stopped"), "{said}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sync_leases").await, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_in_the_middle_of_a_pass_ends_the_service_with_0_and_no_lease() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = dir("pass");
    let (file, env) = accounts(&dir, &s);
    let db = format!("sqlite://{}", dir.join("m.db").display());
    let log = dir.join("stderr");
    // Twenty years a month a request: a pass long enough to be stopped in the middle.
    let args = [
        "sync",
        "--accounts",
        file.to_str().unwrap(),
        "--db",
        &db,
        "--from",
        "2004-01-01",
        "--to",
        "2024-03-31",
        "--window-months",
        "1",
        "--every",
        "1h",
    ];
    let mut child = start(&args, &env, &log);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let covered = if dir.join("m.db").exists() {
            count(&db, "SELECT COUNT(*) FROM sync_coverage").await
        } else {
            0
        };
        if covered >= 5 {
            break;
        }
        assert!(Instant::now() < deadline, "no window was written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, took) = stop(&mut child, "-INT").await;
    let said = std::fs::read_to_string(&log).unwrap();
    assert_eq!(code, Some(0), "{said}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        said.contains("interrupted: "),
        "the pass says what it saved: {said}"
    );
    assert!(
        !said.contains("next pass in"),
        "no second pass is announced: {said}"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sync_leases").await, 0);
    let covered = count(&db, "SELECT COUNT(*) FROM sync_coverage").await;
    assert!(covered < 400, "stopped in the middle: {covered}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_interval_or_address_exits_2_naming_it_with_nothing_sent() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = dir("input");
    let (file, env) = accounts(&dir, &s);
    let db = format!("sqlite://{}", dir.join("m.db").display());
    for (flag, value, says) in [
        ("--every", "10s", "--every \"10s\" is out of range"),
        ("--every", "hourly", "write it like 1h, 30m or 1h30m"),
        (
            "--metrics-addr",
            "localhost",
            "--metrics-addr \"localhost\" is not an address",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_practice"))
            .args([
                "sync",
                "--accounts",
                file.to_str().unwrap(),
                "--db",
                &db,
                flag,
                value,
            ])
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(says), "{flag} {value}: {err}");
    }
    assert!(s.stats().values().all(|n| *n == 0), "{:?}", s.stats());
    assert!(!dir.join("m.db").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
