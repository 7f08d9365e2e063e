//! `cargo xtask bench [--quick]`: runs every benchmark of issue 7 and rewrites
//! `docs/benchmarks.md` with each figure, the exact command behind it, the date and the
//! machine.
//!
//! * stack overhead: `cargo bench -p practice-bench --bench stack` (criterion); medians read
//!   from `target/criterion/stack_overhead/**/new/estimates.json`;
//! * large report and budget precision: the `report` and `budget` benches (plain binaries),
//!   which write `target/practice-bench/{report,budget}.json`;
//! * weight (`bench_weight.rs`): `cargo tree -e normal` of each vendor crate against [`FORBIDDEN`](crate::bench_weight::FORBIDDEN) (also a unit
//!   test, so CI enforces it), and each vendor crate's clean build time in a throwaway target
//!   directory under `/tmp`;
//! * the CLI's streamed report (`bench_cli.rs`) and a full sandbox sync (`bench_sync.rs`),
//!   each also runnable alone (`--cli-report`, `--sync`) to rewrite only its section.
//!
//! `--quick` shortens criterion's runs, repeats each report case once, and skips the clean
//! builds; its page says so.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use crate::bench_budget::{render_budget, run_budget_only};
use crate::bench_page::{met, num, read_json, run_shown, utc_now};
use crate::bench_weight::{
    VENDOR_CRATES, Weight, clean_build_seconds, dependency_tree, forbidden_in, hyper_server_feature,
};
use crate::workspace_root;

/// The stack bench's criterion ids, with what each measures, in table order.
const STACK_CASES: [(&str, &str); 11] = [
    (
        "sequential/bare_reqwest_serde",
        "bare reqwest + `serde_json::from_slice` (the baseline)",
    ),
    (
        "sequential/bare_with_core_pool",
        "the same on practice-core's shared reqwest client (gzip, pool settings)",
    ),
    (
        "sequential/bare_with_core_decode",
        "bare reqwest, decoded as the client decodes (`practice_core::decode::json`)",
    ),
    (
        "sequential/core_transport_only",
        "practice-core's transport layer alone over the bare pool, then its decoding",
    ),
    (
        "sequential/full_client_on_bare_pool",
        "the full client over the bare reqwest client",
    ),
    ("sequential/full_client", "**the full client**"),
    (
        "sequential/full_client_in_process",
        "the full client over an in-process transport (no socket): its own CPU per call",
    ),
    (
        "sequential/core_decode_only",
        "`practice_core::decode::json::<Payment>` of the sample, no I/O",
    ),
    (
        "sequential/serde_decode_only",
        "`serde_json::from_slice::<Payment>` of the sample, no I/O",
    ),
    (
        "64_in_flight/bare_reqwest_serde",
        "64 in flight: bare reqwest + serde (the baseline)",
    ),
    (
        "64_in_flight/full_client",
        "64 in flight: **the full client**",
    ),
];

pub fn run(args: &[String]) -> Result<(), String> {
    let quick = match args {
        [] => false,
        [flag] if flag == "--quick" => true,
        [flag] if flag == "--budget" => return run_budget_only(),
        [flag] if flag == "--cli-report" => return crate::bench_cli::run_only(),
        [flag] if flag == "--sync" => return crate::bench_sync::run_only(),
        [flag] if flag == "--accounts" => return crate::bench_accounts::run_only(),
        _ => {
            return Err(
                "usage: cargo xtask bench [--quick | --budget | --cli-report | --sync | --accounts]".to_owned(),
            );
        }
    };
    let root = workspace_root();
    let started = Instant::now();
    let machine = Machine::read();
    let date = utc_now();

    let stack_args = if quick {
        "--warm-up-time 1 --measurement-time 1 --sample-size 10"
    } else {
        "--warm-up-time 1 --measurement-time 3"
    };
    let quick_prefix = if quick { "PRACTICE_BENCH_QUICK=1 " } else { "" };
    let quick_env: &[(&str, &str)] = if quick {
        &[("PRACTICE_BENCH_QUICK", "1")]
    } else {
        &[]
    };
    let stack_cmd =
        format!("{quick_prefix}cargo bench -p practice-bench --bench stack -- {stack_args}");
    run_shown(&root, &stack_cmd, quick_env)?;
    let criterion = root.join("target/criterion/stack_overhead");
    let stack: Vec<Option<f64>> = STACK_CASES
        .iter()
        .map(|(id, _)| criterion_median(&criterion, id))
        .collect();

    let figures = root.join("target/practice-bench");
    let stack_interleaved = read_json(&figures.join("stack.json"))?["interleaved"].take();
    let report_cmd = format!("{quick_prefix}cargo bench -p practice-bench --bench report");
    run_shown(&root, &report_cmd, quick_env)?;
    let report = read_json(&figures.join("report.json"))?;
    let budget_cmd = "cargo bench -p practice-bench --bench budget";
    run_shown(&root, budget_cmd, &[])?;
    let budget = read_json(&figures.join("budget.json"))?;
    let cli_report = crate::bench_cli::measure(&root, quick)?;
    let sync = crate::bench_sync::measure(&root)?;

    let mut weights = Vec::new();
    for krate in VENDOR_CRATES {
        let tree = dependency_tree(&root, krate)?;
        let found = forbidden_in(&tree);
        let hyper_server = hyper_server_feature(&root, krate)?;
        let builds = if quick {
            None
        } else {
            Some(clean_build_seconds(&root, krate)?)
        };
        weights.push(Weight {
            krate,
            crates: tree.len(),
            forbidden: found,
            hyper_server,
            clean_build_s: builds,
        });
    }

    let page = render(&Page {
        date,
        machine,
        quick,
        stack_cmd,
        stack,
        stack_interleaved,
        report_cmd,
        report,
        budget_cmd,
        budget,
        cli_report,
        weights,
        sync,
        total_s: started.elapsed().as_secs_f64(),
    });
    let path = root.join("docs/benchmarks.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    // Kept from the page it replaces: what a full run does not measure (by hand; `--accounts`
    // needs a PostgreSQL the full run does not ask for).
    let page = crate::bench_page::keep_sections(
        &old,
        page,
        &[
            crate::bench_accounts::HEADING,
            crate::bench_page::MEASURED_BY_HAND,
        ],
    );
    std::fs::write(&path, page).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!(
        "wrote {} in {:.0} s",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// CPU model, core count and memory, from `/proc`.
struct Machine {
    cpu: String,
    cores: usize,
    memory_gib: f64,
}

impl Machine {
    fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or("unknown CPU".to_owned(), |(_, v)| v.trim().to_owned());
        let cores = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        Machine {
            cpu,
            cores,
            memory_gib: memory_kib / (1024.0 * 1024.0),
        }
    }
}

struct Page {
    date: String,
    machine: Machine,
    quick: bool,
    stack_cmd: String,
    stack: Vec<Option<f64>>,
    stack_interleaved: Value,
    report_cmd: String,
    report: Value,
    budget_cmd: &'static str,
    budget: Value,
    /// The rendered `--cli-report` section.
    cli_report: String,
    weights: Vec<Weight>,
    /// The rendered `--sync` section.
    sync: String,
    total_s: f64,
}

/// Criterion's median estimate in nanoseconds for `id` under the group directory.
fn criterion_median(group_dir: &Path, id: &str) -> Option<f64> {
    // Criterion names the directory after the id with `/` turned into `_`.
    let path: PathBuf = group_dir
        .join(id.replace('/', "_"))
        .join("new/estimates.json");
    read_json(&path).ok()?["median"]["point_estimate"].as_f64()
}

fn ms(ns: Option<f64>) -> String {
    match ns {
        Some(ns) if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        Some(ns) if ns >= 1e5 => format!("{:.0} µs", ns / 1e3),
        Some(ns) => format!("{:.1} µs", ns / 1e3),
        None => "—".to_owned(),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?)
}

fn render(p: &Page) -> String {
    let mut s = String::new();
    let m = &p.machine;
    let _ = writeln!(
        s,
        "# Benchmarks\n\n\
         Generated by `cargo xtask bench{}` on {} — do not edit by hand; rerun it.\n\n\
         Machine: {}, {} cores, {:.1} GiB of memory. Every server is on loopback in the same \
         process. Figures on a shared 2-core VM vary from run to run: read ratios taken in the \
         same run, not absolute times. The whole run took {:.0} s.{}\n",
        if p.quick { " --quick" } else { "" },
        p.date,
        m.cpu,
        m.cores,
        m.memory_gib,
        p.total_s,
        if p.quick {
            "\n\n**Quick run**: short criterion samples, one repetition per report case, no \
             clean builds. Not for quoting."
        } else {
            ""
        },
    );
    render_stack(&mut s, p);
    render_report(&mut s, p);
    s.push('\n');
    s.push_str(&p.cli_report);
    render_budget(&mut s, p.budget_cmd, &p.budget);
    crate::bench_weight::render_weight(&mut s, &p.weights);
    s.push('\n');
    s.push_str(&p.sync);
    s
}

fn render_stack(s: &mut String, p: &Page) {
    let median = |id: &str| {
        STACK_CASES
            .iter()
            .position(|(i, _)| *i == id)
            .and_then(|n| p.stack[n])
    };
    let seq = ratio(
        median("sequential/full_client"),
        median("sequential/bare_reqwest_serde"),
    );
    let par = ratio(
        median("64_in_flight/full_client"),
        median("64_in_flight/bare_reqwest_serde"),
    );
    let inter = |case: &str| p.stack_interleaved[case]["ratio"].as_f64();
    let ok = |r: Option<f64>| r.is_some_and(|r| r <= 1.05);
    let x = |r: Option<f64>| match r {
        Some(r) if r <= 1.05 => format!("**{r:.2}×** (met)"),
        Some(r) => format!("**{r:.2}×** (not met)"),
        None => "—".to_owned(),
    };
    let all = [
        seq,
        par,
        inter("sequential"),
        inter("sequential_blocks"),
        inter("sequential_blocks_on_worker"),
        inter("64_in_flight"),
    ];
    let _ = writeln!(
        s,
        "## Stack overhead — target (full client within 5% of bare at the median) {}\n\n\
         ```sh\n{}\n```\n\n\
         The full Aerona client (auth, quota with an ample budget, retry, tracing with no \
         subscriber) against bare reqwest + `serde_json::from_slice` into the same generated \
         `Payment`, from the same local axum server, in one criterion group. The verdict \
         is **met** only if every measure below is within 5%.\n\n\
         | | sequential | 64 in flight |\n| --- | --- | --- |\n\
         | full / bare, criterion medians (each case run for seconds in turn) | {} | {} |\n\
         | full / bare, alternating blocks of 32 calls (steady state; medians) | {} | — |\n\
         | the same, called from a task on a runtime worker (medians) | {} | — |\n\
         | full / bare, interleaved call by call (cold caches; medians) | {} | {} |\n",
        if all.iter().all(|r| ok(*r)) {
            "**met**"
        } else {
            "**not met**"
        },
        p.stack_cmd,
        x(seq),
        x(par),
        x(inter("sequential_blocks")),
        x(inter("sequential_blocks_on_worker")),
        x(inter("sequential")),
        x(inter("64_in_flight")),
    );
    let iseq = &p.stack_interleaved["sequential"];
    let _ = writeln!(
        s,
        "Interleaved: after criterion, the same bench rotates one call of each kind (bare; \
         practice-core's transport layer alone over the bare pool, then the client's decoding; \
         the same inside tower's per-try timeout; the full client; the full client over an \
         in-process transport), and alternates one batch of 64 bare and full, so load on the \
         shared VM falls on all alike. Medians of {} samples of each sequential kind and {} \
         batches, from `target/practice-bench/stack.json` (each timed call includes reading \
         the clock):\n\n\
         | sequential kind | median | / bare |\n| --- | --- | --- |\n\
         | bare reqwest + serde | {:.1} µs | 1.00× |\n\
         | practice-core transport + decoding | {:.1} µs | {:.2}× |\n\
         | the same inside a per-try timeout | {:.1} µs | {:.2}× |\n\
         | **full client** | {:.1} µs | **{:.2}×** |\n\
         | full client, in-process transport (no socket: its own CPU) | {:.1} µs | — |\n\n\
         Alternating blocks: {:.1} µs full vs {:.1} µs bare ({} samples each); from a \
         task on a worker, {:.1} µs vs {:.1} µs: without the bench thread's cross-thread \
         wake-ups in every call, the loopback call itself is that much shorter, and the \
         same client work weighs more against it. \
         64 in flight: {:.2} ms full vs {:.2} ms bare.\n",
        iseq["samples"],
        p.stack_interleaved["64_in_flight"]["samples"],
        num(&iseq["bare_median_us"]),
        num(&iseq["transport_only_median_us"]),
        num(&iseq["transport_only_ratio"]),
        num(&iseq["transport_timeout_median_us"]),
        num(&iseq["transport_timeout_ratio"]),
        num(&iseq["full_median_us"]),
        num(&iseq["ratio"]),
        num(&iseq["full_in_process_median_us"]),
        num(&p.stack_interleaved["sequential_blocks"]["full_median_us"]),
        num(&p.stack_interleaved["sequential_blocks"]["bare_median_us"]),
        p.stack_interleaved["sequential_blocks"]["samples"],
        num(&p.stack_interleaved["sequential_blocks_on_worker"]["full_median_us"]),
        num(&p.stack_interleaved["sequential_blocks_on_worker"]["bare_median_us"]),
        num(&p.stack_interleaved["64_in_flight"]["full_median_us"]) / 1e3,
        num(&p.stack_interleaved["64_in_flight"]["bare_median_us"]) / 1e3,
    );
    s.push_str(
        "Every case of the group, criterion medians \
         (`target/criterion/stack_overhead/*/new/estimates.json`):\n\n\
         | case | what it measures | median |\n| --- | --- | --- |\n",
    );
    for ((id, what), value) in STACK_CASES.iter().zip(&p.stack) {
        let _ = writeln!(s, "| `{id}` | {what} | {} |", ms(*value));
    }
    s.push_str(
        "\nWhere the overhead comes from, and why it is read against loopback calls: \
         `docs/performance.md` (hand-written, with the profile behind it).\n\n",
    );
}

fn render_report(s: &mut String, p: &Page) {
    let r = &p.report;
    let t = &r["targets"];
    let typed_ok = t["typed_within_1_5x_met"].as_bool().unwrap_or(false);
    let stream_ok = t["stream_under_64_mib_met"].as_bool().unwrap_or(false);
    let _ = writeln!(
        s,
        "## Large report\n\n\
         ```sh\n{}\n```\n\n\
         An Aloha appointments report with all 48 documented fields on every row, 274 rows a \
         day, served from one pre-built buffer by a local axum server (with `Content-Length`). \
         Wall time is the median of {} run(s); peak is the most heap live at once above what was \
         live before the run (a counting `#[global_allocator]` around `System`; the server's \
         own buffers are counted too). Freeing the result is outside the timed span. The \
         stream uses `Client::stream::<Appointments>` with {}-day chunks.\n",
        p.report_cmd, r["repetitions"], r["days_per_chunk"],
    );
    s.push_str("| rows | body | case | what | median wall | peak heap |\n| --- | --- | --- | --- | --- | --- |\n");
    let what = |name: &str| match name {
        "typed_call" => "`client.appointments(range)`: one request, all rows typed",
        "stream" => "`client.stream::<Appointments>(range, 31)`, rows counted and dropped",
        "value_fetch" => "bare reqwest GET + `from_slice::<Value>`",
        "value_parse" => "`from_slice::<Value>` of the body in memory",
        "typed_parse" => "`from_slice::<AppointmentsEnvelope>` of the body in memory",
        "core_rows_parse" => {
            "practice-core's row-by-row decoder (`decode::rows`, as the client uses) of `data`"
        }
        _ => "",
    };
    for size in r["sizes"].as_array().into_iter().flatten() {
        let rows = size["rows"].as_u64().unwrap_or(0);
        let body = num(&size["body_bytes"]) / (1024.0 * 1024.0);
        for entry in size["cases"].as_array().into_iter().flatten() {
            let (name, case) = (entry["name"].as_str().unwrap_or("?"), &entry["figures"]);
            let _ = writeln!(
                s,
                "| {rows} | {body:.0} MiB | {name} | {} | {:.0} ms | {:.1} MiB |",
                what(name),
                num(&case["median_ms"]),
                num(&case["peak_mib"]),
            );
        }
    }
    let peaks: Vec<String> = t["stream_peak_mib"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| format!("{:.1} MiB", num(p)))
        .collect();
    let _ = writeln!(
        s,
        "\n- **Typed within 1.5× of `Value`** — {}: the typed call takes {:.2}× the bare fetch + \
         `Value` parse, typed parsing {:.2}× the `Value` parse of the same bytes (and the whole \
         typed call, transfer included, {:.2}× the in-memory `Value` parse). practice-core's \
         row-by-row decoder, which keeps one raw row at a time to name a failing row and field, \
         takes {:.2}× the `Value` parse: it reads each row twice (once into a `RawValue`, once \
         typed).\n\
         - **Streaming peak under 64 MiB whatever the row count** — {}: {} at the two row counts \
         (same density, twice the days). The peak is set by rows per chunk (density × days per \
         chunk), not by the total; a denser practice needs fewer days per chunk.\n",
        met(typed_ok),
        num(&t["typed_call_over_value_fetch"]),
        num(&t["typed_parse_over_value_parse"]),
        num(&t["typed_call_over_value_parse"]),
        num(&t["core_rows_parse_over_value_parse"]),
        met(stream_ok),
        peaks.join(" and "),
    );
}
