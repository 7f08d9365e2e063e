//! `cargo xtask bench --budget` and the page's "Budget precision" section: the budget bench's
//! figures, rendered, and that section rewritten alone.

use std::fmt::Write as _;

use serde_json::Value;

use crate::bench_page::{met, num};
use crate::bench_page::{read_json, replace_section, run_shown};
use crate::workspace_root;

/// `cargo xtask bench --budget`: runs only the budget bench and rewrites only the "Budget
/// precision" section of `docs/benchmarks.md` (the rest of the page keeps its figures).
pub(crate) fn run_budget_only() -> Result<(), String> {
    let root = workspace_root();
    let budget_cmd = "cargo bench -p practice-bench --bench budget";
    run_shown(&root, budget_cmd, &[])?;
    let budget = read_json(&root.join("target/practice-bench/budget.json"))?;
    let mut section = String::new();
    render_budget(&mut section, budget_cmd, &budget);
    let path = root.join("docs/benchmarks.md");
    let page = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let page = replace_section(&page, "## Budget precision", &section)
        .ok_or("docs/benchmarks.md has no \"## Budget precision\" section")?;
    std::fs::write(&path, page).map_err(|e| format!("could not write {}: {e}", path.display()))
}

pub(crate) fn render_budget(s: &mut String, budget_cmd: &str, budget: &Value) {
    let _ = writeln!(
        s,
        "## Budget precision\n\n\
         ```sh\n{}\n```\n\n\
         3,000 `client.patient(id)` calls of the real Aerona client from 50 tasks, over an \
         in-process transport answering after 30 ms, on tokio's paused clock (virtual time). \
         Every send is timed, logins included (the token lives an hour, so a 2.5-hour run logs \
         in three times). Each request holds its budget slot from its send until one window \
         (plus margin) after its answer, so that no window at the vendor can overfill \
         whatever the network delay (`docs/architecture.md`). The least possible span from \
         first to last send is therefore `floor((sends − 1) / 300) × (window + margin + \
         latency)`: send *i* (from 0) cannot go before `floor(i / 300)` such spans. For exactly \
         3,000 sends and no margin that is 9 spans after the first 300; the logins make 3,003 \
         sends, hence 10 spans.\n\n\
         | budget | sends | most in any 15 min | span, first to last send | least possible | over the least | ≤ 300 per 15 min | within 2% |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |",
        budget_cmd,
    );
    for (key, label) in [
        (
            "vendor_default",
            "vendor default: 300 / (15 min + 5 s margin)",
        ),
        ("no_margin", "300 / 15 min, no margin"),
    ] {
        let b = &budget[key];
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {:.2} min | {:.2} min | {:+.3}% | {} | {} |",
            b["sends"],
            b["max_in_any_15_min"],
            num(&b["span_s"]) / 60.0,
            num(&b["minimum_span_s"]) / 60.0,
            num(&b["over_minimum_pct"]),
            met(b["window_met"].as_bool().unwrap_or(false)),
            met(b["within_2pct_met"].as_bool().unwrap_or(false)),
        );
    }
    s.push('\n');
}
