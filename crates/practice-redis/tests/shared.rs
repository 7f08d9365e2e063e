//! A fleet sharing one Redis: one budget, one login, a crashed renewer, and Redis going away
//! and coming back under both failure policies. Each "process" is a client with its own
//! `RedisStore` (its own connection), so nothing is shared but Redis; `practice-cli`'s tests
//! run real processes.

#[path = "../../practice-core/tests/support/mod.rs"]
mod core_support;
mod support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use core_support::{FakeServer, GetThing, SECRET, TOKEN_PREFIX};
use http::Request;
use practice_core::{
    ErrorKind, HttpClient, QuotaPolicy, RateLimit, RenewalPolicy, TokenStore, TransportService,
    WhenExhausted,
};
use practice_redis::{OnFailure, RedisStore};
use support::redis_server::RedisServer;
use tokio::time::Instant;
use tower::ServiceExt;

/// The credential key the test vendor's clients share (`<vendor>:<credential>`).
const KEY: &str = "test:user-1";

fn store(server: &RedisServer, on_failure: OnFailure) -> Arc<RedisStore> {
    Arc::new(
        RedisStore::builder(server.url())
            .on_failure(on_failure)
            .connect_timeout(Duration::from_millis(300))
            .response_timeout(Duration::from_millis(500))
            .build()
            .unwrap(),
    )
}

/// The fake vendor, with logins that take `login_takes`, so that renewals overlap.
fn vendor(fake: &FakeServer, login_takes: Duration) -> TransportService {
    let inner = fake.service();
    TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
        let inner = inner.clone();
        async move {
            // The server records the request on arrival; its answer comes `login_takes` later.
            let login = request.uri().path().ends_with("/login");
            let response = inner.oneshot(request).await;
            if login {
                tokio::time::sleep(login_takes).await;
            }
            response
        }
    }))
}

fn client(
    fake: &FakeServer,
    store: Arc<RedisStore>,
    limit: Option<RateLimit>,
    login_takes: Duration,
) -> HttpClient {
    fake.client(|b| {
        b.transport_service(vendor(fake, login_takes))
            .quota(QuotaPolicy::new(
                limit,
                WhenExhausted::wait_up_to(Duration::from_secs(30)),
            ))
            .token_store(store.clone())
            .quota_store(store)
            .renewal(RenewalPolicy::default().with_claim_hold(Duration::from_secs(2)))
    })
}

/// The most requests that arrived within any `window`.
fn busiest_window(fake: &FakeServer, window: Duration) -> usize {
    let mut at: Vec<Instant> = fake.seen().iter().map(|s| s.at).collect();
    at.sort();
    (0..at.len())
        .map(|i| at[i..].iter().take_while(|t| **t < at[i] + window).count())
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn one_budget_and_one_login_for_the_whole_fleet() {
    let redis = RedisServer::start();
    let fake = FakeServer::ok();
    let window = Duration::from_millis(500);
    let limit = RateLimit::new(15, window).with_safety_margin(Duration::from_millis(250));
    let (processes, calls) = (6, 10);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..processes {
        let client = client(
            &fake,
            store(&redis, OnFailure::FailClosed),
            Some(limit.clone()),
            Duration::from_millis(100),
        );
        for c in 0..calls {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client.execute(&GetThing(p * 100 + c)).await
            }));
        }
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();

    assert_eq!(fake.logins(), 1, "one login for six processes");
    let sent = fake.seen().len();
    assert_eq!(sent, 61, "60 calls and the login, each counted once");
    let busiest = busiest_window(&fake, window);
    assert!(
        busiest <= 15,
        "{busiest} requests arrived within one window"
    );
    // 61 requests at 15 per 750 ms (window + margin): the last batch starts after four full spans.
    assert!(elapsed >= 4 * Duration::from_millis(750), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");

    // Waiting callers were told when to come back, not left to poll (a poll every 10 ms
    // would be thousands of calls). The bound is the one `practice_redis::quota` documents:
    // one script call per reservation and one per release; for each waiting process at most
    // one re-check per span of the run as it took (8 at the least); one per slot it is told
    // of (at most one per request); the token claim, its release and script loads. (It used
    // to leave out the told-of slots: fine on an idle machine, 191 to 206 calls, one run in
    // four or more, on a loaded one.)
    let stats = redis.query(&["INFO", "commandstats"]).unwrap();
    let evalsha = stats
        .lines()
        .find_map(|l| l.strip_prefix("cmdstat_evalsha:calls="))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let span = window + Duration::from_millis(250);
    let spans = usize::try_from(elapsed.as_millis().div_ceil(span.as_millis())).unwrap_or(8);
    assert!(
        evalsha <= 3 * sent + processes as usize * spans.max(8) + 20,
        "{evalsha} script calls for {sent} requests in {spans} spans ({elapsed:?})"
    );

    // The keys name the vendor and the credential's identity, never a secret or a token.
    let keys = redis.query(&["KEYS", "*"]).unwrap();
    for key in keys.lines() {
        assert!(key.starts_with("practice:test:user-1:"), "{key}");
        assert!(
            !key.contains(SECRET) && !key.contains(TOKEN_PREFIX),
            "{key}"
        );
    }
}

/// The environment variable that makes [`a_renewer_killed_mid_login_does_not_block_the_fleet`],
/// run again as a child process, act as the renewer its parent kills.
const CHILD_REDIS_URL: &str = "PRACTICE_REDIS_TEST_CHILD_URL";

/// The child process's part: it claims the renewal through a real client whose login never
/// answers, and is killed there by the parent.
async fn renewer_that_hangs_in_login(url: String) -> ! {
    let store = Arc::new(RedisStore::builder(url).build().unwrap());
    let fake = FakeServer::ok();
    let client = client(&fake, store, None, Duration::from_secs(3600));
    let _ = client.execute(&GetThing(1)).await;
    unreachable!("the login never answers; the parent kills this process first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_renewer_killed_mid_login_does_not_block_the_fleet() {
    if let Ok(url) = std::env::var(CHILD_REDIS_URL) {
        renewer_that_hangs_in_login(url).await;
    }
    let redis = RedisServer::start();
    // Another process claims the renewal, starts logging in, and is killed (SIGKILL) there.
    let mut renewer = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "a_renewer_killed_mid_login_does_not_block_the_fleet",
            "--exact",
            "--include-ignored",
        ])
        .env(CHILD_REDIS_URL, redis.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let claim = format!("practice:{KEY}:token-claim");
    let deadline = Instant::now() + Duration::from_secs(20);
    while redis.query(&["EXISTS", &claim]).as_deref() != Some("1") {
        assert!(
            Instant::now() < deadline,
            "the child never claimed the renewal"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    renewer.kill().unwrap();
    renewer.wait().unwrap();

    let fake = FakeServer::ok();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..4 {
        let client = client(
            &fake,
            store(&redis, OnFailure::FailClosed),
            None,
            Duration::from_millis(50),
        );
        tasks.push(tokio::spawn(
            async move { client.execute(&GetThing(p)).await },
        ));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(
        fake.logins(),
        1,
        "the claim lapsed, then one process logged in"
    );
    // The dead process's claim (2 s) ran out; nobody waited much longer than that.
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(redis.query(&["EXISTS", &claim]).as_deref(), Some("0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn redis_down_fails_closed_and_recovers_by_itself() {
    let mut redis = RedisServer::start();
    let fake = FakeServer::ok();
    let limit = RateLimit::new(100, Duration::from_secs(60));
    let store = store(&redis, OnFailure::FailClosed);
    let client = client(&fake, store.clone(), Some(limit), Duration::ZERO);
    client.execute(&GetThing(1)).await.unwrap();
    let sent_before = fake.seen().len();

    redis.stop();
    let err = client.execute(&GetThing(2)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SharedState, "{err}");
    assert_eq!(
        fake.seen().len(),
        sent_before,
        "nothing sent without the shared budget"
    );
    assert!(!store.is_reachable());
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains(TOKEN_PREFIX),
        "{shown}"
    );

    redis.restart();
    client.execute(&GetThing(3)).await.unwrap();
    assert!(store.is_reachable());
    // The restarted Redis is empty: the token is gone, so one more login.
    assert_eq!(fake.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn redis_down_falls_back_to_local_state_and_returns_to_shared() {
    let mut redis = RedisServer::start();
    let fake = FakeServer::ok();
    let limit = RateLimit::new(100, Duration::from_secs(60));
    let store = store(&redis, OnFailure::UseLocal);
    let client = client(&fake, store.clone(), Some(limit), Duration::ZERO);
    client.execute(&GetThing(1)).await.unwrap();

    redis.stop();
    for id in 2..5 {
        client.execute(&GetThing(id)).await.unwrap();
    }
    assert!(!store.is_reachable());
    // Alone, the process logged in once for itself and kept that token.
    assert_eq!(fake.logins(), 2);

    redis.restart();
    client.execute(&GetThing(5)).await.unwrap();
    assert!(store.is_reachable());
    let keys = redis.query(&["KEYS", "*"]).unwrap();
    assert!(keys.contains("practice:test:user-1:token"), "{keys}");
    assert!(keys.contains("practice:test:user-1:quota"), "{keys}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_token_is_shared_with_its_remaining_lifetime() {
    let redis = RedisServer::start();
    let one = store(&redis, OnFailure::FailClosed);
    let other = store(&redis, OnFailure::FailClosed);
    let token = practice_core::Token::valid_for(
        practice_core::Secret::new("tok-shared"),
        Duration::from_secs(120),
    )
    .with_refresh(practice_core::Secret::new("refresh-shared"));
    one.put(KEY, token.clone()).await.unwrap();

    let seen = other
        .get(KEY)
        .await
        .unwrap()
        .expect("the other process sees it");
    assert_eq!(seen.access().expose(), "tok-shared");
    assert_eq!(seen.refresh().unwrap().expose(), "refresh-shared");
    let left = seen.expires_at() - Instant::now();
    assert!(
        left > Duration::from_secs(118) && left <= Duration::from_secs(120),
        "{left:?}"
    );

    // A 401 evicts the rejected token only.
    let newer = practice_core::Token::valid_for(
        practice_core::Secret::new("tok-newer"),
        Duration::from_secs(60),
    );
    other.put(KEY, newer).await.unwrap();
    one.remove_if_same(KEY, &token).await.unwrap();
    assert_eq!(
        one.get(KEY).await.unwrap().unwrap().access().expose(),
        "tok-newer"
    );
    let evicted = one.get(KEY).await.unwrap().unwrap();
    one.remove_if_same(KEY, &evicted).await.unwrap();
    assert!(other.get(KEY).await.unwrap().is_none());

    // Debug output shows neither the URL nor a token.
    let shown = format!("{one:?} {seen:?}");
    assert!(
        !shown.contains("tok-") && !shown.contains("redis://"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_redis_that_is_down_at_start_is_used_once_it_is_up() {
    let mut redis = RedisServer::start();
    redis.stop();
    let fake = FakeServer::ok();
    let store = store(&redis, OnFailure::FailClosed);
    let client = client(&fake, store.clone(), None, Duration::ZERO);
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SharedState, "{err}");
    assert!(fake.seen().is_empty(), "nothing sent, not even a login");

    redis.restart();
    client.execute(&GetThing(2)).await.unwrap();
    assert!(store.is_reachable());
    assert_eq!(fake.logins(), 1);
}

/// A slot counts from its grant until its answer plus one span; one never answered (its
/// process died) lapses at grant + `lapse_after`, then counts one more span. Never for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn a_slot_spans_send_to_answer_and_an_abandoned_one_lapses() {
    use practice_core::QuotaStore;
    use practice_core::quota::{Reservation, SlotRequest};
    let redis = RedisServer::start();
    let store = store(&redis, OnFailure::FailClosed);
    let limit = RateLimit::new(1, Duration::from_millis(400));
    let ask = |max_wait| SlotRequest {
        max_wait,
        lapse_after: Duration::from_millis(600),
    };
    let retry_after = |r: Reservation| match r {
        Reservation::Denied { retry_after } => retry_after,
        other => panic!("{other:?}"),
    };
    let Reservation::Granted { slot: Some(slot) } = store
        .reserve(KEY, Some(&limit), ask(Duration::ZERO))
        .await
        .unwrap()
    else {
        panic!("the first slot is free");
    };
    // In flight: the slot may count until its lapse bound plus one window.
    let bound = retry_after(
        store
            .reserve(KEY, Some(&limit), ask(Duration::ZERO))
            .await
            .unwrap(),
    );
    assert!(bound > Duration::from_millis(900), "{bound:?}");
    let status = store.status(KEY, &limit).await.unwrap();
    assert_eq!((status.remaining, status.in_flight), (0, 1));
    // Answered: it counts one window from now.
    store.release(KEY, slot).await.unwrap();
    let after = retry_after(
        store
            .reserve(KEY, Some(&limit), ask(Duration::ZERO))
            .await
            .unwrap(),
    );
    assert!(
        after <= Duration::from_millis(400) && after > Duration::from_millis(300),
        "{after:?}"
    );
    // A waiter is granted once that window has passed.
    let waited = Instant::now();
    let Reservation::Granted {
        slot: Some(_abandoned),
    } = store
        .reserve(KEY, Some(&limit), ask(Duration::from_secs(5)))
        .await
        .unwrap()
    else {
        panic!("granted after the window");
    };
    assert!(
        waited.elapsed() < Duration::from_millis(600),
        "{:?}",
        waited.elapsed()
    );
    // Never released (a crashed process): lapses at 600 ms, counts 400 ms more, then frees.
    let waited = Instant::now();
    let granted = store
        .reserve(KEY, Some(&limit), ask(Duration::from_secs(5)))
        .await
        .unwrap();
    assert!(matches!(granted, Reservation::Granted { .. }));
    let took = waited.elapsed();
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}

/// Absurd times from a caller or from Redis neither panic nor wait for ever: a wait of
/// `Duration::MAX` for a spent budget ends when the slot frees, and a token Redis says lives
/// ten more years is believed for one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn absurd_waits_and_lifetimes_are_bounded() {
    use practice_core::QuotaStore;
    use practice_core::quota::{Reservation, SlotRequest};
    let redis = RedisServer::start();
    let store = store(&redis, OnFailure::FailClosed);
    let limit = RateLimit::new(1, Duration::from_millis(300));
    let ask = SlotRequest {
        max_wait: Duration::MAX,
        lapse_after: Duration::from_millis(200),
    };
    let first = store.reserve(KEY, Some(&limit), ask).await.unwrap();
    assert!(matches!(first, Reservation::Granted { slot: Some(_) }));
    // Never answered: it lapses at 200 ms and counts 300 ms more.
    let waited = Instant::now();
    let second = store.reserve(KEY, Some(&limit), ask).await.unwrap();
    assert!(
        matches!(second, Reservation::Granted { slot: Some(_) }),
        "{second:?}"
    );
    assert!(
        waited.elapsed() < Duration::from_secs(3),
        "{:?}",
        waited.elapsed()
    );

    let ten_years = Duration::from_secs(10 * 366 * 86_400);
    let token = practice_core::Token::new(
        practice_core::Secret::new("tok-long"),
        Instant::now().checked_add(ten_years).unwrap(),
    );
    store.put(KEY, token).await.unwrap();
    let seen = store.get(KEY).await.unwrap().expect("stored");
    let believed = seen.expires_at().saturating_duration_since(Instant::now());
    assert!(
        believed <= practice_core::Token::MAX_LIFETIME,
        "{believed:?}"
    );
    assert!(believed > Duration::from_secs(365 * 86_400), "{believed:?}");
}
