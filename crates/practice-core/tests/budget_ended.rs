//! A try that *ended* with an error at `T` holds its budget slot until one window after `T`,
//! not until its lapse bound (grant + per-try timeout): it cannot reach the vendor after `T`.
//! A try that timed out keeps the bound. First on the paused clock, then on the real one
//! against a loopback server that drops the first request's connection.

mod support;

use std::time::Duration;

use practice_core::{Dispatch, Error, ErrorKind, QuotaPolicy, RateLimit, Timeouts, WhenExhausted};
use support::loopback::call_through_a_dropped_connection;
use support::*;
use tokio::time::Instant;

const S: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

fn one_per(window: Duration) -> QuotaPolicy {
    QuotaPolicy::new(
        Some(RateLimit::new(1, window)),
        WhenExhausted::wait_up_to(S(600)),
    )
}

#[tokio::test(start_paused = true)]
async fn a_try_that_ended_in_an_error_frees_its_slot_one_window_after_the_error() {
    let t0 = Instant::now();
    let server = FakeServer::new(|_, n| {
        if n == 0 {
            // The connection breaks 100 ms after the request left.
            Reply::Delay(
                MS(100),
                Box::new(Reply::Fail(
                    Error::new(ErrorKind::Transport, "reset").with_dispatch(Dispatch::MaybeSent),
                )),
            )
        } else {
            Reply::Status(200, r#"{"ok":true}"#)
        }
    });
    let client = server.client(|b| b.quota(one_per(S(10))).timeouts(Timeouts::per_try(S(60))));
    client.execute(&GetThing(1)).await.unwrap();
    let sent: Vec<Duration> = server.requests().iter().map(|s| s.at - t0).collect();
    // The login at 0 s, so the first try at 10 s; it ends at 10.1 s, so the retry goes at
    // 20.1 s — not at 10 + 60 (its lapse bound) + 10 = 80 s.
    assert_eq!(sent, [S(10), S(10) + MS(10_100)]);
}

#[tokio::test(start_paused = true)]
async fn a_try_that_timed_out_keeps_its_slot_until_its_lapse_bound() {
    let t0 = Instant::now();
    let server = FakeServer::new(|_, n| {
        if n == 0 {
            // A timeout reported after 1 s: the request may still be on its way.
            Reply::Delay(
                S(1),
                Box::new(Reply::Fail(Error::new(ErrorKind::Timeout, "no answer"))),
            )
        } else {
            Reply::Status(200, r#"{"ok":true}"#)
        }
    });
    let client = server.client(|b| b.quota(one_per(S(10))).timeouts(Timeouts::per_try(S(5))));
    client.execute(&GetThing(1)).await.unwrap();
    let sent: Vec<Duration> = server.requests().iter().map(|s| s.at - t0).collect();
    // Granted at 10 s, bound 10 + 5 s, counted one window more: the retry at 25 s, not 21 s.
    assert_eq!(sent, [S(10), S(25)]);
}

#[tokio::test]
async fn a_dropped_connection_at_one_request_per_second_costs_a_second_not_a_minute() {
    let took = call_through_a_dropped_connection(|b| b.quota(one_per(S(1)))).await;
    // The login (0 s), the dropped try (1 s), the retry one window after the drop (2 s): each
    // waits one window for the slot before, and no try waits for the 60 s per-try bound.
    eprintln!("dropped-connection call at 1/1s took {took:?}");
    assert!(took >= S(2), "the budget still holds: {took:?}");
    assert!(took < S(4), "{took:?}");
}

#[path = "support/capture.rs"]
mod capture;

#[tokio::test(start_paused = true)]
async fn a_wait_for_budget_over_two_seconds_is_announced_once() {
    let (logs, _guard) = capture::Capture::trace_everything();
    let server = FakeServer::ok();
    // The login takes the one slot of 10 s: the call waits 10 s for it.
    let client = server.client(|b| b.quota(one_per(S(10))));
    client.execute(&GetThing(1)).await.unwrap();
    let text = logs.text();
    let announced: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("practice_core::budget_wait"))
        .collect();
    assert_eq!(announced.len(), 1, "{text}");
    let line = announced[0];
    assert!(line.contains(" INFO "), "{line}");
    assert!(
        line.contains("waiting for the test request budget to send getThing until 20"),
        "{line}"
    );
    assert!(line.contains("0 of 1 left per 10s"), "{line}");

    // A wait of one second is not news.
    let (logs, _guard) = capture::Capture::trace_everything();
    let server = FakeServer::ok();
    let client = server.client(|b| b.quota(one_per(S(1))));
    client.execute(&GetThing(1)).await.unwrap();
    assert!(!logs.text().contains("budget_wait"), "{}", logs.text());
}
