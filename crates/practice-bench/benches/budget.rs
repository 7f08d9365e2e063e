//! Budget precision: 3,000 calls of the real Aerona client, from 50 concurrent tasks, through
//! the 300-per-15-minutes budget on tokio's paused clock. Every send (logins included) is
//! timed; prints the busiest 15-minute window and the span against the least the budget
//! allows, and writes `budget.json` (see `practice_bench::figures_dir`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aerona_api::{RateLimit, WhenExhausted};
use practice_bench::budget::{fake_aerona, max_in_window, minimum_span};
use serde_json::json;
use tokio::time::Instant;

const CALLS: usize = 3_000;
const TASKS: usize = 50;
const LIMIT: usize = 300;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long the fake Aerona takes to answer: each request holds its slot that much longer.
const LATENCY: Duration = Duration::from_millis(30);

async fn run(name: &str, limit: RateLimit) -> serde_json::Value {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let client = aerona_api::Client::builder("bench-user", "bench-password")
        .base_url("http://127.0.0.1:9/AeronaAPI")
        .map_options(|o| o.transport_service(fake_aerona(sent.clone(), LATENCY)))
        .rate_limit(
            limit.clone(),
            WhenExhausted::wait_up_to(Duration::from_secs(24 * 3600)),
        )
        .build()
        .expect("an Aerona client");
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in 0..CALLS / TASKS {
                    client
                        .patient((t * 1_000 + i) as i64)
                        .await
                        .expect("a patient");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task");
    }
    let total = started.elapsed();
    let mut sends = sent.lock().unwrap_or_else(|p| p.into_inner()).clone();
    sends.sort();
    let (first, last) = (sends[0], sends[sends.len() - 1]);
    let span = last - first;
    let effective = limit.window + limit.safety_margin;
    // A slot counts from its send until one span after its answer: the least span between
    // sends that share a slot is window + margin + latency.
    let minimum = minimum_span(sends.len(), LIMIT, effective + LATENCY);
    let busiest = max_in_window(&sends, WINDOW);
    let busiest_effective = max_in_window(&sends, effective);
    let over = span.as_secs_f64() / minimum.as_secs_f64() - 1.0;
    eprintln!(
        "{name:>15}: {} sends ({CALLS} calls + logins), busiest 15 min window {busiest}, \
         span {:.1} min vs minimum {:.1} min ({:+.3}%), total {:.1} min",
        sends.len(),
        span.as_secs_f64() / 60.0,
        minimum.as_secs_f64() / 60.0,
        over * 100.0,
        total.as_secs_f64() / 60.0,
    );
    json!({
        "limit": LIMIT,
        "window_s": limit.window.as_secs_f64(),
        "safety_margin_s": limit.safety_margin.as_secs_f64(),
        "latency_s": LATENCY.as_secs_f64(),
        "calls": CALLS,
        "tasks": TASKS,
        "sends": sends.len(),
        "max_in_any_15_min": busiest,
        "max_in_any_window_plus_margin": busiest_effective,
        "span_s": span.as_secs_f64(),
        "total_s": total.as_secs_f64(),
        "minimum_span_s": minimum.as_secs_f64(),
        "formula": "minimum span = floor((sends - 1) / limit) * (window + margin + latency), first to last send",
        "over_minimum_pct": over * 100.0,
        "window_met": busiest <= LIMIT,
        "within_2pct_met": over <= 0.02,
    })
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a paused tokio runtime");
    let vendor = runtime.block_on(run("vendor default", aerona_api::vendor_rate_limit()));
    let bare = runtime.block_on(run("no margin", RateLimit::new(LIMIT as u32, WINDOW)));
    let out = json!({ "vendor_default": vendor, "no_margin": bare });
    let path = practice_bench::write_figures("budget", &out).expect("write budget.json");
    eprintln!("wrote {}", path.display());
}
