//! Hostile answers (issue 16): absurd headers, slowness that stays inside every per-try
//! timeout, broken logins under concurrency, echoed secrets and unreadable write answers.
//! On tokio's paused clock through the in-process transport.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Method, Request, Response, StatusCode};
use practice_core::{
    ClientBuilder, DateRange, Endpoint, ErrorKind, OperationMeta, QuotaPolicy, RateLimit,
    RetryConfig, Timeouts, TransportService, WhenExhausted,
};
use support::*;
use tokio::time::Instant;

const HUGE_RETRY_AFTER: &str = "300000000000";

#[tokio::test(start_paused = true)]
async fn an_absurd_retry_after_on_a_503_or_429_is_an_error_not_a_panic_or_a_wait_of_years() {
    for status in [503, 429] {
        for value in [HUGE_RETRY_AFTER, "18446744073709551615"] {
            let server = FakeServer::new(move |_, _| {
                Reply::StatusWithHeader(status, "busy", "retry-after", value.into())
            });
            let client = server.client(|b| b);
            let started = Instant::now();
            let err = client.execute(&GetThing(1)).await.unwrap_err();
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "no wait: {:?}",
                started.elapsed()
            );
            assert_eq!(server.requests().len(), 1, "not retried: {err}");
            let text = err.to_string();
            assert!(text.contains("asks to wait"), "{text}");
            assert!(text.contains(value), "says how long: {text}");
            // And a write, which is never retried, reports it too.
            let err = client.execute(&CreateThing).await.unwrap_err();
            let _ = (format!("{err}"), format!("{err:?}"), err.retry_at());
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_huge_retry_after_after_a_slow_first_try_does_not_panic() {
    let server = FakeServer::new(|_, _| {
        Reply::Delay(
            Duration::from_millis(1500),
            Box::new(Reply::StatusWithHeader(
                503,
                "busy",
                "retry-after",
                "18446744073709551615".into(),
            )),
        )
    });
    let client = server.client(|b| b);
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert!(err.to_string().contains("asks to wait"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_reset_at_the_end_of_time_on_a_spent_200_is_capped_not_a_panic() {
    let server = FakeServer::new(|_, _| {
        Reply::WithHeaders(
            200,
            "{}",
            vec![
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", u64::MAX.to_string()),
            ],
        )
    });
    let client = server.client(|b| b);
    client.execute(&GetThing(1)).await.unwrap();
    let started = Instant::now();
    let err = client.execute(&GetThing(2)).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted, "{err}");
    let _ = (format!("{err}"), format!("{err:?}"));
    assert_eq!(server.requests().len(), 1, "the second call sent nothing");
}

#[tokio::test(start_paused = true)]
async fn a_429_whose_reset_has_passed_backs_off() {
    let server = FakeServer::new(|_, _| {
        Reply::WithHeaders(
            429,
            "slow down",
            vec![
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", "1".into()),
            ],
        )
    });
    let client = server.client(|b| {
        b.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(400)))
    });
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    let spent = requests[3].at - requests[0].at;
    // Full jitter under ceilings of 400, 800 and 1600 ms: three waits of 1 ms each are 3 ms.
    assert!(spent >= Duration::from_millis(100), "{spent:?}");
}

#[test]
fn absurd_budgets_are_refused_as_invalid_input() {
    for text in ["1/300000000000d", "1/18446744073709551615s", "5/999999999h"] {
        let err = RateLimit::parse(text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{text}");
    }
    assert!(RateLimit::parse("1000/1d").is_ok());
    assert!(RateLimit::parse("1/366d").is_ok());
}

#[test]
fn date_ranges_at_the_end_of_the_calendar_chunk_without_panicking() {
    let range = DateRange::parse("9999-12-01", "9999-12-31").unwrap();
    assert_eq!(range.days(), 31);
    for per_chunk in [1, 7, 30, 31, 365, u32::MAX] {
        let chunks = range.chunks(per_chunk).unwrap();
        assert_eq!(chunks.first().unwrap().start(), range.start());
        assert_eq!(chunks.last().unwrap().end(), range.end());
        let days: i64 = chunks.iter().map(DateRange::days).sum();
        assert_eq!(days, 31, "{per_chunk}");
    }
    let everything = DateRange::parse("-9999-01-01", "9999-12-31");
    if let Ok(range) = everything {
        assert_eq!(range.chunks(u32::MAX).unwrap().len(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn a_per_try_timeout_of_years_does_not_panic() {
    let server = FakeServer::ok();
    let client = server.client(|b| {
        b.timeouts(Timeouts::per_try(Duration::MAX)).retry(
            RetryConfig::default()
                .with_deadline(Duration::MAX)
                .with_max_backoff(Duration::MAX)
                .with_initial_backoff(Duration::MAX),
        )
    });
    client.execute(&GetThing(1)).await.unwrap();
}

// ---- The whole-call deadline ----

/// A server that takes `step` for every answer: logins succeed, the first non-login request
/// is refused with a 401, later ones succeed.
fn slow_server(step: Duration, logins: Arc<AtomicUsize>) -> TransportService {
    let calls = Arc::new(AtomicUsize::new(0));
    TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
        let (logins, calls) = (logins.clone(), calls.clone());
        async move {
            let mut response = Response::new(Bytes::from_static(b"{}"));
            if request.uri().path().ends_with("/login") {
                let n = logins.fetch_add(1, Ordering::SeqCst);
                *response.body_mut() = Bytes::from(format!("\"tok-{n}\""));
            } else if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                *response.status_mut() = StatusCode::UNAUTHORIZED;
            }
            tokio::time::sleep(step).await;
            Ok::<_, practice_core::Error>(response)
        }
    }))
}

fn builder(transport: TransportService) -> ClientBuilder {
    ClientBuilder::new(Arc::new(TestProfile), "http://127.0.0.1:1/base", "ua/1")
        .map_options(|o| o.transport_service(transport))
}

#[tokio::test(start_paused = true)]
async fn a_server_slow_at_every_step_is_cut_at_the_whole_call_deadline() {
    let step = Duration::from_secs(59);
    // Default: twice the 60 s per-try timeout. Login, 401, login: cut while obtaining a token.
    let logins = Arc::new(AtomicUsize::new(0));
    let client = builder(slow_server(step, logins.clone()))
        .build(TestAuth {
            lifetime: Duration::from_secs(3600),
        })
        .unwrap();
    assert_eq!(client.deadline(), Duration::from_secs(120));
    let started = Instant::now();
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(120));
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        err.to_string()
            .contains("deadline of 120s ran out while obtaining a token"),
        "{err}"
    );
    assert_eq!(logins.load(Ordering::SeqCst), 2);

    // Per call: a longer deadline reaches the replay, and is cut there.
    let client = builder(slow_server(step, Arc::new(AtomicUsize::new(0))))
        .build(TestAuth {
            lifetime: Duration::from_secs(3600),
        })
        .unwrap();
    let started = Instant::now();
    let err = client
        .with_deadline(Duration::from_secs(200))
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(200));
    assert!(err.to_string().contains("while replaying"), "{err}");

    // Per client, and a write cut after it left is an unknown outcome, not a retry.
    let client = builder(slow_server(step, Arc::new(AtomicUsize::new(0))))
        .map_options(|o| o.deadline(Duration::from_secs(150)))
        .build(TestAuth {
            lifetime: Duration::from_secs(3600),
        })
        .unwrap();
    let err = client.execute(&CreateThing).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
}

#[tokio::test(start_paused = true)]
async fn retries_and_waits_for_budget_stop_at_the_deadline() {
    let server = FakeServer::new(|_, _| Reply::Status(503, "down"));
    let client = server.client(|b| {
        b.deadline(Duration::from_secs(5)).retry(
            RetryConfig::default()
                .with_max_attempts(100)
                .with_initial_backoff(Duration::from_secs(1))
                .with_max_backoff(Duration::from_secs(1))
                .with_deadline(Duration::from_secs(3600)),
        )
    });
    let started = Instant::now();
    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert!(started.elapsed() <= Duration::from_secs(5), "{err}");

    let server = FakeServer::ok();
    let client = server.client(|b| {
        b.deadline(Duration::from_secs(60)).quota(QuotaPolicy::new(
            // The login takes one slot, the first call the other.
            Some(RateLimit::new(2, Duration::from_secs(3600))),
            WhenExhausted::wait_up_to(Duration::from_secs(7200)),
        ))
    });
    client.execute(&GetThing(1)).await.unwrap();
    let started = Instant::now();
    let err = client.execute(&GetThing(2)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted, "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

// ---- Logins ----

/// A login answer that is broken: a connection reset, or a 200 without a readable token.
fn broken_login(reset: bool, logins: Arc<AtomicUsize>) -> TransportService {
    TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
        let logins = logins.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if request.uri().path().ends_with("/login") {
                logins.fetch_add(1, Ordering::SeqCst);
                if reset {
                    return Err(practice_core::Error::new(
                        ErrorKind::Transport,
                        "connection reset by peer",
                    ));
                }
                return Ok(Response::new(Bytes::from_static(b"tok-without-quotes")));
            }
            Ok(Response::new(Bytes::from_static(b"{}")))
        }
    }))
}

#[tokio::test(start_paused = true)]
async fn a_broken_login_costs_a_few_logins_whatever_the_concurrency() {
    for reset in [true, false] {
        for concurrency in [4, 16] {
            let logins = Arc::new(AtomicUsize::new(0));
            let client = builder(broken_login(reset, logins.clone()))
                .map_options(|o| {
                    o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(100)))
                })
                .build(TestAuth {
                    lifetime: Duration::from_secs(3600),
                })
                .unwrap();
            let results: Vec<_> = futures_util::stream::iter(0..40)
                .map(|id| {
                    let client = client.clone();
                    async move { client.execute(&GetThing(id)).await }
                })
                .buffer_unordered(concurrency)
                .collect()
                .await;
            assert!(results.iter().all(Result::is_err));
            let logins = logins.load(Ordering::SeqCst);
            // One login per pause (1 s, doubling): the 40 reads fail within a few seconds.
            assert!(
                logins <= 4,
                "reset={reset} concurrency={concurrency}: {logins} logins"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_shorter_lived_than_the_margin_is_used_until_it_expires() {
    let server = FakeServer::ok();
    let client = server.client(|b| b);
    // The support client's login answers a token; rebuild one whose tokens live 60 s, well
    // within the 5-minute renewal margin.
    let client = {
        drop(client);
        ClientBuilder::new(Arc::new(TestProfile), "http://127.0.0.1:1/base", "ua/1")
            .map_options(|o| o.transport_service(server.service()))
            .build(TestAuth {
                lifetime: Duration::from_secs(60),
            })
            .unwrap()
    };
    for id in 0..12 {
        client.execute(&GetThing(id)).await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(server.logins(), 1);
    // Once it has expired, a new one is obtained.
    tokio::time::sleep(Duration::from_secs(60)).await;
    client.execute(&GetThing(99)).await.unwrap();
    assert_eq!(server.logins(), 2);
}

// ---- Writes ----

static CREATE_ID: OperationMeta = OperationMeta {
    vendor: "test",
    name: "createThingId",
    method: Method::POST,
    path_template: "/things",
    idempotent: false,
    authenticated: true,
};

/// A create answered with the new id, a JSON integer.
struct CreateId;
impl Endpoint for CreateId {
    type Output = i64;
    fn meta(&self) -> &'static OperationMeta {
        &CREATE_ID
    }
    fn validate(&self) -> Result<(), practice_core::Error> {
        Ok(())
    }
    fn path(&self) -> String {
        "/things".into()
    }
    fn body(&self) -> Result<Option<Bytes>, practice_core::Error> {
        Ok(Some(Bytes::from_static(b"{}")))
    }
    fn decode(&self, body: &[u8]) -> Result<i64, practice_core::Error> {
        practice_core::decode::json(&CREATE_ID, body)
    }
}

#[tokio::test(start_paused = true)]
async fn a_write_answered_2xx_with_an_unreadable_body_is_reported_applied() {
    for (status, body) in [(200, "\"34234\""), (200, "34234.0"), (200, "OK"), (201, "")] {
        let server = FakeServer::new(move |_, _| Reply::Status(status, body));
        let client = server.client(|b| b);
        let err = client.execute(&CreateId).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AppliedUnreadable, "{body:?}: {err}");
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("applied"), "{err}");
        assert!(err.to_string().contains("do not retry"), "{err}");
        assert_eq!(server.requests().len(), 1, "never retried");
    }
    // A read's unreadable answer stays a decode error.
    let server = FakeServer::new(|_, _| Reply::Status(200, "OK"));
    let err = server
        .client(|b| b)
        .execute(&GetThing(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}
