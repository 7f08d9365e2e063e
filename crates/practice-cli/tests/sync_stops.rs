//! How `practice sync` stops and what it refuses: a real SIGINT or SIGTERM to a running
//! sync saves what was done, says so and exits 130 or 143, and the re-run resumes without
//! waiting on the leases of the stopped run; a window held by another live process is named
//! with the wait; the input mistakes exit 2 naming what to fix, and nothing is created.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::Db;
use practice_sync::sqlx;

/// Twenty years: about a thousand windows, long enough to be stopped in the middle.
const FROM: &str = "2004-01-01";
const TO: &str = "2024-03-31";

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("practice-stops-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn command(s: &Sandbox, args: &[&str]) -> Command {
    let c = s.credentials();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_practice"));
    cmd.args(args)
        .env_clear()
        .env("ALOHA_CLIENT_ID", &c.aloha_client_id)
        .env("ALOHA_SECRET_KEY", &c.aloha_secret_key)
        .env("ALOHA_BASE_URL", s.aloha_base_url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn sync_args<'a>(db: &'a str, from: &'a str, to: &'a str) -> Vec<&'a str> {
    vec!["sync", "aloha", "--db", db, "--from", from, "--to", to]
}

async fn wait(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait")
}

/// Windows written so far (polled while a run goes on).
async fn covered(url: &str) -> i64 {
    let Ok(db) = Db::connect(url).await else {
        return 0;
    };
    let n = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sync_coverage")
        .fetch_one(db.pool())
        .await
        .unwrap_or(0);
    db.close().await;
    n
}

fn wal(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", path.display()))
}

async fn stopped_by(signal: &str, expected: i32) {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = dir(signal);
    let file = dir.join("m.db");
    let url = format!("sqlite://{}", file.display());
    let child = command(&s, &sync_args(&url, FROM, TO))
        .spawn()
        .expect("runs");
    // Until some windows are saved, then the signal, as a person pressing Ctrl-C would.
    let deadline = Instant::now() + Duration::from_secs(120);
    while covered(&url).await < 5 {
        assert!(Instant::now() < deadline, "no window was written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = wait(child).await;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(expected), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("interrupted: "))
        .unwrap_or_else(|| panic!("the interruption is named: {err}"));
    assert!(
        line.ends_with("windows saved; run the same command again to resume"),
        "{line}"
    );
    let saved: i64 = line
        .split("interrupted: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count: {line}"));
    assert!(saved >= 5, "{line}");
    let stored = covered(&url).await;
    assert_eq!(stored, saved, "the count is what is stored");
    assert!(
        stored < 900,
        "stopped in the middle, not at the end: {stored}"
    );
    assert!(!wal(&file).exists(), "the pool was closed");

    // The re-run resumes at once: the stopped run released its leases.
    let started = Instant::now();
    let rerun = wait(command(&s, &sync_args(&url, FROM, TO)).spawn().unwrap()).await;
    let err = String::from_utf8_lossy(&rerun.stderr).into_owned();
    assert!(rerun.status.success(), "{err}");
    assert!(!err.contains("held by another process"), "{err}");
    assert!(
        err.contains(&format!("{} windows already covered", stored - 1)),
        "all but the clients snapshot are kept: {err}"
    );
    // The lease is 60 s: a run that waited on one would take that long.
    assert!(started.elapsed() < Duration::from_secs(55), "{err}");
    assert!(!wal(&file).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_saves_what_was_done_and_the_rerun_resumes_at_once() {
    stopped_by("-INT", 130).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_does_the_same_with_143() {
    stopped_by("-TERM", 143).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_held_by_another_process_is_named_with_the_wait() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = dir("held");
    let url = format!("sqlite://{}", dir.join("m.db").display());
    let db = Db::connect(&url).await.unwrap();
    // Another process's live claim on March 2024, lapsing in two seconds.
    let expires = practice_core::time::OffsetDateTime::now_utc().unix_timestamp() * 1000 + 2000;
    sqlx::query(
        "INSERT INTO sync_leases (account, report, window_key, owner, expires_ms) VALUES ('default', 'aloha_appointments', '2024-03', 'another', ?)",
    )
    .bind(expires)
    .execute(db.pool())
    .await
    .unwrap();
    db.close().await;
    let mut args = sync_args(&url, "2024-03-01", "2024-03-31");
    args.extend(["--reports", "appointments"]);
    let out = wait(command(&s, &args).spawn().unwrap()).await;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("held by another process"))
        .unwrap_or_else(|| panic!("the wait is named: {err}"));
    assert!(
        line.contains("aloha_appointments 2024-03") && line.contains("at most "),
        "{line}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_mistakes_exit_2_naming_what_to_fix_and_create_nothing() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = dir("mistakes");

    let missing = dir.join("no/such/folder/m.db");
    let url = format!("sqlite://{}", missing.display());
    let out = wait(
        command(&s, &sync_args(&url, "2024-01-01", "2024-01-31"))
            .spawn()
            .unwrap(),
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&missing.display().to_string()),
        "the path: {err}"
    );
    assert!(err.contains("does not exist"), "the reason: {err}");

    // A file where the folder should be: SQLite's own reason, and the path.
    let blocker = dir.join("file");
    std::fs::write(&blocker, "x").unwrap();
    let url = format!("sqlite://{}/m.db", blocker.display());
    let out = wait(
        command(&s, &sync_args(&url, "2024-01-01", "2024-01-31"))
            .spawn()
            .unwrap(),
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&blocker.display().to_string()), "{err}");

    // A dry run creates nothing and says where it would go.
    let file = dir.join("dry.db");
    let url = format!("sqlite://{}", file.display());
    let mut args = sync_args(&url, "2024-01-01", "2024-03-31");
    args.push("--dry-run");
    let mut dry = command(&s, &args);
    dry.stdout(Stdio::piped());
    let out = wait(dry.spawn().unwrap()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(plan.contains(&s.aloha_base_url()), "the target: {plan}");
    assert!(plan.contains("nothing created"), "{plan}");
    assert!(!file.exists() && !wal(&file).exists(), "no file: {plan}");
    let mut sandboxed = Command::new(env!("CARGO_BIN_EXE_practice"));
    sandboxed
        .args(["sync", "aloha", "--dry-run", "--db", &url])
        .env_clear();
    let out = sandboxed.output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("the built-in sandbox"));
    assert!(!file.exists());

    // Output options do nothing for a sync: refused, not ignored.
    for extra in [
        &["--format", "csv"][..],
        &["--fields", "x"],
        &["--wide"],
        &["--csv-raw"],
    ] {
        let mut args = sync_args(&url, "2024-01-01", "2024-01-31");
        args.extend(extra);
        let out = wait(command(&s, &args).spawn().unwrap()).await;
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains(extra[0]) && err.contains("practice sync"),
            "{err}"
        );
        assert!(!file.exists(), "{extra:?}: nothing created");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
