//! The Redis budget after a try that *ended* with an error at `T`: its slot counts until one
//! window after `T`, not until its lapse bound (grant + per-try timeout); a try that timed
//! out keeps the bound. The quota layer tells the store by releasing the slot (see
//! `practice_core::layer::quota`); these tests check that Redis's count honours it, on the
//! real clock with one-second windows, and end to end against a server that drops the first
//! connection.

#[path = "../../practice-core/tests/support/mod.rs"]
mod core_support;
mod support;

use std::sync::Arc;
use std::time::Duration;

use core_support::loopback::call_through_a_dropped_connection;
use core_support::{FakeServer, GetThing, Reply};
use practice_core::{Dispatch, Error, ErrorKind, QuotaPolicy, RateLimit, Timeouts, WhenExhausted};
use practice_redis::{OnFailure, RedisStore};
use support::redis_server::RedisServer;

const MS: fn(u64) -> Duration = Duration::from_millis;
const WINDOW: Duration = Duration::from_secs(1);

fn store(server: &RedisServer) -> Arc<RedisStore> {
    Arc::new(
        RedisStore::builder(server.url())
            .on_failure(OnFailure::FailClosed)
            .build()
            .unwrap(),
    )
}

fn one_per_window() -> QuotaPolicy {
    QuotaPolicy::new(
        Some(RateLimit::new(1, WINDOW)),
        WhenExhausted::wait_up_to(Duration::from_secs(120)),
    )
}

/// How long after the first try the retry was sent, when the first fails after 100 ms as
/// `failure` says, with the budget in Redis and a per-try timeout of `per_try`.
async fn retry_gap(redis: &RedisServer, failure: Error, per_try: Duration) -> Duration {
    let what = format!("{:?}", failure.kind());
    let failure = std::sync::Mutex::new(Some(failure));
    let fake = FakeServer::new(move |_, n| match (n, failure.lock().unwrap().take()) {
        (0, Some(err)) => Reply::Delay(MS(100), Box::new(Reply::Fail(err))),
        _ => Reply::Status(200, r#"{"ok":true}"#),
    });
    let client = fake.client(|b| {
        b.quota(one_per_window())
            .quota_store(store(redis))
            .timeouts(Timeouts::per_try(per_try))
    });
    client.execute(&GetThing(1)).await.unwrap();
    let sent: Vec<_> = fake.requests().iter().map(|s| s.at).collect();
    assert_eq!(sent.len(), 2, "one failed try, one retry");
    let gap = sent[1] - sent[0];
    eprintln!("retry after a {what} at 1/1s in Redis: {gap:?} after the first try");
    gap
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_try_that_ended_in_an_error_frees_its_redis_slot_one_window_after_the_error() {
    let redis = RedisServer::start();
    let reset = Error::new(ErrorKind::Transport, "reset").with_dispatch(Dispatch::MaybeSent);
    // The try ends 100 ms after it was sent: the retry goes one window after that (1.1 s),
    // not one window after its lapse bound (60 s + 1 s).
    let gap = retry_gap(&redis, reset, Duration::from_secs(60)).await;
    assert!(gap >= MS(1_100), "the window still holds: {gap:?}");
    assert!(gap < MS(1_600), "{gap:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_try_that_timed_out_keeps_its_redis_slot_until_its_lapse_bound() {
    let redis = RedisServer::start();
    let timeout = Error::new(ErrorKind::Timeout, "no answer");
    // Reported after 100 ms, but the request may still be on its way: its slot counts until
    // its grant + the 1 s per-try timeout, then one window more (2 s), not 1.1 s.
    let gap = retry_gap(&redis, timeout, Duration::from_secs(1)).await;
    assert!(gap >= MS(2_000), "{gap:?}");
    assert!(gap < MS(2_600), "{gap:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_dropped_connection_at_one_request_per_second_in_redis_costs_a_second_not_a_minute() {
    let redis = RedisServer::start();
    let took =
        call_through_a_dropped_connection(|b| b.quota(one_per_window()).quota_store(store(&redis)))
            .await;
    // The login (0 s), the dropped try (1 s), the retry one window after the drop (2 s): the
    // per-try bound (60 s by default) is never waited for.
    eprintln!("dropped-connection call at 1/1s with the budget in Redis took {took:?}");
    assert!(
        took >= Duration::from_secs(2),
        "the budget still holds: {took:?}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
    // Counted in Redis (fail-closed: no local fallback), and nothing left in flight.
    let keys = redis.query(&["KEYS", "*"]).unwrap();
    assert!(keys.contains("practice:test:user-1:quota"), "{keys}");
    let status = practice_core::QuotaStore::status(
        &*store(&redis),
        "test:user-1",
        &RateLimit::new(1, WINDOW),
    )
    .await
    .unwrap();
    assert_eq!(status.in_flight, 0, "{status:?}");
}
