//! Stack overhead: the full Aerona client (auth, quota with an ample budget, retry, tracing
//! with no subscriber) against bare reqwest + serde decoding the same payment JSON from the
//! same local server, sequentially and with 64 requests in flight, side by side in one run.
//! Criterion runs each case for seconds in turn, so load on a shared machine can drift
//! between the cases; after criterion, the two are also timed interleaved, call by call (cold
//! caches: each call evicts the other's code) and in alternating blocks of 32 calls (steady
//! state), and the medians of those go to `stack.json`.

use std::time::{Duration, Instant};

use aerona_api::models::Payment;
use aerona_api::operations::GET_PAYMENT;
use criterion::Criterion;
use futures_util::future::join_all;
use practice_bench::serve_payments;

/// The payment's bytes through bare reqwest.
async fn bare_bytes(http: &reqwest::Client, url: &str) -> practice_core::bytes::Bytes {
    http.get(url)
        .header("aerona-auth-token", "bench-token")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
}

/// The baseline: bare reqwest, then `serde_json::from_slice`.
async fn bare_once(http: &reqwest::Client, url: &str) -> Payment {
    serde_json::from_slice(&bare_bytes(http, url).await).unwrap()
}

/// practice-core's transport layer alone (http::Request → reqwest, body read into one
/// BytesMut), then the client's decoding: no auth, quota, retry or trace layers.
async fn transport_once<S>(transport: &S, url: &str) -> Payment
where
    S: tower::Service<
            practice_core::http::Request<practice_core::bytes::Bytes>,
            Response = practice_core::http::Response<practice_core::bytes::Bytes>,
        > + Clone,
    S::Error: std::fmt::Debug,
{
    use tower::ServiceExt as _;
    let request = practice_core::http::Request::get(url)
        .header("aerona-auth-token", "bench-token")
        .body(practice_core::bytes::Bytes::new())
        .unwrap();
    let response = transport.clone().oneshot(request).await.unwrap();
    practice_core::decode::json::<Payment>(&GET_PAYMENT, response.body()).unwrap()
}

/// A multi-thread runtime serving the payment on loopback: the runtime, the base URL and the
/// payment's URL.
fn runtime_and_server() -> (tokio::runtime::Runtime, String, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = runtime.block_on(serve_payments());
    let base = format!("http://{addr}/AeronaAPI");
    let url = format!("{base}/v1/payments/187941");
    (runtime, base, url)
}

/// The full Aerona client at `base`, with a budget so ample it never waits: what every full
/// case measures, before its transport is chosen.
fn full_client(base: &str) -> aerona_api::ClientBuilder {
    aerona_api::Client::builder("bench", "bench-password")
        .base_url(base)
        .rate_limit(
            aerona_api::RateLimit::new(u32::MAX, Duration::from_secs(1)),
            aerona_api::WhenExhausted::FailFast,
        )
}

/// The full client over an in-process transport that answers at once: the CPU cost of
/// building, the layers and decoding, with no socket at all.
fn in_process_client(base: &str) -> aerona_api::Client {
    full_client(base)
        .map_options(|o| {
            o.transport_service(practice_core::TransportService::new(tower::service_fn(
                |request: practice_core::http::Request<practice_core::bytes::Bytes>| async move {
                    let mut response = practice_core::http::Response::new(
                        practice_core::bytes::Bytes::from_static(
                            practice_bench::PAYMENT.as_bytes(),
                        ),
                    );
                    if request.uri().path().ends_with("/login") {
                        response.headers_mut().insert(
                            "aerona-auth-token",
                            practice_core::http::HeaderValue::from_static("bench-token"),
                        );
                    }
                    Ok::<_, practice_core::Error>(response)
                },
            )))
        })
        .build()
        .unwrap()
}

fn median_us(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e6
}

/// Bare and full, alternated call by call (or batch by batch with 64 in flight); medians.
fn interleaved(rounds: usize) -> serde_json::Value {
    let (runtime, base, url) = runtime_and_server();
    let bare = reqwest::Client::builder().build().unwrap();
    let client = full_client(&base).build().unwrap();
    let transport = practice_core::transport::HttpTransport::new(bare.clone(), 512 << 20);
    // The same with tower's per-try timeout around it, as the client stacks it: a timer is
    // registered and cancelled on every call.
    let timed = tower::timeout::Timeout::new(transport.clone(), Duration::from_secs(60));
    let in_process = in_process_client(&base);
    let figures = runtime.block_on(async {
        let (mut b1, mut f1, mut b64, mut f64) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut t1, mut tt1, mut p1) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..rounds * 11 {
            // Ten sequential rounds for each pair of 64-wide batches; warm-up discarded.
            let keep = i >= rounds;
            let bare_first = i % 2 == 0;
            // Bare, transport only, transport with a timeout, full, and full in process (its
            // CPU with caches as cold as they are between real calls), in rotating order.
            for k in 0..5 {
                let kind = (i + k) % 5;
                let started = Instant::now();
                match kind {
                    0 => drop(bare_once(&bare, &url).await),
                    1 => drop(transport_once(&transport, &url).await),
                    2 => drop(transport_once(&timed, &url).await),
                    3 => drop(client.payment(187941).await.unwrap()),
                    _ => drop(in_process.payment(187941).await.unwrap()),
                }
                if keep {
                    [&mut b1, &mut t1, &mut tt1, &mut f1, &mut p1][kind].push(started.elapsed());
                }
            }
            if i % 10 != 0 {
                continue;
            }
            for side in [bare_first, !bare_first] {
                let started = Instant::now();
                if side {
                    join_all((0..64).map(|_| bare_once(&bare, &url))).await;
                } else {
                    join_all((0..64).map(|_| async { client.payment(187941).await.unwrap() }))
                        .await;
                }
                if keep {
                    if side { &mut b64 } else { &mut f64 }.push(started.elapsed());
                }
            }
        }
        let (sb, sf) = alternating_blocks(bare.clone(), client.clone(), url.clone(), rounds).await;
        let pair = |bare: Vec<Duration>, full: Vec<Duration>| {
            let (n, bare, full) = (bare.len(), median_us(bare), median_us(full));
            serde_json::json!({ "samples": n, "bare_median_us": bare, "full_median_us": full, "ratio": full / bare })
        };
        let bare_us = median_us(b1.clone());
        let (t_us, tt_us) = (median_us(t1), median_us(tt1));
        let mut sequential = pair(b1, f1);
        sequential["transport_only_median_us"] = t_us.into();
        sequential["transport_only_ratio"] = (t_us / bare_us).into();
        sequential["transport_timeout_median_us"] = tt_us.into();
        sequential["transport_timeout_ratio"] = (tt_us / bare_us).into();
        sequential["full_in_process_median_us"] = median_us(p1).into();
        serde_json::json!({
            "sequential": sequential,
            "sequential_blocks": pair(sb, sf),
            "64_in_flight": pair(b64, f64),
        })
    });
    // The same blocks from a task on a runtime worker, where a service's handlers run, rather
    // than from `block_on` on the bench's own thread: there the hand-offs to the connection
    // tasks on the workers stay on the workers instead of crossing threads each call.
    let (wb, wf) = runtime.block_on(async {
        tokio::spawn(alternating_blocks(bare, client, url, rounds))
            .await
            .expect("the worker task ends")
    });
    let mut figures = figures;
    let (n, bare_us, full_us) = (wb.len(), median_us(wb), median_us(wf));
    figures["sequential_blocks_on_worker"] = serde_json::json!({
        "samples": n, "bare_median_us": bare_us, "full_median_us": full_us, "ratio": full_us / bare_us,
    });
    figures
}

/// Steady state: blocks of 32 calls of one kind, bare and full alternating block by block
/// (which goes first alternates too). Within a block the code and data of that kind stay in
/// cache, as in a service making many calls; alternating blocks keeps drift in the shared
/// VM's load off the ratio. The first call of each block is dropped as its warm-up.
async fn alternating_blocks(
    bare: reqwest::Client,
    client: aerona_api::Client,
    url: String,
    blocks: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    const BLOCK: usize = 32;
    let (mut sb, mut sf) = (Vec::new(), Vec::new());
    for block in 0..blocks {
        for full_side in [block % 2 == 1, block % 2 == 0] {
            for j in 0..BLOCK {
                let started = Instant::now();
                if full_side {
                    drop(client.payment(187941).await.unwrap());
                } else {
                    drop(bare_once(&bare, &url).await);
                }
                if j > 0 {
                    if full_side { &mut sf } else { &mut sb }.push(started.elapsed());
                }
            }
        }
    }
    (sb, sf)
}

fn stack(c: &mut Criterion) {
    let (runtime, base, url) = runtime_and_server();
    let bare = reqwest::Client::builder().build().unwrap();
    let client = full_client(&base).build().unwrap();
    // Times come from `main`'s defaults or the command line (`--measurement-time`).
    let mut group = c.benchmark_group("stack_overhead");
    group.bench_function("sequential/bare_reqwest_serde", |b| {
        b.to_async(&runtime).iter(|| bare_once(&bare, &url))
    });
    let core_pool = practice_core::TransportConfig::default()
        .shared_reqwest_client()
        .unwrap();
    group.bench_function("sequential/bare_with_core_pool", |b| {
        b.to_async(&runtime).iter(|| bare_once(&core_pool, &url))
    });
    // Bare reqwest, decoded as the client decodes (`decode::json`: a plain parse, re-parsed
    // with path tracking only on failure): separates decoding from the layers.
    group.bench_function("sequential/bare_with_core_decode", |b| {
        b.to_async(&runtime).iter(|| async {
            let bytes = bare_bytes(&bare, &url).await;
            practice_core::decode::json::<Payment>(&GET_PAYMENT, &bytes).unwrap()
        })
    });
    // practice-core's transport layer alone over the bare pool.
    let transport = practice_core::transport::HttpTransport::new(bare.clone(), 512 << 20);
    group.bench_function("sequential/core_transport_only", |b| {
        b.to_async(&runtime)
            .iter(|| transport_once(&transport, &url))
    });
    let in_process = in_process_client(&base);
    group.bench_function("sequential/full_client_in_process", |b| {
        b.to_async(&runtime)
            .iter(|| async { in_process.payment(187941).await.unwrap() })
    });
    group.bench_function("sequential/core_decode_only", |b| {
        b.iter(|| {
            practice_core::decode::json::<Payment>(&GET_PAYMENT, practice_bench::PAYMENT.as_bytes())
                .unwrap()
        })
    });
    group.bench_function("sequential/serde_decode_only", |b| {
        b.iter(|| serde_json::from_slice::<Payment>(practice_bench::PAYMENT.as_bytes()).unwrap())
    });
    // The full client over the bare client's pool: separates practice-core's reqwest
    // settings from its layers.
    let client_on_bare_pool = full_client(&base)
        .map_options(|o| o.reqwest_client(bare.clone()))
        .build()
        .unwrap();
    group.bench_function("sequential/full_client_on_bare_pool", |b| {
        b.to_async(&runtime)
            .iter(|| async { client_on_bare_pool.payment(187941).await.unwrap() })
    });
    group.bench_function("sequential/full_client", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.payment(187941).await.unwrap() })
    });
    group.bench_function("64_in_flight/bare_reqwest_serde", |b| {
        b.to_async(&runtime)
            .iter(|| join_all((0..64).map(|_| bare_once(&bare, &url))))
    });
    group.bench_function("64_in_flight/full_client", |b| {
        b.to_async(&runtime)
            .iter(|| join_all((0..64).map(|_| async { client.payment(187941).await.unwrap() })))
    });
    group.finish();
}

fn main() {
    // Short defaults for a 2-core machine; `--warm-up-time` and `--measurement-time` override.
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    stack(&mut criterion);
    criterion.final_summary();
    // The ratios the target is stated in, from criterion's own median estimates.
    let median = |id: &str| practice_bench::criterion_median("stack_overhead", id);
    for (case, bare, full) in [
        (
            "sequential",
            "sequential/bare_reqwest_serde",
            "sequential/full_client",
        ),
        (
            "64 in flight",
            "64_in_flight/bare_reqwest_serde",
            "64_in_flight/full_client",
        ),
    ] {
        if let (Some(bare), Some(full)) = (median(bare), median(full)) {
            eprintln!(
                "stack_overhead {case}: full client / bare = {:.3}x (criterion medians {:.1} µs vs {:.1} µs)",
                full / bare,
                full / 1e3,
                bare / 1e3
            );
        }
    }
    let rounds = if practice_bench::quick() { 300 } else { 1_000 };
    let figures = interleaved(rounds);
    for case in [
        "sequential",
        "sequential_blocks",
        "sequential_blocks_on_worker",
        "64_in_flight",
    ] {
        let f = &figures[case];
        eprintln!(
            "interleaved {case}: full client / bare = {:.3}x (medians {:.1} µs vs {:.1} µs, {} samples each)",
            f["ratio"].as_f64().unwrap_or(f64::NAN),
            f["full_median_us"].as_f64().unwrap_or(f64::NAN),
            f["bare_median_us"].as_f64().unwrap_or(f64::NAN),
            f["samples"],
        );
    }
    let path =
        practice_bench::write_figures("stack", &serde_json::json!({ "interleaved": figures }))
            .expect("write stack.json");
    eprintln!("wrote {}", path.display());
}
