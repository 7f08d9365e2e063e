//! `cargo xtask bench --accounts`: fifty sandbox practices (25 sandboxes of distinct seeds,
//! each one Aloha and one Aerona account) synced by `practice sync --accounts` into one
//! PostgreSQL with one, two and three worker processes sharing a Redis, and its section of
//! `docs/benchmarks.md` (issue 29): the requests each account used against the least possible,
//! windows fetched twice, whether any budget went over at the sandbox, rows per second, wall
//! time and peak memory per process.
//!
//! Needs `PRACTICE_BENCH_POSTGRES_URL` (a server it may create databases on, as
//! `PRACTICE_TEST_POSTGRES_URL` in the tests), `psql` and `redis-server` on `PATH`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::bench_page::{run_shown, utc_now, vm_hwm_kib, write_section};
use crate::bench_services::{Redis, Sandbox};
use crate::workspace_root;

/// The section's heading in `docs/benchmarks.md`.
pub const HEADING: &str = "## Fifty practices, one to three workers";

const BUILD: &str = "cargo build --release -p practice-cli";
/// Each serves one Aloha and one Aerona account: fifty accounts.
const SANDBOXES: u64 = 25;
/// Two months: an Aerona account's patients (one request each) then fit its 300 requests per
/// 15 minutes, so the figures measure the sync, not a wait for the vendor's window.
const FROM: &str = "2024-01-01";
const TO: &str = "2024-02-29";
const WORKERS: [usize; 3] = [1, 2, 3];
/// The vendors' budgets as the sandbox enforces them.
const ALOHA_DAILY: u64 = 1000;
const AERONA_PER_15_MIN: u64 = 300;

/// Variables that would point the CLI away from the files' accounts.
const VARS: [&str; 8] = [
    "ALOHA_CLIENT_ID",
    "ALOHA_SECRET_KEY",
    "ALOHA_BASE_URL",
    "AERONA_USERNAME",
    "AERONA_PASSWORD",
    "AERONA_BASE_URL",
    "PRACTICE_REDIS_URL",
    "PRACTICE_REDIS_ON_FAILURE",
];

/// Runs the bench alone and rewrites its section.
pub fn run_only() -> Result<(), String> {
    let root = workspace_root();
    let pg = std::env::var("PRACTICE_BENCH_POSTGRES_URL").map_err(|_| {
        "cargo xtask bench --accounts needs PRACTICE_BENCH_POSTGRES_URL=postgres://user@host:port/db \
         (a PostgreSQL it may create databases on)"
            .to_owned()
    })?;
    run_shown(&root, BUILD, &[])?;
    let dir = std::env::temp_dir().join(format!("practice-bench-accounts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = measure(&root, &dir, &pg);
    let _ = std::fs::remove_dir_all(&dir);
    write_section(&root, HEADING, &render(&result?))
}

/// The accounts file and the variables its accounts name.
fn accounts(dir: &Path, sandboxes: &[Sandbox]) -> Result<(PathBuf, Vec<(String, String)>), String> {
    let mut file = String::new();
    let mut env = Vec::new();
    for (i, s) in sandboxes.iter().enumerate() {
        let n = i + 1;
        let _ = write!(
            file,
            "[[account]]\nname = \"aloha-{n:02}\"\nvendor = \"aloha\"\n\
             client_id_env = \"ALOHA_{n:02}_ID\"\nsecret_key_env = \"ALOHA_{n:02}_SECRET\"\n\
             base_url = \"{}\"\n\n\
             [[account]]\nname = \"aerona-{n:02}\"\nvendor = \"aerona\"\n\
             username_env = \"AERONA_{n:02}_USER\"\npassword_env = \"AERONA_{n:02}_PASSWORD\"\n\
             pin_env = \"AERONA_{n:02}_PIN\"\nbase_url = \"{}\"\n\n",
            s.var("ALOHA_BASE_URL"),
            s.var("AERONA_BASE_URL"),
        );
        for (name, var) in [
            (format!("ALOHA_{n:02}_ID"), "ALOHA_CLIENT_ID"),
            (format!("ALOHA_{n:02}_SECRET"), "ALOHA_SECRET_KEY"),
            (format!("AERONA_{n:02}_USER"), "AERONA_USERNAME"),
            (format!("AERONA_{n:02}_PASSWORD"), "AERONA_PASSWORD"),
            (format!("AERONA_{n:02}_PIN"), "AERONA_PIN"),
        ] {
            env.push((name, s.var(var).to_owned()));
        }
    }
    let path = dir.join("accounts.toml");
    std::fs::write(&path, file).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, env))
}

/// A fresh database on the bench's PostgreSQL, by `psql`; its URL.
fn fresh_database(server: &str, name: &str) -> Result<String, String> {
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        let out = Command::new("psql")
            .args([server, "-v", "ON_ERROR_STOP=1", "-q", "-c", &sql])
            .output()
            .map_err(|e| format!("psql (needed on PATH): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "psql {sql}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let base = server.rsplit_once('/').map_or(server, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// The data requests a dry run plans for one account of `vendor` on an empty database.
fn planned(root: &Path, dir: &Path, vendor: &str, sandbox: &Sandbox) -> Result<u64, String> {
    let db = format!(
        "sqlite://{}",
        dir.join(format!("plan-{vendor}.db")).display()
    );
    let mut command = Command::new(root.join("target/release/practice"));
    command.args([
        "sync",
        vendor,
        "--db",
        &db,
        "--from",
        FROM,
        "--to",
        TO,
        "--dry-run",
    ]);
    for var in VARS {
        command.env_remove(var);
    }
    for (name, value) in &sandbox.env {
        command.env(name, value);
    }
    let out = command.output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .ok_or_else(|| format!("the {vendor} dry run printed no total: {text}"))?;
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("the {vendor} dry run's total reads {line:?}"))
}

/// One account's figures from the workers' `--format json` summaries, summed.
#[derive(Debug, Default, Clone, PartialEq)]
struct Used {
    requests: u64,
    rows: u64,
    failed: bool,
}

/// What one worker count measured.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    workers: usize,
    wall_s: f64,
    /// Peak resident memory of each worker, MiB.
    peak_mib: Vec<Option<f64>>,
    rows: u64,
    /// Accounts whose data requests (as the sandbox counted them) were the least possible.
    at_least: usize,
    /// Requests beyond the least possible, over all accounts: windows fetched twice.
    extra: u64,
    /// Logins and refreshes the sandboxes saw, over all accounts.
    logins: u64,
    /// Accounts whose budget went over at the sandbox.
    over_budget: usize,
    failed: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct Figures {
    runs: Vec<Run>,
    aloha_planned: u64,
    aerona_planned: u64,
    date: String,
}

fn measure(root: &Path, dir: &Path, pg: &str) -> Result<Figures, String> {
    let probe = Sandbox::start(root, 1)?;
    let aloha_planned = planned(root, dir, "aloha", &probe)?;
    let aerona_planned = planned(root, dir, "aerona", &probe)?;
    drop(probe);
    let mut runs = Vec::new();
    for workers in WORKERS {
        runs.push(run(root, dir, pg, workers, aloha_planned, aerona_planned)?);
    }
    Ok(Figures {
        runs,
        aloha_planned,
        aerona_planned,
        date: utc_now(),
    })
}

/// Fresh sandboxes, Redis and database; `workers` processes started together.
fn run(
    root: &Path,
    dir: &Path,
    pg: &str,
    workers: usize,
    aloha_planned: u64,
    aerona_planned: u64,
) -> Result<Run, String> {
    let sandboxes = (1..=SANDBOXES)
        .map(|seed| Sandbox::start(root, 7000 + seed))
        .collect::<Result<Vec<_>, _>>()?;
    let redis = Redis::start()?;
    let (file, env) = accounts(dir, &sandboxes)?;
    let db = fresh_database(
        pg,
        &format!("bench_accounts_{workers}_{}", std::process::id()),
    )?;
    eprintln!(
        "$ {workers}× target/release/practice sync --accounts accounts.toml --db {db} --from {FROM} --to {TO} --format json"
    );
    let started = Instant::now();
    let mut children = Vec::new();
    for _ in 0..workers {
        let mut command = Command::new(root.join("target/release/practice"));
        command
            .args(["sync", "--accounts"])
            .arg(&file)
            .args(["--db", &db, "--from", FROM, "--to", TO, "--format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for var in VARS {
            command.env_remove(var);
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        command.env("PRACTICE_REDIS_URL", redis.url());
        children.push(command.spawn().map_err(|e| e.to_string())?);
    }
    let mut peaks = vec![None; workers];
    let mut outputs = vec![None; workers];
    while outputs.iter().any(Option::is_none) {
        for (i, child) in children.iter_mut().enumerate() {
            if outputs[i].is_some() {
                continue;
            }
            if let Some(kib) = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
                .ok()
                .and_then(|s| vm_hwm_kib(&s))
            {
                peaks[i] = Some(kib as f64 / 1024.0);
            }
            if child.try_wait().map_err(|e| e.to_string())?.is_some() {
                let mut out = String::new();
                if let Some(mut stdout) = child.stdout.take() {
                    let _ = stdout.read_to_string(&mut out);
                }
                outputs[i] = Some(out);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall_s = started.elapsed().as_secs_f64();
    let mut used: BTreeMap<String, Used> = BTreeMap::new();
    for out in outputs.into_iter().flatten() {
        let json: Value = serde_json::from_str(&out)
            .map_err(|e| format!("a worker's --format json did not parse ({e}): {out}"))?;
        for account in json["accounts"].as_array().ok_or("no \"accounts\" array")? {
            let entry = used
                .entry(account["name"].as_str().unwrap_or("?").to_owned())
                .or_default();
            entry.requests += account["requests"].as_u64().unwrap_or(0);
            entry.rows += account["rows"].as_u64().unwrap_or(0);
            entry.failed |= account["status"] != "ok";
        }
    }
    let mut figures = Run {
        workers,
        wall_s,
        peak_mib: peaks,
        rows: used.values().map(|u| u.rows).sum(),
        at_least: 0,
        extra: 0,
        logins: 0,
        over_budget: 0,
        failed: used.values().filter(|u| u.failed).count(),
    };
    for (i, sandbox) in sandboxes.iter().enumerate() {
        let stats = sandbox.admin("stats")?;
        let count = |prefix: &str, logins: &[&str]| -> (u64, u64) {
            let mut data = 0;
            let mut login = 0;
            for (op, n) in stats.as_object().into_iter().flatten() {
                let n = n.as_u64().unwrap_or(0);
                if logins.contains(&op.as_str()) {
                    login += n;
                } else if op.starts_with(prefix) {
                    data += n;
                }
            }
            (data, login)
        };
        let (aloha, aloha_logins) = count("aloha.", &["aloha.postToken", "aloha.postRefreshToken"]);
        let (aerona, aerona_logins) = count("aerona.", &["aerona.login"]);
        let n = i + 1;
        // Aerona's patients are known only as payments and invoices name them: the least
        // possible is the plan plus one request per patient written.
        let aerona_least = aerona_planned + patient_rows(&db, &format!("aerona-{n:02}"))?;
        for (sent, least) in [(aloha, aloha_planned), (aerona, aerona_least)] {
            if sent == least {
                figures.at_least += 1;
            }
            figures.extra += sent.saturating_sub(least);
        }
        figures.logins += aloha_logins + aerona_logins;
        let traffic = sandbox.admin("aerona/traffic")?;
        if traffic["overLimit"].as_u64().unwrap_or(0) > 0
            || traffic["maxInWindow"].as_u64().unwrap_or(0) > AERONA_PER_15_MIN
        {
            figures.over_budget += 1;
        }
        if aloha + aloha_logins > ALOHA_DAILY {
            figures.over_budget += 1;
        }
    }
    Ok(figures)
}

/// The account's rows in `aerona_patients`, by `psql`.
fn patient_rows(db: &str, account: &str) -> Result<u64, String> {
    let sql = format!("SELECT COUNT(*) FROM aerona_patients WHERE account = '{account}'");
    let out = Command::new("psql")
        .args([db, "-tA", "-c", &sql])
        .output()
        .map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| {
            format!(
                "counting {account}'s patients: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

fn render(f: &Figures) -> String {
    let mut s = String::new();
    let accounts = SANDBOXES * 2;
    let _ = writeln!(s, "{HEADING}\n");
    let _ = writeln!(
        s,
        "Measured {} by `cargo xtask bench --accounts` (`xtask/src/bench_accounts.rs`): {accounts} \
         sandbox practices ({SANDBOXES} sandboxes of distinct seeds, each one Aloha and one Aerona \
         account, their record ids colliding across sandboxes) synced from {FROM} to {TO} by \
         `practice sync --accounts` into one PostgreSQL, the workers started together and sharing \
         one Redis (`PRACTICE_REDIS_URL`). Fresh sandboxes, Redis and database for each row. The \
         least possible is the dry run's plan ({} requests an Aloha account, {} an Aerona one) \
         plus, for Aerona, one request per patient written. Requests and logins are as the \
         sandboxes counted them.\n",
        f.date, f.aloha_planned, f.aerona_planned
    );
    let _ = writeln!(
        s,
        "| workers | accounts at the least possible | requests beyond it (windows fetched twice) | logins | accounts over budget | failed | rows | wall time | rows per second | peak memory per worker |"
    );
    let _ = writeln!(
        s,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for r in &f.runs {
        let peaks: Vec<String> = r
            .peak_mib
            .iter()
            .map(|p| p.map_or_else(|| "not read".to_owned(), |m| format!("{m:.0} MiB")))
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} of {accounts} | {} | {} | {} | {} | {} | {:.1} s | {:.0} | {} |",
            r.workers,
            r.at_least,
            r.extra,
            r.logins,
            r.over_budget,
            r.failed,
            r.rows,
            r.wall_s,
            r.rows as f64 / r.wall_s.max(0.001),
            peaks.join(", ")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_reads_one_row_per_worker_count() {
        let run = |workers| Run {
            workers,
            wall_s: 2.0,
            peak_mib: vec![Some(30.0); workers],
            rows: 1000,
            at_least: 50,
            extra: 0,
            logins: 50,
            over_budget: 0,
            failed: 0,
        };
        let text = render(&Figures {
            runs: WORKERS.iter().map(|&w| run(w)).collect(),
            aloha_planned: 30,
            aerona_planned: 4,
            date: "2026-12-08".into(),
        });
        assert!(text.starts_with(HEADING));
        assert!(
            text.contains(
                "| 2 | 50 of 50 | 0 | 50 | 0 | 0 | 1000 | 2.0 s | 500 | 30 MiB, 30 MiB |"
            ),
            "{text}"
        );
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("| ") && l[2..].starts_with(|c: char| c.is_ascii_digit()))
                .count(),
            3
        );
    }
}
