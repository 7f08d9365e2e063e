//! `cargo xtask bench --sync`: a 20-year `practice sync aloha` backfill of the built-in
//! sandbox into fresh SQLite files, once with a request per month (`--window-months 1`, the
//! requests before issue 30) and once with the default (a year a request for the list
//! reports), and its section of `docs/benchmarks.md`: requests planned (the dry run) and
//! sent, rows per table and whether every table is identical between the two, wall time,
//! peak memory, and a second run's requests (issues 19 and 30).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench_page::{run_shown, utc_now, vm_hwm_kib, write_section};
use crate::workspace_root;

/// The section's heading in `docs/benchmarks.md`.
pub const HEADING: &str = "## A full sandbox sync";

const BUILD: &str = "cargo build --release -p practice-cli";
const FROM: &str = "2005-01-01";
const TO: &str = "2024-12-31";
const SYNC: &str = "target/release/practice sync aloha --db sqlite://DIR/mirror.db --from 2005-01-01 --to 2024-12-31";

/// The issue's goal for the backfill's requests (from 961 with a request per month).
const GOAL: u64 = 530;

/// Every variable that would point the CLI away from its built-in sandbox or share state.
const VARS: [&str; 5] = [
    "ALOHA_CLIENT_ID",
    "ALOHA_SECRET_KEY",
    "ALOHA_BASE_URL",
    "PRACTICE_REDIS_URL",
    "PRACTICE_REDIS_ON_FAILURE",
];

/// What one backfill measured.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    /// Requests the dry run planned, without the login.
    planned: u64,
    /// Data requests the run sent, from its summary.
    sent: u64,
    /// Rows inserted per table.
    rows: BTreeMap<String, u64>,
    /// The summary's budget line, after `aloha budget: `.
    budget: String,
    wall_s: f64,
    /// Peak resident memory of the process, in MiB (`VmHWM`), if it could be read.
    peak_mib: Option<f64>,
}

/// Both backfills, the second run, and the comparison of their tables.
#[derive(Debug, PartialEq)]
struct Figures {
    months: Run,
    years: Run,
    /// Data requests of a second run of the default on its own database.
    again: u64,
    /// `Some(true)` when every table and the coverage are identical (rows, windows and
    /// records, not which request fetched them or when); `None` without `sqlite3`.
    identical: Option<bool>,
    /// When it ran (this section is rewritten alone, apart from the page's date).
    date: String,
}

/// Builds the CLI, runs both backfills (each after its dry run) and the second run, and
/// returns the rendered section.
pub fn measure(root: &Path) -> Result<String, String> {
    run_shown(root, BUILD, &[])?;
    let dir = std::env::temp_dir().join(format!("practice-bench-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = measure_in(root, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(render(&result?))
}

/// The output of `practice sync aloha --db sqlite://DIR/FILE` over the range, with `extra`,
/// and its peak memory.
fn practice(
    root: &Path,
    dir: &Path,
    file: &str,
    extra: &[&str],
) -> Result<(std::process::Output, Option<f64>), String> {
    let db = format!("sqlite://{}", dir.join(file).display());
    let mut command = Command::new(root.join("target/release/practice"));
    command
        .args(["sync", "aloha", "--db", &db, "--from", FROM, "--to", TO])
        .args(extra)
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in VARS {
        command.env_remove(var);
    }
    eprintln!("$ {SYNC} {}", extra.join(" "));
    let mut child = command
        .spawn()
        .map_err(|e| format!("target/release/practice: {e}"))?;
    // The peak resident set so far, read until the process ends (Linux).
    let status = format!("/proc/{}/status", child.id());
    let mut peak = None;
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if let Some(kib) = std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| vm_hwm_kib(&s))
        {
            peak = Some(kib as f64 / 1024.0);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok((out, peak))
    } else {
        Err(format!(
            "practice sync failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn backfill(root: &Path, dir: &Path, file: &str, extra: &[&str]) -> Result<Run, String> {
    let (plan, _) = practice(root, dir, file, &[extra, &["--dry-run"]].concat())?;
    let planned = parse_planned(&String::from_utf8_lossy(&plan.stdout))
        .ok_or("the dry run printed no plan")?;
    let started = Instant::now();
    let (out, peak_mib) = practice(root, dir, file, extra)?;
    let wall_s = started.elapsed().as_secs_f64();
    let (sent, rows, budget) = parse_summary(&String::from_utf8_lossy(&out.stderr))
        .ok_or("practice sync printed no summary")?;
    Ok(Run {
        planned,
        sent,
        rows,
        budget,
        wall_s,
        peak_mib,
    })
}

fn measure_in(root: &Path, dir: &Path) -> Result<Figures, String> {
    let months = backfill(root, dir, "months.db", &["--window-months", "1"])?;
    let years = backfill(root, dir, "years.db", &[])?;
    let (out, _) = practice(root, dir, "years.db", &[])?;
    let (again, _, _) = parse_summary(&String::from_utf8_lossy(&out.stderr))
        .ok_or("the second run printed no summary")?;
    let identical = match (
        tables(&dir.join("months.db")),
        tables(&dir.join("years.db")),
    ) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    Ok(Figures {
        months,
        years,
        again,
        identical,
        date: utc_now(),
    })
}

/// Every synced table's rows (key, window, record, in key order) and the coverage (window,
/// dates, rows), as `sqlite3` prints them; `None` when `sqlite3` is not installed.
fn tables(db: &Path) -> Option<Vec<String>> {
    let sql =
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'aloha_%' ORDER BY name";
    let names = sqlite3(db, sql)?;
    let mut out = Vec::new();
    for name in names.lines() {
        out.push(sqlite3(
            db,
            &format!("SELECT row_key, window_key, record FROM {name} ORDER BY row_key"),
        )?);
    }
    out.push(sqlite3(
        db,
        "SELECT report, window_key, window_from, window_to, row_count FROM sync_coverage ORDER BY report, window_key",
    )?);
    Some(out)
}

fn sqlite3(db: &Path, sql: &str) -> Option<String> {
    let out = Command::new("sqlite3").arg(db).arg(sql).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `--sync` alone: rewrites (or appends) only its section of `docs/benchmarks.md`.
pub fn run_only() -> Result<(), String> {
    let root = workspace_root();
    let section = measure(&root)?;
    write_section(&root, HEADING, &section)
}

/// The data requests of `practice sync --dry-run`'s `total` line.
fn parse_planned(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.trim_start().starts_with("total"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// (data requests sent, rows inserted per table, the budget left) from `practice sync`'s
/// summary on stderr.
fn parse_summary(text: &str) -> Option<(u64, BTreeMap<String, u64>, String)> {
    let sent = text
        .lines()
        .find_map(|l| l.strip_prefix("requests: "))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let rows = text
        .lines()
        .filter(|l| l.contains(" inserted,"))
        .filter_map(|l| {
            let (table, rest) = l.split_once(": ")?;
            Some((
                table.to_owned(),
                rest.split(' ').next()?.parse::<u64>().ok()?,
            ))
        })
        .collect();
    let budget = text
        .lines()
        .find_map(|l| l.strip_prefix("practice: aloha budget: "))?
        .to_owned();
    Some((sent, rows, budget))
}

fn mib(peak: Option<f64>) -> String {
    peak.map_or_else(|| "not read".to_owned(), |m| format!("{m:.0} MiB"))
}

fn render(f: &Figures) -> String {
    let (m, y) = (&f.months, &f.years);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{HEADING}\n\n```sh\n{BUILD}\n{SYNC} --window-months 1 --dry-run\n\
         {SYNC} --window-months 1\n{SYNC} --dry-run\n{SYNC}\n{SYNC}   # again\n```\n\n\
         A 20-year backfill of Aloha's five reports from the CLI's built-in sandbox (in-process, \
         on loopback) into fresh SQLite files, with the default 4 requests in flight: once with \
         a request per month (`--window-months 1`, every report as before issue 30) and once \
         with the default (a year a request for the list reports, appointments and the billing \
         ledger; a month a request for the monthly ones). Planned is the dry run's total; sent \
         is the summary's; both without the login. Wall time is the sync's process, start to \
         exit; peak memory its peak resident set (`VmHWM`, read every 5 ms). Run on {} \
         (`cargo xtask bench --sync`).\n\n\
         | figure | a request per month | default |\n| --- | --- | --- |\n\
         | requests planned | {} | {} |\n\
         | requests sent | {} | {} |\n\
         | wall time | {:.1} s | {:.1} s |\n\
         | peak memory | {} | {} |\n\
         | budget left | {} | {} |",
        f.date,
        m.planned,
        y.planned,
        m.sent,
        y.sent,
        m.wall_s,
        y.wall_s,
        mib(m.peak_mib),
        mib(y.peak_mib),
        m.budget,
        y.budget,
    );
    for (table, n) in &m.rows {
        let other = y.rows.get(table).copied().unwrap_or(0);
        let _ = writeln!(s, "| rows of `{table}` | {n} | {other} |");
    }
    let _ = writeln!(
        s,
        "| a second run's requests | | {} |\n\n\
         - **At most {GOAL} requests** — **{}**: {} sent (from {}).\n\
         - **Every table identical to a request per month** — **{}** (rows, windows and \
         records of every table and the coverage, compared with `sqlite3`; not which request \
         fetched a row, or when).\n\
         - **Requests sent equal the plan** — **{}**.",
        f.again,
        if y.sent <= GOAL { "met" } else { "not met" },
        y.sent,
        m.sent,
        match f.identical {
            Some(true) => "met",
            Some(false) => "not met",
            None => "not compared (no `sqlite3`)",
        },
        if m.sent == m.planned && y.sent == y.planned {
            "met"
        } else {
            "not met"
        },
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_from_the_commands_output() {
        let plan = "plan (nothing sent):\n  aloha_clients   1 requests\n  total   97 requests + 1 login = 98; 0 windows already covered\n";
        assert_eq!(parse_planned(plan), Some(97));
        let summary = "aloha_appointments: 3600 inserted, 0 updated, 0 removed\naloha_clients: 300 inserted, 0 updated, 0 removed\nrequests: 97 (+ logins as needed); 0 windows already covered; 0 fetched by other processes\npractice: aloha budget: 902 of 1000 left; next slot free now (the vendor's headers)\n";
        let (sent, rows, budget) = parse_summary(summary).expect("a summary");
        assert_eq!(sent, 97);
        assert_eq!(rows.get("aloha_appointments"), Some(&3600));
        assert_eq!(rows.values().sum::<u64>(), 3900);
        assert_eq!(
            budget,
            "902 of 1000 left; next slot free now (the vendor's headers)"
        );
        assert_eq!(parse_summary("requests: 97\n"), None, "no budget line");
        assert_eq!(vm_hwm_kib("Name: x\nVmHWM:\t  20480 kB\n"), Some(20480));
    }

    #[test]
    fn the_section_is_one_heading_and_says_whether_each_goal_was_met() {
        let run = |planned, sent| Run {
            planned,
            sent,
            rows: [("aloha_appointments".to_owned(), 3600)].into(),
            budget: "38 of 1000 left".to_owned(),
            wall_s: 2.0,
            peak_mib: Some(30.0),
        };
        let f = Figures {
            months: run(961, 961),
            years: run(521, 521),
            again: 1,
            identical: Some(true),
            date: "2026-12-02 01:00 UTC".to_owned(),
        };
        let section = render(&f);
        assert!(section.starts_with(&format!("{HEADING}\n")));
        assert_eq!(section.matches("\n## ").count(), 0);
        assert!(
            section.contains("| requests sent | 961 | 521 |\n"),
            "{section}"
        );
        assert!(section.contains("| rows of `aloha_appointments` | 3600 | 3600 |\n"));
        assert!(section.contains("| peak memory | 30 MiB | 30 MiB |\n"));
        assert!(section.contains("| a second run's requests | | 1 |\n"));
        assert!(!section.contains("not met"), "{section}");
        assert!(section.contains("Run on 2026-12-02 01:00 UTC"));
        let over = render(&Figures {
            years: run(600, 601),
            identical: Some(false),
            ..f
        });
        assert_eq!(over.matches("**not met**").count(), 3, "{over}");
        // No line indented into a code block by accident.
        assert!(section.lines().all(|l| !l.starts_with("    ")));
    }
}
