//! A large Aloha appointments report (every documented field on every row) from a loopback
//! server: wall time and peak heap of the typed call, the streaming API and a
//! `serde_json::Value` baseline on the same bytes. Not criterion: peak memory needs a counting
//! allocator around each run, and one run takes about a second. Prints a table and writes
//! `report.json` (see `practice_bench::figures_dir`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aloha_api::models::{Appointment, AppointmentsEnvelope};
use aloha_api::operations::LIST_APPOINTMENTS;
use aloha_api::{Appointments, DEFAULT_DAYS_PER_CHUNK, DateRange, RowPolicy};
use futures_util::TryStreamExt;
use practice_bench::alloc::CountingAlloc;
use practice_bench::report::{FIRST_DAY, Report, serve_report};
use serde_json::{Value, json};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

const MIB: f64 = 1024.0 * 1024.0;

/// Wall times and peaks of one case over its repetitions.
struct Case {
    name: &'static str,
    rows: usize,
    wall: Vec<Duration>,
    peak: Vec<usize>,
}

impl Case {
    fn median_wall(&self) -> Duration {
        let mut w = self.wall.clone();
        w.sort();
        w[w.len() / 2]
    }

    fn max_peak(&self) -> usize {
        self.peak.iter().copied().max().unwrap_or(0)
    }
}

/// Runs `run` `reps` times; each run's result is dropped outside the timed span (freeing
/// 100,000 rows is not part of decoding them).
fn measure<T>(
    name: &'static str,
    reps: usize,
    mut run: impl FnMut() -> T,
    rows: impl Fn(&T) -> usize,
) -> Case {
    let mut case = Case {
        name,
        rows: 0,
        wall: Vec::new(),
        peak: Vec::new(),
    };
    for _ in 0..reps {
        let baseline = ALLOC.reset_peak();
        let started = Instant::now();
        let out = run();
        case.wall.push(started.elapsed());
        case.peak.push(ALLOC.peak().saturating_sub(baseline));
        case.rows = rows(&out);
        drop(out);
    }
    eprintln!(
        "{name:>22} {:>8} rows  median {:>9.1} ms  peak {:>8.1} MiB",
        case.rows,
        case.median_wall().as_secs_f64() * 1e3,
        case.max_peak() as f64 / MIB
    );
    case
}

fn main() {
    let quick = practice_bench::quick();
    let reps = if quick { 1 } else { 3 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let http = reqwest::Client::new();
    let mut sizes = Vec::new();
    // Same density at both sizes (274 rows a day: a large practice), twice the days: the
    // stream's chunks (31 days each) are the same size, so its peak should not move.
    for (rows, days) in [(100_000usize, 365u32), (200_000, 730)] {
        let report = Arc::new(Report::generate(rows, days));
        let base = runtime
            .block_on(serve_report(report.clone()))
            .expect("serve on loopback");
        let client = aloha_api::Client::builder("bench-client", "bench-secret")
            .base_url(base.clone())
            .build()
            .expect("an Aloha client");
        let range = DateRange::new(FIRST_DAY, report.last_day()).expect("a range");
        let url = format!(
            "{base}/v1/report/appointments?startDate={}&endDate={}",
            range.start(),
            range.end()
        );
        // Warm up: the token, a pooled connection on each client, page faults of the body.
        runtime
            .block_on(client.appointments(DateRange::new(FIRST_DAY, FIRST_DAY).expect("a day")))
            .expect("the warm-up call");
        runtime
            .block_on(async { http.get(&url).send().await?.bytes().await })
            .expect("the warm-up fetch");
        let body = report.body().clone();
        // `data` alone, as a bare array, for practice-core's row-by-row decoder.
        let array = body.slice(body.iter().position(|b| *b == b'[').unwrap_or(0)..body.len() - 1);

        let mut cases = Vec::new();
        cases.push(measure(
            "typed_call",
            reps,
            || {
                runtime
                    .block_on(client.appointments(range))
                    .expect("typed call")
            },
            Vec::len,
        ));
        cases.push(measure(
            "stream",
            reps,
            || {
                runtime.block_on(async {
                    let mut rows = client.stream::<Appointments>(range, DEFAULT_DAYS_PER_CHUNK);
                    let mut count = 0usize;
                    while let Some(_row) = rows.try_next().await.expect("a streamed row") {
                        count += 1;
                    }
                    count
                })
            },
            |n| *n,
        ));
        cases.push(measure(
            "value_parse",
            reps,
            || serde_json::from_slice::<Value>(&body).expect("a JSON body"),
            |v| v["data"].as_array().map_or(0, Vec::len),
        ));
        // At the larger size only the three cases above, which show growth against
        // flatness, to keep the run short.
        if sizes.is_empty() {
            cases.push(measure(
                "value_fetch",
                reps,
                || {
                    runtime.block_on(async {
                        let bytes = http
                            .get(&url)
                            .bearer_auth("bench-access")
                            .send()
                            .await
                            .expect("bare fetch")
                            .bytes()
                            .await
                            .expect("bare body");
                        serde_json::from_slice::<Value>(&bytes).expect("a JSON body")
                    })
                },
                |v| v["data"].as_array().map_or(0, Vec::len),
            ));
            cases.push(measure(
                "typed_parse",
                reps,
                || serde_json::from_slice::<AppointmentsEnvelope>(&body).expect("typed body"),
                |e| e.data.as_ref().map_or(0, Vec::len),
            ));
            cases.push(measure(
                "core_rows_parse",
                reps,
                || {
                    practice_core::decode::rows::<Appointment>(
                        &LIST_APPOINTMENTS,
                        &array,
                        RowPolicy::Fail,
                    )
                    .expect("rows")
                },
                Vec::len,
            ));
        }
        for case in &cases {
            assert_eq!(case.rows, rows, "{} decoded every row", case.name);
        }
        sizes.push((rows, days, body.len(), cases));
    }

    let figure = |case: &Case| {
        json!({
            "median_ms": case.median_wall().as_secs_f64() * 1e3,
            "peak_mib": case.max_peak() as f64 / MIB,
            "wall_ms": case.wall.iter().map(|w| w.as_secs_f64() * 1e3).collect::<Vec<_>>(),
            "rows": case.rows,
        })
    };
    let get = |size: usize, name: &str| -> &Case {
        let cases = &sizes[size].3;
        cases
            .iter()
            .find(|c| c.name == name)
            .expect("every case ran")
    };
    let ratio = |a: &Case, b: &Case| a.median_wall().as_secs_f64() / b.median_wall().as_secs_f64();
    let call_vs_fetch = ratio(get(0, "typed_call"), get(0, "value_fetch"));
    let call_vs_parse = ratio(get(0, "typed_call"), get(0, "value_parse"));
    let parse_vs_parse = ratio(get(0, "typed_parse"), get(0, "value_parse"));
    let core_vs_parse = ratio(get(0, "core_rows_parse"), get(0, "value_parse"));
    let stream_peaks: Vec<f64> = (0..sizes.len())
        .map(|s| get(s, "stream").max_peak() as f64 / MIB)
        .collect();
    let out = json!({
        "repetitions": reps,
        "days_per_chunk": DEFAULT_DAYS_PER_CHUNK,
        "sizes": sizes.iter().map(|(rows, days, bytes, cases)| json!({
            "rows": rows,
            "days": days,
            "body_bytes": bytes,
            // An array, to keep the cases in the order they ran.
            "cases": cases.iter().map(|c| json!({ "name": c.name, "figures": figure(c) })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "targets": {
            "typed_call_over_value_fetch": call_vs_fetch,
            "typed_call_over_value_parse": call_vs_parse,
            "typed_parse_over_value_parse": parse_vs_parse,
            "core_rows_parse_over_value_parse": core_vs_parse,
            // Met when typed decoding, alone and as the whole call, is within 1.5x of its
            // `Value` counterpart (parse vs parse, call vs bare fetch + parse).
            "typed_within_1_5x_met": call_vs_fetch <= 1.5 && parse_vs_parse <= 1.5,
            "stream_peak_mib": stream_peaks,
            "stream_under_64_mib_met": stream_peaks.iter().all(|p| *p < 64.0),
        },
    });
    let path = practice_bench::write_figures("report", &out).expect("write report.json");
    eprintln!(
        "typed call / Value fetch {call_vs_fetch:.2}x, typed parse / Value parse {parse_vs_parse:.2}x, \
         core rows / Value parse {core_vs_parse:.2}x; stream peaks {stream_peaks:.1?} MiB; wrote {}",
        path.display()
    );
}
