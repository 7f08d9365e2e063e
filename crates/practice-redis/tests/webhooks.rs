//! Webhook receiver replicas sharing one Redis for deduplication: a delivery handled once
//! across replicas, a crashed replica's claim lapsing so a retry handles it, and a failed
//! handler's claim released for the retry. Each replica is a `WebhookReceiver` with its own
//! `RedisStore` (its own connection), so nothing is shared but Redis. Redis expires keys on its
//! own clock, so the lapse test waits for real, briefly.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aerona_api::webhooks::{
    DEFAULT_RETENTION, Delivery, DeliveryCheck, HandlerOutcome, WebhookReceiver,
};
use bytes::Bytes;
use http::{Request, StatusCode};
use practice_redis::{DeliveryClaim, OnFailure, RedisDedupStore, RedisStore};
use support::redis_server::RedisServer;
use tower::ServiceExt;

const BODY: &str = r#"{"event":"Appointment","action":"updated","appointmentId":42}"#;

fn store(server: &RedisServer, on_failure: OnFailure) -> RedisStore {
    RedisStore::builder(server.url())
        .on_failure(on_failure)
        .connect_timeout(Duration::from_millis(300))
        .response_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// A replica: its own connection to Redis, and a handler that counts its runs, takes
/// `takes`, and asks for redelivery on the runs listed in `redeliver_on`.
fn replica(
    server: &RedisServer,
    runs: &Arc<AtomicUsize>,
    takes: Duration,
    redeliver_on: &'static [usize],
) -> WebhookReceiver {
    let runs = runs.clone();
    WebhookReceiver::new(
        DeliveryCheck::new().path_token("tok"),
        move |_delivery: Delivery| {
            let run = runs.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(takes).await;
                if redeliver_on.contains(&run) {
                    HandlerOutcome::Redeliver
                } else {
                    HandlerOutcome::Done
                }
            }
        },
    )
    .dedup_store(Arc::new(RedisDedupStore::new(&store(
        server,
        OnFailure::FailClosed,
    ))))
}

async fn deliver(receiver: &WebhookReceiver) -> StatusCode {
    let request = Request::post("/hooks/tok").body(BODY.to_owned()).unwrap();
    receiver.clone().oneshot(request).await.unwrap().status()
}

/// The Redis key of [`BODY`]'s delivery, under the default prefix.
fn redis_key() -> String {
    let delivery = Delivery::from_body(Bytes::from_static(BODY.as_bytes()));
    format!("practice:{}:delivery", delivery.dedup_key())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn two_replicas_handle_a_delivery_once() {
    let server = RedisServer::start();
    let runs = Arc::new(AtomicUsize::new(0));
    let a = replica(&server, &runs, Duration::from_millis(300), &[]);
    let b = replica(&server, &runs, Duration::from_millis(300), &[]);

    // Both copies arrive together: one is handled, the other answered 503 (Aerona retries it).
    let (first, second) = tokio::join!(deliver(&a), deliver(&b));
    let mut statuses = [first, second];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE],
        "one handled, the copy in progress told to retry"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // The retry, at either replica, is recognised as handled.
    assert_eq!(deliver(&b).await, StatusCode::OK);
    assert_eq!(deliver(&a).await, StatusCode::OK);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "handled once across replicas"
    );

    // Bounded: the handled mark expires after the retention (25 hours).
    let key = redis_key();
    assert_eq!(
        server.query(&["GET", &key]).as_deref(),
        Some("handled"),
        "{key}"
    );
    let left_ms: u128 = server.query(&["PTTL", &key]).unwrap().parse().unwrap();
    assert!(left_ms <= DEFAULT_RETENTION.as_millis(), "{left_ms}");
    assert!(
        left_ms > DEFAULT_RETENTION.as_millis() - 60_000,
        "{left_ms}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_crashed_replicas_claim_lapses_and_the_retry_handles_it() {
    let server = RedisServer::start();
    // A replica claims the delivery and dies before its handler finishes: nothing ends the
    // claim but its lease.
    let crashed = RedisDedupStore::new(&store(&server, OnFailure::FailClosed));
    let key = Delivery::from_body(Bytes::from_static(BODY.as_bytes()))
        .dedup_key()
        .to_owned();
    let lease = Duration::from_millis(300);
    assert_eq!(
        crashed.claim(&key, lease).await.unwrap(),
        DeliveryClaim::New
    );
    drop(crashed);

    let runs = Arc::new(AtomicUsize::new(0));
    let survivor = replica(&server, &runs, Duration::ZERO, &[]);
    assert_eq!(
        deliver(&survivor).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "while the claim is live, the delivery may still be handled there"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    tokio::time::sleep(lease + Duration::from_millis(200)).await;
    assert_eq!(deliver(&survivor).await, StatusCode::OK);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the retry after the lapse handled it"
    );
    assert_eq!(deliver(&survivor).await, StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_failed_handler_is_released_and_the_retry_handles_it() {
    let server = RedisServer::start();
    let runs = Arc::new(AtomicUsize::new(0));
    // The first run fails (asks for redelivery); later runs succeed.
    let a = replica(&server, &runs, Duration::ZERO, &[0]);
    let b = replica(&server, &runs, Duration::ZERO, &[0]);

    assert_eq!(deliver(&a).await, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        server.query(&["EXISTS", &redis_key()]).as_deref(),
        Some("0"),
        "released: nothing remembered"
    );
    assert_eq!(deliver(&b).await, StatusCode::OK, "the retry is handled");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(deliver(&a).await, StatusCode::OK);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "and marked handled only then"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_release_leaves_another_replicas_claim_alone() {
    let server = RedisServer::start();
    let slow = RedisDedupStore::new(&store(&server, OnFailure::FailClosed));
    let other = RedisDedupStore::new(&store(&server, OnFailure::FailClosed));
    let third = RedisDedupStore::new(&store(&server, OnFailure::FailClosed));
    let key = "test-webhook:1";
    let short = Duration::from_millis(100);
    assert_eq!(slow.claim(key, short).await.unwrap(), DeliveryClaim::New);
    tokio::time::sleep(short + Duration::from_millis(100)).await;
    let lease = Duration::from_secs(60);
    assert_eq!(other.claim(key, lease).await.unwrap(), DeliveryClaim::New);

    // The replica whose claim lapsed fails and releases: the live claim stays.
    slow.release(key).await.unwrap();
    assert_eq!(
        third.claim(key, lease).await.unwrap(),
        DeliveryClaim::InProgress
    );
    other.mark_handled(key, lease).await.unwrap();
    assert_eq!(
        third.claim(key, lease).await.unwrap(),
        DeliveryClaim::Handled
    );
    // A release after the mark changes nothing either: handled stays handled.
    other.release(key).await.unwrap();
    assert_eq!(
        third.claim(key, lease).await.unwrap(),
        DeliveryClaim::Handled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn redis_unreachable_is_an_error_under_both_policies() {
    let mut server = RedisServer::start();
    let runs = Arc::new(AtomicUsize::new(0));
    let fail_closed = replica(&server, &runs, Duration::ZERO, &[]);
    let use_local = RedisDedupStore::new(&store(&server, OnFailure::UseLocal));
    server.stop();

    assert_eq!(
        deliver(&fail_closed).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "no store, no handling: Aerona retries later"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    let err = use_local
        .claim("test-webhook:2", Duration::from_secs(1))
        .await;
    assert_eq!(
        err.unwrap_err().kind(),
        practice_core::ErrorKind::SharedState,
        "a replica's own memory means nothing to the others"
    );

    // Back: the first call may find the old connection dead (and reconnect); a retry is
    // handled, once.
    server.restart();
    let mut answers = Vec::new();
    while answers.last() != Some(&StatusCode::OK) && answers.len() < 5 {
        answers.push(deliver(&fail_closed).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answers.last(), Some(&StatusCode::OK), "{answers:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(deliver(&fail_closed).await, StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
