//! The composed stack on tokio's paused clock: tokens, retries, quota, timeouts.

mod support;

use std::sync::Arc;
use std::time::Duration;

use practice_core::auth::BoxFuture;
use practice_core::{
    ClaimId, Dispatch, Error, ErrorKind, InMemoryTokenStore, QuotaPolicy, RateLimit, RenewalClaim,
    RenewalPolicy, RetryConfig, Secret, Timeouts, Token, TokenStore, WhenExhausted,
};
use support::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_hundred_concurrent_calls_cause_exactly_one_login() {
    let server = FakeServer::new(|_, _| {
        Reply::Delay(Duration::from_millis(5), Box::new(Reply::Status(200, "{}")))
    });
    let client = server.client(|b| b);
    let calls = (0..100).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.execute(&GetThing(i)).await })
    });
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.logins(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 100);
    assert!(requests.iter().all(|r| r.token.as_deref() == Some("tok-1")));
    assert!(
        requests
            .iter()
            .all(|r| r.user_agent.as_deref() == Some("test-agent/1.0"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_401_causes_one_renewal_and_one_replay() {
    // The first token is refused once; the renewed one works.
    let server = FakeServer::new(|seen, _| match seen.token.as_deref() {
        Some("tok-1") => Reply::Status(401, "expired"),
        _ => Reply::Status(200, r#"{"id":7}"#),
    });
    let client = server.client(|b| b);
    let value = client.execute(&GetThing(7)).await.unwrap();
    assert_eq!(value["id"], 7);
    assert_eq!(server.logins(), 2);
    let tokens: Vec<_> = server
        .requests()
        .into_iter()
        .map(|r| r.token.unwrap())
        .collect();
    assert_eq!(tokens, ["tok-1", "tok-2"]);
}

#[tokio::test(start_paused = true)]
async fn a_second_401_is_an_authentication_error_without_a_loop() {
    let server = FakeServer::new(|_, _| Reply::Status(401, "no"));
    let client = server.client(|b| b);
    let err = client.execute(&GetThing(7)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.operation(), Some("getThing"));
    assert_eq!(server.logins(), 2, "one login, one renewal");
    assert_eq!(server.requests().len(), 2, "one try, one replay");
}

#[tokio::test(start_paused = true)]
async fn concurrent_401s_share_one_renewal() {
    // Twenty calls share the first login, are all refused, and share one renewal.
    let server = FakeServer::new(|seen, _| match seen.token.as_deref() {
        Some("tok-1") => Reply::Delay(Duration::from_millis(10), Box::new(Reply::Status(401, ""))),
        _ => Reply::Status(200, "{}"),
    });
    let client = server.client(|b| b);
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.execute(&GetThing(i)).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.logins(), 2, "one login, one renewal");
    assert_eq!(
        server.requests().len(),
        40,
        "each call: one refused try, one replay"
    );
}

#[tokio::test(start_paused = true)]
async fn tokens_are_renewed_before_they_expire() {
    let server = FakeServer::ok();
    let client = server
        .client(|b| b.renewal(RenewalPolicy::default().with_margin(Duration::from_secs(300))));
    client.execute(&GetThing(1)).await.unwrap();
    tokio::time::advance(Duration::from_secs(50 * 60)).await;
    client.execute(&GetThing(2)).await.unwrap();
    assert_eq!(
        server.logins(),
        1,
        "50 minutes into a 60-minute token: no renewal yet"
    );
    tokio::time::advance(Duration::from_secs(6 * 60)).await;
    client.execute(&GetThing(3)).await.unwrap();
    assert_eq!(server.logins(), 2, "within the 5-minute margin: renewed");
    let tokens: Vec<_> = server
        .requests()
        .into_iter()
        .map(|r| r.token.unwrap())
        .collect();
    assert_eq!(tokens, ["tok-1", "tok-1", "tok-2"]);
}

#[tokio::test(start_paused = true)]
async fn a_failed_renewal_keeps_a_token_that_is_still_valid() {
    let server = FakeServer::ok();
    let client = server.client(|b| b);
    client.execute(&GetThing(1)).await.unwrap();
    tokio::time::advance(Duration::from_secs(57 * 60)).await;
    server.set_login_fails(true);
    client.execute(&GetThing(2)).await.unwrap();
    let tries = server.logins();
    // Within the back-off after a failed renewal, calls do not hammer the login.
    client.execute(&GetThing(3)).await.unwrap();
    assert_eq!(server.logins(), tries);
    let tokens: Vec<_> = server
        .requests()
        .into_iter()
        .map(|r| r.token.unwrap())
        .collect();
    assert_eq!(tokens, ["tok-1", "tok-1", "tok-1"]);
    // Once expired, the failure surfaces.
    tokio::time::advance(Duration::from_secs(4 * 60)).await;
    let err = client.execute(&GetThing(4)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
    assert_eq!(err.dispatch(), Dispatch::NotSent);
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_within_backoff_bounds() {
    let server = FakeServer::new(|_, n| {
        if n == 0 {
            Reply::Status(500, "")
        } else {
            Reply::Status(200, "{}")
        }
    });
    let client = server.client(|b| b);
    let started = Instant::now();
    client.execute(&GetThing(1)).await.unwrap();
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() <= Duration::from_millis(100),
        "first retry waits at most the initial backoff"
    );

    let server = FakeServer::new(|_, _| Reply::Status(500, "boom"));
    let client = server.client(|b| b);
    let started = Instant::now();
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status().unwrap().as_u16(), 500);
    assert_eq!(server.requests().len(), 4, "max_attempts = 4");
    // Full jitter: total wait ≤ 100 + 200 + 400 ms.
    assert!(
        started.elapsed() <= Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
    let bodies: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
    assert!(bodies.iter().all(|m| m == http::Method::GET));
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_bounded_by_the_deadline() {
    let server = FakeServer::new(|_, n| {
        if n == 0 {
            Reply::StatusWithHeader(503, "busy", "retry-after", "7".into())
        } else {
            Reply::Status(200, "{}")
        }
    });
    let client = server.client(|b| b);
    client.execute(&GetThing(1)).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests[1].at - requests[0].at, Duration::from_secs(7));

    // A Retry-After beyond the deadline is not waited for: the caller gets it.
    let server =
        FakeServer::new(|_, _| Reply::StatusWithHeader(503, "", "retry-after", "600".into()));
    let client =
        server.client(|b| b.retry(RetryConfig::default().with_deadline(Duration::from_secs(60))));
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
}

#[tokio::test(start_paused = true)]
async fn a_write_is_never_retried_once_it_may_have_been_sent() {
    for reply in [
        || Reply::Status(500, ""),
        || Reply::Status(503, ""),
        || {
            Reply::Fail(
                Error::new(ErrorKind::Transport, "reset").with_dispatch(Dispatch::MaybeSent),
            )
        },
        || Reply::Delay(Duration::from_secs(120), Box::new(Reply::Status(200, "{}"))),
    ] {
        let server = FakeServer::new(move |_, _| reply());
        let client = server.client(|b| b.timeouts(Timeouts::per_try(Duration::from_secs(30))));
        let err = client.execute(&CreateThing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
        assert_eq!(err.operation(), Some("createThing"));
        assert_eq!(server.requests().len(), 1, "exactly one request: {err}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_write_that_never_left_is_retried_with_the_identical_body() {
    let server = FakeServer::new(|_, n| {
        if n == 0 {
            Reply::Fail(
                Error::new(ErrorKind::Transport, "refused").with_dispatch(Dispatch::NotSent),
            )
        } else {
            Reply::Status(201, r#"{"id":1}"#)
        }
    });
    let client = server.client(|b| b);
    client.execute(&CreateThing).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(&requests[1].body[..], br#"{"name":"widget"}"#);
}

#[tokio::test(start_paused = true)]
async fn a_429_on_a_write_is_final_and_says_when_to_retry() {
    let server = FakeServer::new(|_, _| {
        Reply::StatusWithHeader(429, "slow down", "retry-after", "30".into())
    });
    let client = server.client(|b| b);
    let err = client.execute(&CreateThing).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_times_out_and_an_idempotent_call_retries() {
    let server = FakeServer::new(|_, n| {
        if n == 0 {
            Reply::Delay(Duration::from_secs(120), Box::new(Reply::Status(200, "{}")))
        } else {
            Reply::Status(200, r#"{"late":false}"#)
        }
    });
    let client = server.client(|b| b.timeouts(Timeouts::per_try(Duration::from_secs(10))));
    let value = client.execute(&GetThing(1)).await.unwrap();
    assert_eq!(value["late"], false);
    assert_eq!(server.requests().len(), 2);

    let server = FakeServer::new(|_, _| {
        Reply::Delay(Duration::from_secs(120), Box::new(Reply::Status(200, "{}")))
    });
    let client = server.client(|b| {
        b.timeouts(Timeouts::per_try(Duration::from_secs(10)))
            .retry(RetryConfig::disabled())
    });
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test(start_paused = true)]
async fn invalid_requests_send_nothing_not_even_a_login() {
    let server = FakeServer::ok();
    let client = server.client(|b| b);
    let err = client
        .execute(&GetThing(123_456_789_012))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(server.seen().is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_budget_is_never_exceeded_and_throughput_stays_within_five_percent() {
    let limit = RateLimit::new(300, Duration::from_secs(15 * 60));
    let server = FakeServer::new(|_, _| {
        Reply::Delay(
            Duration::from_millis(40),
            Box::new(Reply::Status(200, "{}")),
        )
    });
    let client = server.client(|b| {
        b.quota(QuotaPolicy::new(
            Some(limit.clone()),
            WhenExhausted::wait_up_to(Duration::from_secs(24 * 3600)),
        ))
    });
    let started = Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in 0..60 {
                    client.execute(&GetThing(t * 100 + i)).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let sent: Vec<Instant> = server.seen().into_iter().map(|s| s.at).collect();
    // The run outlives the 1-hour token, so renewals happen; they count against the budget.
    let logins = server.logins();
    assert!((2..=4).contains(&logins), "{logins} logins");
    assert_eq!(
        sent.len(),
        3000 + logins,
        "every call and every login is counted"
    );
    let mut sorted = sent.clone();
    sorted.sort();
    for (i, start) in sorted.iter().enumerate() {
        let in_window = sorted[i..]
            .iter()
            .take_while(|t| **t < *start + limit.window)
            .count();
        assert!(
            in_window <= 300,
            "window from request {i} holds {in_window}"
        );
    }
    // n requests need (n - 1) / 300 full windows after the first one opens.
    let minimum = limit.window * ((sent.len() as u32 - 1) / 300);
    assert!(elapsed >= minimum - Duration::from_secs(1), "{elapsed:?}");
    assert!(
        elapsed <= minimum.mul_f64(1.05),
        "{elapsed:?} is more than 5% over {minimum:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn fail_fast_and_wait_policies() {
    let limit = RateLimit::new(2, Duration::from_secs(60));
    let server = FakeServer::ok();
    let client = server.client(|b| {
        b.quota(QuotaPolicy::new(
            Some(limit.clone()),
            WhenExhausted::FailFast,
        ))
    });
    client.execute(&GetThing(1)).await.unwrap(); // login + call: budget spent
    let err = client.execute(&GetThing(2)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(err.dispatch(), Dispatch::NotSent);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(err.retry_at().is_some());
    assert_eq!(server.seen().len(), 2);

    let server = FakeServer::ok();
    let client = server.client(|b| {
        b.quota(QuotaPolicy::new(
            Some(limit),
            WhenExhausted::wait_up_to(Duration::from_secs(90)),
        ))
    });
    let started = Instant::now();
    client.execute(&GetThing(1)).await.unwrap();
    client.execute(&GetThing(2)).await.unwrap();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(60),
        "waited exactly until budget freed"
    );
}

#[tokio::test(start_paused = true)]
async fn vendor_headers_stop_calls_until_the_reset() {
    let reset = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let server = FakeServer::new(move |_, n| {
        let remaining = if n == 0 { "0" } else { "999" };
        Reply::WithHeaders(
            200,
            "{}",
            vec![
                ("x-ratelimit-limit", "1000".into()),
                ("x-ratelimit-remaining", remaining.into()),
                ("x-ratelimit-reset", reset.to_string()),
            ],
        )
    });
    let client = server.client(|b| b);
    client.execute(&GetThing(1)).await.unwrap();
    // The vendor said 0 left: the next call fails at once, with the reset instant.
    let err = client.execute(&GetThing(2)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(err.retry_at().unwrap().unix_timestamp(), reset, "{err}");
    assert_eq!(server.requests().len(), 1);

    // Opting in to waiting sends it once the window resets.
    let server = FakeServer::new(move |_, n| {
        let remaining = if n == 0 { "0" } else { "999" };
        Reply::WithHeaders(
            200,
            "{}",
            vec![
                ("x-ratelimit-remaining", remaining.into()),
                ("x-ratelimit-reset", reset.to_string()),
            ],
        )
    });
    let client = server.client(|b| {
        b.quota(QuotaPolicy::new(
            None,
            WhenExhausted::wait_up_to(Duration::from_secs(2 * 3600)),
        ))
    });
    client.execute(&GetThing(1)).await.unwrap();
    client.execute(&GetThing(2)).await.unwrap();
    let requests = server.requests();
    let gap = requests[1].at - requests[0].at;
    assert!(
        gap >= Duration::from_secs(3590) && gap <= Duration::from_secs(3601),
        "{gap:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_budget_shown_is_the_lowest_count_of_the_window_whatever_order_answers_are_read() {
    let reset_in =
        |secs: i64| (time::OffsetDateTime::now_utc().unix_timestamp() + secs).to_string();
    // The third answer left the vendor before the second (950 > 900) but is read after it;
    // the fifth comes after the window reset.
    let counts = ["990", "900", "950", "920", "999"];
    let server = FakeServer::new(move |_, n| {
        let window = if n < 4 {
            reset_in(60)
        } else {
            reset_in(86_400)
        };
        Reply::WithHeaders(
            200,
            "{}",
            vec![
                ("x-ratelimit-limit", "1000".into()),
                ("x-ratelimit-remaining", counts[n.min(4)].into()),
                ("x-ratelimit-reset", window),
            ],
        )
    });
    let client = server.client(|b| b);
    let mut shown = Vec::new();
    for id in 0..4 {
        client.execute(&GetThing(id)).await.unwrap();
        shown.push(client.budget().await.unwrap().unwrap().remaining);
    }
    assert_eq!(shown, [990, 900, 900, 900]);
    // Past the reset the last count named, a new window's count replaces the old one.
    tokio::time::advance(Duration::from_secs(61)).await;
    client.execute(&GetThing(5)).await.unwrap();
    let status = client.budget().await.unwrap().unwrap();
    assert_eq!((status.remaining, status.limit), (999, Some(1000)));
}

#[tokio::test(start_paused = true)]
async fn clients_share_nothing_unless_configured_to() {
    let server = FakeServer::ok();
    let a = server.client(|b| b);
    let b = server.client(|b| b);
    a.execute(&GetThing(1)).await.unwrap();
    b.execute(&GetThing(1)).await.unwrap();
    assert_eq!(
        server.logins(),
        2,
        "separate clients, separate in-memory token stores"
    );

    let store: Arc<dyn practice_core::TokenStore> =
        Arc::new(practice_core::InMemoryTokenStore::new());
    let server = FakeServer::ok();
    let (s1, s2) = (store.clone(), store);
    let a = server.client(move |b| b.token_store(s1));
    let b = server.client(move |b| b.token_store(s2));
    a.execute(&GetThing(1)).await.unwrap();
    b.execute(&GetThing(1)).await.unwrap();
    assert_eq!(server.logins(), 1, "a shared store shares the token");
}

/// A store shared with other processes: one of them holds the renewal claim until
/// `claimed_until`, and releasing a claim fails when `release_fails` (the store went away).
struct SharedStore {
    tokens: InMemoryTokenStore,
    claimed_until: Instant,
    release_fails: bool,
}

impl SharedStore {
    fn claimed_for(held: Duration) -> Self {
        SharedStore {
            tokens: InMemoryTokenStore::new(),
            claimed_until: Instant::now() + held,
            release_fails: false,
        }
    }
}

impl TokenStore for SharedStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Token>, Error>> {
        self.tokens.get(key)
    }
    fn put<'a>(&'a self, key: &'a str, token: Token) -> BoxFuture<'a, Result<(), Error>> {
        self.tokens.put(key, token)
    }
    fn remove_if_same<'a>(
        &'a self,
        key: &'a str,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.tokens.remove_if_same(key, token)
    }
    fn claim_renewal<'a>(
        &'a self,
        _key: &'a str,
        _hold: Duration,
    ) -> BoxFuture<'a, Result<RenewalClaim, Error>> {
        let left = self.claimed_until.saturating_duration_since(Instant::now());
        Box::pin(async move {
            Ok(if left.is_zero() {
                RenewalClaim::Granted(ClaimId::random())
            } else {
                RenewalClaim::HeldElsewhere { lapses_in: left }
            })
        })
    }
    fn release_renewal<'a>(
        &'a self,
        _key: &'a str,
        _claim: &'a ClaimId,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let fails = self.release_fails;
        Box::pin(async move {
            match fails {
                true => Err(Error::new(ErrorKind::SharedState, "store went away")),
                false => Ok(()),
            }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_renewal_claimed_elsewhere_is_awaited_and_its_token_reused() {
    let server = FakeServer::ok();
    let store = Arc::new(SharedStore::claimed_for(Duration::from_secs(10)));
    let client = server.client(|b| b.token_store(store.clone()));
    // The other process stores its new token after 3 s.
    let other = store.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let token = Token::valid_for(Secret::new("tok-elsewhere"), Duration::from_secs(3600));
        other.put("test:user-1", token).await.unwrap();
    });
    let started = Instant::now();
    client.execute(&GetThing(1)).await.unwrap();
    assert_eq!(server.logins(), 0, "no login of its own");
    assert_eq!(server.requests()[0].token.as_deref(), Some("tok-elsewhere"));
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(3) && waited < Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn a_claim_that_lapses_without_a_token_is_taken_over() {
    let server = FakeServer::ok();
    let store = Arc::new(SharedStore::claimed_for(Duration::from_secs(10)));
    let client = server.client(|b| b.token_store(store));
    let started = Instant::now();
    client.execute(&GetThing(1)).await.unwrap();
    assert_eq!(server.logins(), 1);
    assert_eq!(started.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_claim_that_cannot_be_released_does_not_fail_the_call() {
    let server = FakeServer::ok();
    let store = SharedStore {
        release_fails: true,
        ..SharedStore::claimed_for(Duration::ZERO)
    };
    let client = server.client(|b| b.token_store(Arc::new(store)));
    client.execute(&GetThing(1)).await.unwrap();
    client.execute(&GetThing(2)).await.unwrap();
    assert_eq!(server.logins(), 1, "the renewed token was kept and reused");
}
