//! What `practice` prints when something fails: one error line naming operation, phase, host
//! and cause, the `caused by:` lines of its chain, no warning that repeats it, the same on
//! every run; and a long wait for budget told once.

mod support;

use std::time::{Duration, Instant};

use practice_sandbox::{Fault, Sandbox, SandboxConfig};
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_prints_one_error_with_its_chain_the_same_every_run() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let env = vec![
        ("AERONA_USERNAME", "someone".to_owned()),
        ("AERONA_PASSWORD", "not-a-real-password".to_owned()),
        ("AERONA_BASE_URL", format!("http://127.0.0.1:{port}")),
    ];
    let first = run(&["aerona", "patient", "1"], &env).await;
    let text = stderr(&first);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(code(&first), 5, "{text}");
    assert_eq!(
        lines[0],
        format!(
            "error: login: transport error: connecting to 127.0.0.1:{port}: connection refused"
        ),
        "{text}"
    );
    assert!(lines.len() > 1, "the chain is printed: {text}");
    assert!(
        lines[1..].iter().all(|l| l.starts_with("caused by: ")),
        "{text}"
    );
    // No warning that repeats the error, and the error once.
    assert!(!text.contains("WARN"), "{text}");
    assert!(!text.contains("not-a-real-password"), "{text}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("error:")).count(), 1);
    for _ in 0..4 {
        let again = run(&["aerona", "patient", "1"], &env).await;
        assert_eq!(stderr(&again), text, "identical on every run");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_at_one_request_per_second_takes_seconds_not_a_minute() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut env = env_for(&s);
    env.push(("AERONA_RATE_LIMIT", "1/1s".into()));
    s.faults().inject("aerona.getPatient", Fault::Drop, 1);
    let started = Instant::now();
    let out = run(&["aerona", "patient", "426700"], &env).await;
    let took = started.elapsed();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    eprintln!("practice aerona patient with a dropped connection at 1/1s took {took:?}");
    // The login, the dropped try, the retry: a window apart each, none waiting for the
    // 60 s per-try bound. No wait is over 2 s, so nothing is announced.
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert_eq!(stderr(&out), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_for_budget_over_two_seconds_is_told_once_on_stderr() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut env = env_for(&s);
    // The login takes the one slot of 3 s: the request waits about 3 s.
    env.push(("AERONA_RATE_LIMIT", "1/3s".into()));
    let out = run(&["aerona", "patient", "426700"], &env).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stderr(&out);
    let told: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("practice: waiting for the aerona request budget"))
        .collect();
    assert_eq!(told.len(), 1, "{text}");
    assert!(told[0].contains(" to send getPatient until 20"), "{text}");
    assert_eq!(text.lines().count(), 1, "nothing else: {text}");
}
