//! Aerona's budget counted the way the vendor counts it: on arrival at the server, on the real
//! clock, with an optional one-way delay before arrival. Raw HTTP (plain reqwest), not our
//! client, so nothing on the client side holds requests back. Real clock, small windows.

use std::time::{Duration, Instant};

mod support;

use practice_sandbox::{Fault, Sandbox, SandboxConfig};
use support::{JsonBody, aerona_login, http, json_of};

const MS: fn(u64) -> Duration = Duration::from_millis;

async fn patient(s: &Sandbox, token: &str) -> (u16, String) {
    let r = http()
        .get(format!("{}/v1/patients/426700", s.aerona_base_url()))
        .header("AERONA-AUTH-TOKEN", token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The most arrivals within one window's length of each other, counted from the log alone.
fn max_in_any_window(arrivals: &[Instant], window: Duration) -> usize {
    (0..arrivals.len())
        .map(|last| {
            arrivals[..=last]
                .iter()
                .filter(|a| arrivals[last].duration_since(**a) < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn the_eleventh_request_in_a_window_of_ten_invalidates_the_token() {
    let s = Sandbox::start(SandboxConfig::default().with_aerona_budget(10, Duration::from_secs(2)))
        .await
        .unwrap();
    let token = aerona_login(&s).await; // 1
    for n in 2..=10 {
        let (status, text) = patient(&s, &token).await;
        assert_eq!(status, 200, "request {n}: {text}");
    }
    let (status, text) = patient(&s, &token).await; // 11
    assert_eq!(status, 401, "{text}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["message"],
        "Rate limit exceeded: your token has been invalidated"
    );
    // The vendor invalidated the token: it is refused for good, not only while over budget.
    let (status, text) = patient(&s, &token).await;
    assert_eq!(status, 401, "{text}");

    let traffic = s.aerona_traffic();
    assert_eq!(
        (traffic.limit, traffic.window),
        (10, Duration::from_secs(2))
    );
    assert_eq!(traffic.arrivals.len(), 12);
    assert_eq!(traffic.max_in_window, 12);
    assert_eq!(traffic.logins, 1);
    assert_eq!(traffic.over_limit, 2);
    assert_eq!(traffic.invalidations, 1, "one token, invalidated once");
    s.stop().await;
}

#[tokio::test]
async fn the_arrival_delay_postpones_the_count_by_its_jitter() {
    let s = Sandbox::start(SandboxConfig::default().with_arrival_delay(MS(100)..MS(250)))
        .await
        .unwrap();
    let sent = Instant::now();
    let token = aerona_login(&s).await;
    let answered = sent.elapsed();
    let arrived = s.aerona_traffic().arrivals[0].duration_since(sent);
    assert!(arrived >= MS(100), "arrived after {arrived:?}");
    assert!(answered >= arrived, "answered after it arrived");

    // Eight requests sent together arrive spread over the jitter, each after its own delay.
    let sent = Instant::now();
    let answers = futures_util::future::join_all((0..8).map(|_| patient(&s, &token))).await;
    assert!(answers.iter().all(|(status, _)| *status == 200));
    let arrivals = s.aerona_traffic().arrivals;
    let delays: Vec<Duration> = arrivals[1..]
        .iter()
        .map(|at| at.duration_since(sent))
        .collect();
    assert_eq!(delays.len(), 8);
    // Loopback adds little; the generous top bound only keeps a loaded machine from failing.
    assert!(
        delays
            .iter()
            .all(|d| *d >= MS(100) && *d < MS(250) + MS(500)),
        "{delays:?}"
    );
    let spread = delays
        .iter()
        .max()
        .unwrap()
        .saturating_sub(*delays.iter().min().unwrap());
    assert!(spread >= MS(30), "jitter spreads arrivals: {delays:?}");
    s.stop().await;
}

#[tokio::test]
async fn an_injected_delay_slows_the_answer_not_the_count() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let token = aerona_login(&s).await;
    s.faults()
        .inject("aerona.getPatient", Fault::Delay { millis: 300 }, 1);
    let sent = Instant::now();
    assert_eq!(patient(&s, &token).await.0, 200);
    assert!(sent.elapsed() >= MS(300));
    let arrived = s.aerona_traffic().arrivals[1].duration_since(sent);
    assert!(arrived < MS(200), "counted on arrival, after {arrived:?}");
    s.stop().await;
}

#[tokio::test]
async fn the_arrival_log_reports_the_most_requests_in_any_window() {
    let window = MS(300);
    let s = Sandbox::start(SandboxConfig::default().with_aerona_budget(100, window))
        .await
        .unwrap();
    let token = aerona_login(&s).await;
    // A burst of five, a pause longer than the window, then a burst of three.
    for _ in 0..4 {
        assert_eq!(patient(&s, &token).await.0, 200);
    }
    tokio::time::sleep(window + MS(100)).await;
    futures_util::future::join_all((0..3).map(|_| patient(&s, &token))).await;

    let traffic = s.aerona_traffic();
    assert_eq!(traffic.arrivals.len(), 8);
    assert!(traffic.arrivals.is_sorted(), "logged in arrival order");
    assert_eq!(traffic.max_in_window, 5);
    assert_eq!(
        max_in_any_window(&traffic.arrivals, window),
        5,
        "the figure agrees with the log"
    );
    assert_eq!((traffic.logins, traffic.over_limit), (1, 0));

    // The admin API answers the same.
    let r = http()
        .get(format!("{}/aerona/traffic", s.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let json = json_of(r).await;
    assert_eq!(json["maxInWindow"], 5);
    assert_eq!(json["limit"], 100);
    assert_eq!(json["windowMs"], 300.0);
    assert_eq!(json["logins"], 1);
    let arrivals_ms = json["arrivalsMs"].as_array().unwrap();
    assert_eq!(arrivals_ms.len(), 8);
    let (first, last) = (
        arrivals_ms[0].as_f64().unwrap(),
        arrivals_ms[7].as_f64().unwrap(),
    );
    assert!(last - first >= 400.0, "the pause shows: {first} .. {last}");
    s.stop().await;
}

#[tokio::test]
async fn logins_over_budget_are_refused_and_not_counted_as_logins() {
    let s = Sandbox::start(SandboxConfig::default().with_aerona_budget(2, Duration::from_secs(2)))
        .await
        .unwrap();
    aerona_login(&s).await;
    aerona_login(&s).await;
    let c = s.credentials();
    let r = http()
        .post(format!("{}/v1/login", s.aerona_base_url()))
        .json_body(
            &serde_json::json!({"username": c.aerona_username, "password": c.aerona_password}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("aerona-auth-token").is_none());
    let traffic = s.aerona_traffic();
    assert_eq!((traffic.logins, traffic.over_limit), (2, 1));
    assert_eq!(traffic.invalidations, 1, "the two live tokens, at once");
    s.stop().await;
}
