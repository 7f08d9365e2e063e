//! `cargo xtask bench --sync`: a full `practice sync aloha` of the built-in sandbox's two
//! years into a fresh SQLite file, and its section of `docs/benchmarks.md`: the requests used
//! against the least possible (the dry run's plan, one per window), the wall time, rows per
//! second and the budget the run leaves (issue 19).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::bench_page::{run_shown, utc_now, write_section};
use crate::workspace_root;

/// The section's heading in `docs/benchmarks.md`.
pub const HEADING: &str = "## A full sandbox sync";

const BUILD: &str = "cargo build --release -p practice-cli";
const SYNC: &str = "target/release/practice sync aloha --db sqlite://DIR/mirror.db --from 2024-01-01 --to 2025-12-31";

/// Every variable that would point the CLI away from its built-in sandbox or share state.
const VARS: [&str; 5] = [
    "ALOHA_CLIENT_ID",
    "ALOHA_SECRET_KEY",
    "ALOHA_BASE_URL",
    "PRACTICE_REDIS_URL",
    "PRACTICE_REDIS_ON_FAILURE",
];

/// What one run measured.
#[derive(Debug, PartialEq)]
struct Figures {
    /// Requests the dry run planned (the least possible: one per window), without the login.
    planned: u64,
    /// Data requests the run sent, from its summary.
    sent: u64,
    /// Rows inserted, over every table.
    rows: u64,
    /// The summary's budget line, after `aloha budget: `.
    budget: String,
    wall_s: f64,
    /// When it ran (this section is rewritten alone, apart from the page's date).
    date: String,
}

/// Builds the CLI, runs the dry run and then the sync (timed), and returns the rendered
/// section.
pub fn measure(root: &Path) -> Result<String, String> {
    run_shown(root, BUILD, &[])?;
    let dir = std::env::temp_dir().join(format!("practice-bench-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = measure_in(root, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(render(&result?))
}

fn measure_in(root: &Path, dir: &Path) -> Result<Figures, String> {
    let db = format!("sqlite://{}", dir.join("mirror.db").display());
    let practice = |extra: &[&str]| {
        let mut command = Command::new(root.join("target/release/practice"));
        command
            .args(["sync", "aloha", "--db", &db])
            .args(["--from", "2024-01-01", "--to", "2025-12-31"])
            .args(extra)
            .current_dir(root);
        for var in VARS {
            command.env_remove(var);
        }
        let out = command
            .output()
            .map_err(|e| format!("target/release/practice: {e}"))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "practice sync failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    eprintln!("$ {SYNC} --dry-run");
    let plan = practice(&["--dry-run"])?;
    let planned = parse_planned(&String::from_utf8_lossy(&plan.stdout))
        .ok_or("the dry run printed no plan")?;
    eprintln!("$ {SYNC}");
    let started = Instant::now();
    let out = practice(&[])?;
    let wall_s = started.elapsed().as_secs_f64();
    let (sent, rows, budget) = parse_summary(&String::from_utf8_lossy(&out.stderr))
        .ok_or("practice sync printed no summary")?;
    let date = utc_now();
    Ok(Figures {
        planned,
        sent,
        rows,
        budget,
        wall_s,
        date,
    })
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

/// (data requests sent, rows inserted, the budget left) from `practice sync`'s summary on
/// stderr.
fn parse_summary(text: &str) -> Option<(u64, u64, String)> {
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
        .filter_map(|l| l.split_once(": ")?.1.split(' ').next()?.parse::<u64>().ok())
        .sum();
    let budget = text
        .lines()
        .find_map(|l| l.strip_prefix("practice: aloha budget: "))?
        .to_owned();
    Some((sent, rows, budget))
}

fn render(f: &Figures) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{HEADING}\n\n```sh\n{BUILD}\n{SYNC} --dry-run\n{SYNC}\n```\n\n\
         Aloha's five reports over two years (the clients report and 24 months of four \
         reports) from the CLI's built-in sandbox (in-process, on loopback) into a fresh SQLite \
         file, in one run with the default 4 requests in flight. The dry run before it gives \
         the least possible requests: one per window. The wall time is the sync's process, \
         start to exit; the budget left is the summary's last line (the vendor's count, from \
         the headers of the last answer; 1,000 a day). Run on {} (`cargo xtask bench \
         --sync`).\n\n\
         | figure | value |\n| --- | --- |\n\
         | requests used (+ 1 login) | {} |\n\
         | least possible (one per window, + 1 login) | {} |\n\
         | wall time | {:.1} s |\n\
         | rows written | {} ({:.0} rows/s) |\n\
         | budget left | {} |\n\n\
         - **Requests used equal the least possible** — **{}**.",
        f.date,
        f.sent.saturating_add(1),
        f.planned.saturating_add(1),
        f.wall_s,
        f.rows,
        f.rows as f64 / f.wall_s.max(1e-9),
        f.budget,
        if f.sent == f.planned {
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
        assert_eq!(
            parse_summary(summary),
            Some((
                97,
                3900,
                "902 of 1000 left; next slot free now (the vendor's headers)".to_owned()
            ))
        );
        assert_eq!(parse_summary("requests: 97\n"), None, "no budget line");
    }

    #[test]
    fn the_section_is_one_heading_and_says_whether_the_least_was_met() {
        let f = Figures {
            planned: 97,
            sent: 97,
            rows: 3900,
            budget: "902 of 1000 left".to_owned(),
            wall_s: 2.0,
            date: "2026-12-02 01:00 UTC".to_owned(),
        };
        let section = render(&f);
        assert!(section.starts_with(&format!("{HEADING}\n")));
        assert_eq!(section.matches("\n## ").count(), 0);
        assert!(section.contains("| requests used (+ 1 login) | 98 |\n"));
        assert!(section.contains("| rows written | 3900 (1950 rows/s) |\n"));
        assert!(section.contains("| budget left | 902 of 1000 left |\n"));
        assert!(section.contains("**met**"));
        assert!(section.contains("Run on 2026-12-02 01:00 UTC"));
        let more = render(&Figures { sent: 99, ..f });
        assert!(more.contains("**not met**"));
        // No line indented into a code block by accident.
        assert!(section.lines().all(|l| !l.starts_with("    ")));
    }
}
