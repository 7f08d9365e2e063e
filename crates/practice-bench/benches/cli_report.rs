//! The `practice` CLI writing NDJSON of a large Aloha appointments report (all 48 documented
//! fields on every row, one response) from a loopback server, side by side with a plain Python
//! client (`urllib` + `json.loads` of the whole body + `json.dumps` per row), in one run.
//!
//! Each client is a child process started by a small Python harness that reports its wall
//! time and peak RSS (`getrusage(RUSAGE_CHILDREN).ru_maxrss`); both write to `/dev/null`.
//! Each client runs once unmeasured, then five times; the runs alternate, so load on a shared
//! machine falls on both alike. CPU seconds (user + system) are reported beside the wall. The binary is
//! `$PRACTICE_BIN` (`cargo xtask bench --cli-report` builds it in release). Writes
//! `cli_report.json` (see `practice_bench::figures_dir`).

use std::process::Command;
use std::sync::Arc;

use practice_bench::report::{FIRST_DAY, Report, serve_report};
use serde_json::{Value, json};

/// Rows a day, as in the `report` bench: 100,000 rows is 365 days.
const ROWS_PER_DAY: usize = 274;

const HARNESS: &str = r#"
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write("%f %d %d %f\n" % (wall, usage.ru_maxrss, done.returncode, usage.ru_utime + usage.ru_stime))
sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
"#;

const PYTHON_CLIENT: &str = r#"
import json, sys, urllib.request
base, start, end = sys.argv[1:4]
login = urllib.request.Request(base + "/token", data=json.dumps({"clientId": "bench", "secretKey": "bench"}).encode(), headers={"Content-Type": "application/json"}, method="POST")
token = json.loads(urllib.request.urlopen(login).read())["data"]["accessToken"]
report = urllib.request.Request(base + "/v1/report/appointments?startDate=%s&endDate=%s" % (start, end), headers={"Authorization": "Bearer " + token})
body = json.loads(urllib.request.urlopen(report).read())
out = sys.stdout
for row in body["data"]:
    out.write(json.dumps(row))
    out.write("\n")
"#;

struct Run {
    wall_s: f64,
    peak_mib: f64,
    /// User + system CPU seconds: less moved by other load on the machine than the wall.
    cpu_s: f64,
}

fn measure(command: &[String], env: &[(&str, &str)]) -> Run {
    let out = Command::new("python3")
        .arg("-c")
        .arg(HARNESS)
        .args(command)
        .envs(env.iter().copied())
        .output()
        .expect("python3 runs the harness");
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert!(
        fields.len() == 4 && fields[2] == "0",
        "{command:?} failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        wall_s: fields[0].parse().expect("wall time"),
        peak_mib: fields[1].parse::<f64>().expect("peak") / 1024.0,
        cpu_s: fields[3].parse().expect("CPU time"),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let bin = std::env::var("PRACTICE_BIN")
        .expect("PRACTICE_BIN: the release `practice` binary (cargo xtask bench --cli-report)");
    let quick = std::env::var_os("PRACTICE_BENCH_QUICK").is_some();
    let repeats = if quick { 1 } else { 5 };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client_py = practice_bench::figures_dir().join("aloha_client.py");
    std::fs::create_dir_all(practice_bench::figures_dir()).expect("figures dir");
    std::fs::write(&client_py, PYTHON_CLIENT).expect("write the Python client");

    let mut cases = Vec::new();
    for (rows, with_python) in [(100_000usize, true), (400_000, false)] {
        let report = Arc::new(Report::generate(rows, (rows / ROWS_PER_DAY) as u32));
        let body_mib = report.body().len() as f64 / (1024.0 * 1024.0);
        let (from, to) = (FIRST_DAY.to_string(), report.last_day().to_string());
        let url = runtime
            .block_on(serve_report(report.clone()))
            .expect("serve the report");
        let cli: Vec<String> = [
            bin.as_str(),
            "--format",
            "ndjson",
            "aloha",
            "appointments",
            "--from",
            &from,
            "--to",
            &to,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let env = [
            ("ALOHA_CLIENT_ID", "bench"),
            ("ALOHA_SECRET_KEY", "bench"),
            ("ALOHA_BASE_URL", url.as_str()),
        ];
        let python: Vec<String> = vec![
            "python3".into(),
            client_py.display().to_string(),
            url.clone(),
            from.clone(),
            to.clone(),
        ];
        // One unmeasured run of each first: the first read of the binaries and of the
        // server's freshly generated body costs what no later run pays.
        measure(&cli, &env);
        if with_python {
            measure(&python, &[]);
        }
        let (mut cli_runs, mut py_runs) = (Vec::new(), Vec::new());
        for _ in 0..repeats {
            cli_runs.push(measure(&cli, &env));
            if with_python {
                py_runs.push(measure(&python, &[]));
            }
        }
        let summary = |runs: &[Run]| {
            (!runs.is_empty()).then(|| {
                json!({
                    "wall_s": median(runs.iter().map(|r| r.wall_s).collect()),
                    "peak_mib": runs.iter().map(|r| r.peak_mib).fold(0.0, f64::max),
                    "cpu_s": median(runs.iter().map(|r| r.cpu_s).collect()),
                    "runs": runs.len(),
                })
            })
        };
        let case = json!({
            "rows": rows,
            "body_mib": body_mib,
            "cli": summary(&cli_runs),
            "python": summary(&py_runs),
        });
        println!("{case}");
        cases.push(case);
    }
    let out: Value = json!({ "cases": cases, "repeats": repeats });
    let path = practice_bench::write_figures("cli_report", &out).expect("write cli_report.json");
    println!("wrote {}", path.display());
}
