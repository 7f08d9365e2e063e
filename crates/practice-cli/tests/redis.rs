//! Real `practice` processes sharing one account through Redis (`PRACTICE_REDIS_URL`): one
//! login and one budget for all of them.

#[path = "../../practice-redis/tests/support/redis_server.rs"]
mod redis_server;

use std::process::{Command, Output, Stdio};

use practice_sandbox::{Sandbox, SandboxConfig};
use redis_server::RedisServer;

/// Starts `practice aerona patient <ids>` against the sandbox's Aerona, sharing `redis`.
fn spawn(s: &Sandbox, redis_url: &str, on_failure: &str, ids: &[&str]) -> std::process::Child {
    let c = s.credentials();
    Command::new(env!("CARGO_BIN_EXE_practice"))
        .args(["aerona", "patient"])
        .args(ids)
        .env_clear()
        .env("AERONA_USERNAME", &c.aerona_username)
        .env("AERONA_PASSWORD", &c.aerona_password)
        .env("AERONA_BASE_URL", s.aerona_base_url())
        .env("PRACTICE_REDIS_URL", redis_url)
        .env("PRACTICE_REDIS_ON_FAILURE", on_failure)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

fn finish(child: std::process::Child) -> Output {
    child.wait_with_output().expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn processes_started_together_share_one_login_and_one_budget() {
    let redis = RedisServer::start();
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let ids = ["426700", "426701", "426702"];
    let children: Vec<_> = (0..3)
        .map(|_| spawn(&s, &redis.url(), "fail", &ids))
        .collect();
    let outputs: Vec<Output> =
        tokio::task::spawn_blocking(move || children.into_iter().map(finish).collect())
            .await
            .unwrap();
    for out in &outputs {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let records: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(records.as_array().map(Vec::len), Some(3));
    }
    assert_eq!(
        s.requests("aerona.login"),
        1,
        "one login for three processes"
    );
    assert_eq!(s.requests("aerona.getPatient"), 9);
    // Every request of every process was counted in the one shared budget.
    let username = &s.credentials().aerona_username;
    let counted = redis
        .query(&["ZCARD", &format!("practice:aerona:{username}:quota")])
        .unwrap();
    assert_eq!(counted, "10");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn an_unreachable_redis_fails_closed_or_goes_on_alone() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    redis.stop();
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();

    let closed = finish(spawn(&s, &url, "fail", &["426700"]));
    assert_eq!(closed.status.code(), Some(5));
    let message = String::from_utf8_lossy(&closed.stderr);
    assert!(message.contains("Redis"), "{message}");
    assert_eq!(
        s.requests("aerona.login") + s.requests("aerona.getPatient"),
        0
    );

    let alone = finish(spawn(&s, &url, "local", &["426700"]));
    assert_eq!(
        alone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
    let warning = String::from_utf8_lossy(&alone.stderr);
    assert!(warning.contains("Redis is unreachable"), "{warning}");

    let bad = finish(spawn(&s, &url, "sometimes", &["426700"]));
    assert_eq!(bad.status.code(), Some(2));
    s.stop().await;
}
