//! Stack overhead: the full Aerona client (auth, quota with an ample budget, retry, tracing
//! with no subscriber) against bare reqwest + serde decoding the same payment JSON from the
//! same local server, sequentially and with 64 requests in flight, side by side in one run.

use std::time::Duration;

use aerona_api::models::Payment;
use criterion::Criterion;
use futures_util::future::join_all;
use practice_bench::serve_payments;

fn stack(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = runtime.block_on(serve_payments());
    let base = format!("http://{addr}/AeronaAPI");
    let bare = reqwest::Client::builder().build().unwrap();
    let client = aerona_api::Client::builder("bench", "bench-password")
        .base_url(base.clone())
        .rate_limit(
            aerona_api::RateLimit::new(u32::MAX, Duration::from_secs(1)),
            aerona_api::WhenExhausted::FailFast,
        )
        .build()
        .unwrap();
    let url = format!("{base}/v1/payments/187941");

    async fn bare_once(http: &reqwest::Client, url: &str) -> Payment {
        let bytes = http
            .get(url)
            .header("aerona-auth-token", "bench-token")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    // Times come from `main`'s defaults or the command line (`--measurement-time`).
    let mut group = c.benchmark_group("stack_overhead");
    group.bench_function("sequential/bare_reqwest_serde", |b| {
        b.to_async(&runtime).iter(|| bare_once(&bare, &url))
    });
    let core_pool = practice_core::TransportConfig::default()
        .shared_client()
        .unwrap();
    group.bench_function("sequential/bare_with_core_pool", |b| {
        b.to_async(&runtime).iter(|| bare_once(&core_pool, &url))
    });
    // Bare reqwest, decoded as the client decodes (serde_path_to_error, then a trailing-bytes
    // check): separates decoding from the layers.
    static META: practice_core::OperationMeta = practice_core::OperationMeta {
        vendor: "aerona",
        name: "getPayment",
        method: practice_core::http::Method::GET,
        path_template: "/v1/payments/{paymentId}",
        idempotent: true,
        authenticated: true,
    };
    group.bench_function("sequential/bare_with_core_decode", |b| {
        b.to_async(&runtime).iter(|| async {
            let bytes = bare
                .get(&url)
                .header("aerona-auth-token", "bench-token")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            practice_core::decode::json::<Payment>(&META, &bytes).unwrap()
        })
    });
    // The full client over the bare client's pool: separates practice-core's reqwest
    // settings from its layers.
    let client_on_bare_pool = aerona_api::Client::builder("bench", "bench-password")
        .base_url(base.clone())
        .reqwest_client(bare.clone())
        .rate_limit(
            aerona_api::RateLimit::new(u32::MAX, Duration::from_secs(1)),
            aerona_api::WhenExhausted::FailFast,
        )
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
                "stack_overhead {case}: full client / bare = {:.3}x (median {:.1} µs vs {:.1} µs)",
                full / bare,
                full / 1e3,
                bare / 1e3
            );
        }
    }
}
