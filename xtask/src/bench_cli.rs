//! `cargo xtask bench --cli-report`: the `practice` CLI writing NDJSON of a 100,000-row and a
//! 400,000-row Aloha report in one response, against a plain Python client, side by side in
//! one run (`cargo bench -p practice-bench --bench cli_report`), and its section of
//! `docs/benchmarks.md`. Targets (issue 14): at most 0.25× Python's wall time, and a peak
//! RSS of at most 64 MiB at both sizes.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::bench_page::{read_json, run_shown, utc_now, write_section};
use crate::workspace_root;

/// The section's heading in `docs/benchmarks.md`.
pub const HEADING: &str = "## CLI report, streamed";

const BUILD: &str = "cargo build --release -p practice-cli";
const BENCH: &str =
    "PRACTICE_BIN=target/release/practice cargo bench -p practice-bench --bench cli_report";

/// Builds the CLI, runs the bench and returns the rendered section.
pub fn measure(root: &Path, quick: bool) -> Result<String, String> {
    run_shown(root, BUILD, &[])?;
    let bin = root.join("target/release/practice");
    let bin = bin.display().to_string();
    let mut env = vec![("PRACTICE_BIN", bin.as_str())];
    if quick {
        env.push(("PRACTICE_BENCH_QUICK", "1"));
    }
    run_shown(
        root,
        "cargo bench -p practice-bench --bench cli_report",
        &env,
    )?;
    let figures = read_json(&root.join("target/practice-bench/cli_report.json"))?;
    Ok(render(&figures))
}

/// `--cli-report` alone: rewrites only its section of `docs/benchmarks.md`.
pub fn run_only() -> Result<(), String> {
    let root = workspace_root();
    let section = measure(&root, false)?;
    // The page's heading dates the last full run; a section measured alone says when it was.
    let section = format!(
        "{section}\nThis section was measured alone (`cargo xtask bench --cli-report`) on {}.\n",
        utc_now()
    );
    write_section(&root, HEADING, &section)
}

fn render(figures: &Value) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{HEADING}\n\n```sh\n{BUILD}\n{BENCH}\n```\n\n\
         `practice --format ndjson aloha appointments --from … --to …` against a loopback server \
         answering the whole range in one response (all 48 documented fields on every row, \
         274 rows a day), side by side with a plain Python client (`urllib` + `json.loads` of \
         the whole body + `json.dumps` per row). Each is a child process of a small Python \
         harness that reads its wall time and peak RSS (`getrusage`); both write to \
         `/dev/null`; each runs once unmeasured, then five times, alternating. CPU is user + \
         system seconds, which other load on a shared machine moves less than the wall. Python runs at 100,000 rows only (at 400,000 it needs \
         gigabytes; the target there is the CLI's peak).\n\n\
         | rows | body | client | median wall | median CPU | peak RSS |\n| --- | --- | --- | --- | --- | --- |"
    );
    let cases = figures["cases"].as_array().cloned().unwrap_or_default();
    let mut ratio = None;
    let mut cpu_ratio = None;
    let mut peaks = Vec::new();
    for case in &cases {
        let rows = case["rows"].as_u64().unwrap_or(0);
        let body = case["body_mib"].as_f64().unwrap_or(0.0);
        for (name, key) in [("`practice` CLI", "cli"), ("Python", "python")] {
            let c = &case[key];
            if c.is_null() {
                continue;
            }
            let wall = c["wall_s"].as_f64().unwrap_or(f64::NAN);
            let peak = c["peak_mib"].as_f64().unwrap_or(f64::NAN);
            let cpu = c["cpu_s"].as_f64().unwrap_or(f64::NAN);
            let _ = writeln!(
                s,
                "| {rows} | {body:.0} MiB | {name} | {wall:.2} s | {cpu:.2} s | {peak:.1} MiB |"
            );
            if key == "cli" {
                peaks.push((rows, peak));
            }
        }
        if let (Some(cli), Some(py)) = (
            case["cli"]["wall_s"].as_f64(),
            case["python"]["wall_s"].as_f64(),
        ) {
            ratio = Some(cli / py);
        }
        if let (Some(cli), Some(py)) = (
            case["cli"]["cpu_s"].as_f64(),
            case["python"]["cpu_s"].as_f64(),
        ) {
            cpu_ratio = Some(cli / py);
        }
    }
    let time_met = ratio.is_some_and(|r| r <= 0.25);
    let peak_met = peaks.len() == 2 && peaks.iter().all(|(_, p)| *p <= 64.0);
    let _ = writeln!(
        s,
        "\n- **At most 0.25× Python's wall time at 100,000 rows** — **{}**: {}.\n\
         - **Peak RSS at most 64 MiB at 100,000 and 400,000 rows** — **{}**: {}. The CLI \
         holds one chunk of the answer and one row at a time (`practice_core::decode::scan`), \
         so the peak does not grow with the rows.",
        if time_met { "met" } else { "not met" },
        ratio.map_or("not measured".to_owned(), |r| format!("{r:.2}×")
            + &cpu_ratio.map_or(String::new(), |c| format!(" (CPU: {c:.2}×)"))),
        if peak_met { "met" } else { "not met" },
        peaks
            .iter()
            .map(|(rows, p)| format!("{p:.1} MiB at {rows} rows"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    s
}
