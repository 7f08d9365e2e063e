//! Shared fixtures of the benchmarks: local Aerona- and Aloha-like servers on loopback, an
//! in-process Aerona for paused-clock runs, a counting allocator, and figure output.
#![deny(unsafe_code)] // allowed in `alloc` alone
#![deny(missing_docs)]

pub mod alloc;
pub mod budget;
pub mod report;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The Aerona payment sample, as served.
pub const PAYMENT: &str = r#"{"id":187941,"patientId":426709,"practiceId":9876,"practiceName":"My Dentist Inc.","paymentType":"1","paymentMethod":"Credit Card","amount":140.50,"cancellation":140.5,"refund":25,"refundReference":1,"paymentNote":"Paid in full.","paymentDate":"2022-01-19T13:34:21Z","cancellationNote":"Cancelled by patient.","cancellationDate":"2022-01-22T10:22:56Z","patientPlan":false,"patientCarePlanId":1254,"createdUserId":34567,"dateModified":"2022-01-24T08:25:34Z","thirdPartyProviderName":"My Insurance Co."}"#;

/// Serves `POST /AeronaAPI/v1/login` (token header) and `GET /AeronaAPI/v1/payments/{id}`
/// (the payment sample) on 127.0.0.1; returns the address.
pub async fn serve_payments() -> SocketAddr {
    use axum::routing::{get, post};
    let app = axum::Router::new()
        .route(
            "/AeronaAPI/v1/login",
            post(|| async { ([("aerona-auth-token", "bench-token")], "") }),
        )
        .route(
            "/AeronaAPI/v1/payments/{id}",
            get(|| async { ([("content-type", "application/json")], PAYMENT) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// The median (ns) criterion last estimated for `bench` (e.g. `sequential/full_client`) of
/// `group`, from `target/criterion/<group>/<bench>/new/estimates.json`.
pub fn criterion_median(group: &str, bench: &str) -> Option<f64> {
    let criterion = figures_dir().parent()?.join("criterion");
    // Criterion names the directory after the id with `/` turned into `_`.
    let path = criterion
        .join(group)
        .join(bench.replace('/', "_"))
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["median"]["point_estimate"].as_f64()
}

/// Where the custom benches write their figures: `$PRACTICE_BENCH_OUT`, else
/// `target/practice-bench/` of this workspace. `cargo xtask bench` reads them from there.
pub fn figures_dir() -> PathBuf {
    std::env::var_os("PRACTICE_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
            // crates/practice-bench → the workspace root.
            let root = crate_dir.ancestors().nth(2).unwrap_or(crate_dir);
            root.join("target/practice-bench")
        })
}

/// Writes `figures` as pretty JSON to `<figures_dir>/<name>.json` and returns the path.
pub fn write_figures(name: &str, figures: &serde_json::Value) -> std::io::Result<PathBuf> {
    let dir = figures_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(figures).map_err(std::io::Error::other)?;
    std::fs::write(&path, text + "\n")?;
    Ok(path)
}

/// Whether a quick run was asked for (`PRACTICE_BENCH_QUICK=1`, set by
/// `cargo xtask bench --quick`): fewer repetitions, same row counts.
pub fn quick() -> bool {
    std::env::var("PRACTICE_BENCH_QUICK").is_ok_and(|v| v == "1")
}
