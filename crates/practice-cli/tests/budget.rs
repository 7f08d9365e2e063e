//! Aerona's budget at the vendor, on the real clock (issue 13): the sandbox counts requests
//! on arrival, after a random one-way delay of up to 250 ms, in windows of 10 per 2 s; the
//! real client — in this process, and as three `practice` processes sharing a real
//! `redis-server` — must never put more than 10 in any window, log in once for the whole
//! fleet, and recover from an invalidation with one login. Then the CLI's budget economy
//! (one request per search unless chunks are asked for) and `-v`'s budget line.

#[path = "../../practice-redis/tests/support/redis_server.rs"]
mod redis_server;

use std::collections::HashSet;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use aerona_api::{RateLimit, WhenExhausted};
use practice_sandbox::{Fault, Sandbox, SandboxConfig};
use redis_server::RedisServer;

const LIMIT: u32 = 10;
const WINDOW: Duration = Duration::from_secs(2);

async fn jittery_sandbox() -> Sandbox {
    Sandbox::start(
        SandboxConfig::default()
            .with_aerona_budget(LIMIT, WINDOW)
            .with_arrival_delay(Duration::ZERO..Duration::from_millis(250)),
    )
    .await
    .unwrap()
}

/// `practice [args]` against the sandbox's Aerona with the budget given as `10/2s`.
fn practice(s: &Sandbox, redis_url: Option<&str>, args: &[&str]) -> Command {
    let c = s.credentials();
    let mut command = Command::new(env!("CARGO_BIN_EXE_practice"));
    command
        .args(args)
        .env_clear()
        .env("AERONA_USERNAME", &c.aerona_username)
        .env("AERONA_PASSWORD", &c.aerona_password)
        .env("AERONA_BASE_URL", s.aerona_base_url())
        .env("AERONA_RATE_LIMIT", "10/2s")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = redis_url {
        command.env("PRACTICE_REDIS_URL", url);
    }
    command
}

/// Runs the commands as processes started together; their outputs, each checked for exit 0.
async fn together(commands: Vec<Command>) -> Vec<Output> {
    let children: Vec<_> = commands
        .into_iter()
        .map(|mut c| c.spawn().expect("the binary runs"))
        .collect();
    let outputs: Vec<Output> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("the binary runs"))
            .collect()
    })
    .await
    .unwrap();
    for out in &outputs {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    outputs
}

fn patient_ids(from: usize, n: usize) -> Vec<String> {
    (from..from + n)
        .map(|i| (426_700 + i).to_string())
        .collect()
}

fn assert_within_budget(s: &Sandbox) {
    let traffic = s.aerona_traffic();
    assert!(
        traffic.max_in_window <= LIMIT as usize,
        "{} requests arrived within one {WINDOW:?} window",
        traffic.max_in_window
    );
    assert_eq!(traffic.over_limit, 0);
    assert_eq!(traffic.invalidations, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_never_overfills_a_window_at_the_vendor() {
    let s = jittery_sandbox().await;
    let client = aerona_api::Client::builder(
        s.credentials().aerona_username.clone(),
        s.credentials().aerona_password.clone(),
    )
    .base_url(s.aerona_base_url())
    .rate_limit(
        RateLimit::new(LIMIT, WINDOW),
        WhenExhausted::Wait {
            max_wait: Duration::from_secs(60),
        },
    )
    .build()
    .unwrap();
    // Two rounds back to back: 16 concurrent calls, then 8.
    for (round, concurrency) in [16, 8].into_iter().enumerate() {
        let calls: Vec<_> = (0..concurrency)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move { client.patient(426_700 + (round * 20 + i) as i64).await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
    }
    assert_within_budget(&s);
    let traffic = s.aerona_traffic();
    assert_eq!(traffic.logins, 1);
    assert_eq!(traffic.arrivals.len(), 25, "24 calls and one login");
    // The budget is visible from our own count: the last slots still count.
    let budget = client
        .budget()
        .await
        .unwrap()
        .expect("a client-side budget");
    assert_eq!(budget.limit, Some(u64::from(LIMIT)));
    assert!(budget.remaining < u64::from(LIMIT), "{budget}");
    assert_eq!(budget.in_flight, 0);
    assert!(
        budget.remaining == 0 || budget.next_free_in.is_zero(),
        "{budget}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn three_processes_sharing_redis_never_overfill_a_window_and_log_in_once() {
    let redis = RedisServer::start();
    let s = jittery_sandbox().await;
    let url = redis.url();
    for round in 0..2 {
        let commands = (0..3)
            .map(|p| {
                let ids = patient_ids(round * 30 + p * 10, 8);
                let mut args = vec!["--concurrency", "8", "aerona", "patient"];
                args.extend(ids.iter().map(String::as_str));
                practice(&s, Some(&url), &args)
            })
            .collect();
        for out in together(commands).await {
            let records: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(records.as_array().map(Vec::len), Some(8));
        }
    }
    assert_within_budget(&s);
    let traffic = s.aerona_traffic();
    assert_eq!(traffic.logins, 1, "one login for the fleet");
    assert_eq!(traffic.arrivals.len(), 49, "48 calls and one login");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn after_an_invalidation_the_fleet_logs_in_once_more() {
    let redis = RedisServer::start();
    let s = jittery_sandbox().await;
    let url = redis.url();
    // A token in Redis first.
    together(vec![practice(
        &s,
        Some(&url),
        &["aerona", "patient", "426700"],
    )])
    .await;
    // The vendor refuses the stored token: the next three answers are 401.
    s.faults()
        .inject("aerona.getPatient", Fault::Status { status: 401 }, 3);
    let commands = (0..3)
        .map(|p| {
            let ids = patient_ids(p * 10, 3);
            let mut args = vec!["--concurrency", "3", "aerona", "patient"];
            args.extend(ids.iter().map(String::as_str));
            practice(&s, Some(&url), &args)
        })
        .collect();
    together(commands).await;
    let traffic = s.aerona_traffic();
    assert_eq!(
        traffic.logins, 2,
        "the first login and one renewal for the fleet"
    );
    assert_eq!(s.requests("aerona.login"), 2, "no login storm");
    assert_within_budget(&s);
    s.stop().await;
}

/// The records' `id`s, checking each appears once.
fn ids_once(out: &Output) -> HashSet<i64> {
    let records: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = records.as_array().expect("an array of records");
    let ids: HashSet<i64> = rows.iter().filter_map(|r| r["id"].as_i64()).collect();
    assert_eq!(ids.len(), rows.len(), "a record printed twice");
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_is_one_request_unless_chunks_are_asked_for() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let range = ["--from", "2024-01-01", "--to", "2024-12-31"];
    for (command, operation) in [
        ("payments", "aerona.searchPayments"),
        ("invoices", "aerona.searchInvoices"),
    ] {
        let before = s.requests(operation);
        let mut args = vec!["aerona", command];
        args.extend(range);
        let whole = &together(vec![practice(&s, None, &args)]).await[0];
        assert_eq!(s.requests(operation) - before, 1, "{command}: one request");
        let whole_ids = ids_once(whole);
        assert!(!whole_ids.is_empty());

        args.extend(["--chunk-days", "31"]);
        let chunked = &together(vec![practice(&s, None, &args)]).await[0];
        assert_eq!(
            s.requests(operation) - before,
            1 + 12,
            "{command}: 12 chunks"
        );
        assert_eq!(ids_once(chunked), whole_ids, "{command}: the same records");
    }
    let bad = practice(&s, None, &["aerona", "payments", "--chunk-days", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_prints_the_budget_at_the_end() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let out = &together(vec![practice(
        &s,
        None,
        &["-v", "aerona", "patient", "426700"],
    )])
    .await[0];
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Login and the patient: 2 of the 10 slots taken, both answered.
    assert!(
        stderr.contains("aerona budget: 8 of 10 left per 2s; next slot free now (our count)"),
        "{stderr}"
    );
    let c = s.credentials();
    let aloha = Command::new(env!("CARGO_BIN_EXE_practice"))
        .args(["-v", "aloha", "clients"])
        .env_clear()
        .env("ALOHA_CLIENT_ID", &c.aloha_client_id)
        .env("ALOHA_SECRET_KEY", &c.aloha_secret_key)
        .env("ALOHA_BASE_URL", s.aloha_base_url())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&aloha.stderr);
    assert_eq!(aloha.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("aloha budget: "), "{stderr}");
    assert!(stderr.contains("(the vendor's headers)"), "{stderr}");
    assert!(stderr.contains(" of 1000 left"), "{stderr}");
    s.stop().await;
}
