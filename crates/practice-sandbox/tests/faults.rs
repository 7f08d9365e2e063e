//! Issue 7's fault table: each fault, for both vendors, with the expected result, the number of
//! requests the server saw, and no panic.

use std::time::Duration;

use aerona_api::models::AppointmentStatus;
use aerona_api::operations::CreateAppointmentRequest;
use aloha_api::{DateRange, ErrorKind};
use practice_core::{RetryConfig, Timeouts};
use practice_sandbox::{Fault, Sandbox, SandboxConfig};

/// What a row of the table expects.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Success,
    Kind(ErrorKind),
}

/// (fault, times injected, expected result, requests the server sees for the call)
fn table() -> Vec<(&'static str, Fault, usize, Expect, u64)> {
    vec![
        (
            "500 once",
            Fault::Status { status: 500 },
            1,
            Expect::Success,
            2,
        ),
        (
            "500 always",
            Fault::Status { status: 500 },
            100,
            Expect::Kind(ErrorKind::Api),
            3,
        ),
        (
            "503 with Retry-After",
            Fault::Unavailable { retry_after: 0 },
            1,
            Expect::Success,
            2,
        ),
        ("connection reset", Fault::Drop, 1, Expect::Success, 2),
        (
            "slower than the timeout",
            Fault::Delay { millis: 2500 },
            100,
            Expect::Kind(ErrorKind::Timeout),
            3,
        ),
        ("truncated body", Fault::Truncate, 1, Expect::Success, 2),
        (
            "HTML body",
            Fault::Html,
            1,
            Expect::Kind(ErrorKind::Decode),
            1,
        ),
        (
            "401 mid-session",
            Fault::Status { status: 401 },
            1,
            Expect::Success,
            2,
        ),
        (
            "301 to https",
            Fault::Redirect,
            1,
            Expect::Kind(ErrorKind::Api),
            1,
        ),
    ]
}

fn retry() -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
}

fn timeouts() -> Timeouts {
    Timeouts::per_try(Duration::from_secs(1))
}

fn outcome<T>(result: &Result<T, aloha_api::Error>) -> Expect {
    match result {
        Ok(_) => Expect::Success,
        Err(e) => Expect::Kind(e.kind()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fault_table_for_aloha() {
    for (name, fault, times, expect, seen) in table() {
        let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let c = s.credentials();
        let client =
            aloha_api::Client::builder(c.aloha_client_id.clone(), c.aloha_secret_key.clone())
                .base_url(s.aloha_base_url())
                .map_options(|o| o.retry(retry()).timeouts(timeouts()))
                .build()
                .unwrap();
        client.clients().await.unwrap(); // a session exists before the fault
        s.faults().inject("aloha.listAppointments", fault, times);
        let range = DateRange::parse("2024-03-01", "2024-03-02").unwrap();
        let result = client.appointments(range).await;
        assert_eq!(
            outcome(&result),
            expect,
            "{name}: {:?}",
            result.as_ref().err()
        );
        assert_eq!(s.requests("aloha.listAppointments"), seen, "{name}");
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fault_table_for_aerona_reads_and_the_write() {
    for (name, fault, times, expect, seen) in table() {
        let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let c = s.credentials();
        let client =
            aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
                .base_url(s.aerona_base_url())
                .map_options(|o| o.retry(retry()).timeouts(timeouts()))
                .build()
                .unwrap();
        client.patient(426_700).await.unwrap();
        s.faults().inject("aerona.getPayment", fault.clone(), times);
        let result = client.payment(187_000).await;
        assert_eq!(
            outcome(&result),
            expect,
            "{name}: {:?}",
            result.as_ref().err()
        );
        assert_eq!(s.requests("aerona.getPayment"), seen, "{name}");

        // The write: never more than one request once it may have been sent.
        s.faults().clear();
        s.faults().inject("aerona.createAppointment", fault, times);
        let create = CreateAppointmentRequest::builder()
            .practice_id(9876)
            .user_id(34_562)
            .appointment_type_id(1860)
            .appointment_status_id(AppointmentStatus::Confirmed)
            .appointment_time(
                practice_core::wire::Timestamp::parse("2026-03-04T09:00:00Z").unwrap(),
            )
            .duration(30)
            .patient_id(426_700)
            .build()
            .unwrap();
        let result = client.create_appointment(&create).await;
        let writes = s.requests("aerona.createAppointment");
        match (name, &result) {
            // A 401 means not applied: one replay with a new token is safe.
            ("401 mid-session", Ok(_)) => assert_eq!(writes, 2, "{name}"),
            (_, Ok(_)) => panic!("{name}: a faulted write succeeded"),
            // A success status: the write was applied, only its answer is unreadable.
            ("HTML body", Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::AppliedUnreadable, "{name}");
                assert_eq!(writes, 1, "{name}");
            }
            ("301 to https", Err(e)) => {
                assert_eq!(e.status().map(|s| s.as_u16()), Some(301), "{name}");
                assert_eq!(writes, 1, "{name}");
            }
            (_, Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{name}: {e}");
                assert_eq!(writes, 1, "{name}: exactly one request for a write");
            }
        }
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vendor_forms_of_too_many_requests() {
    // Aloha: the documented 429 body, with the reset instant.
    let s = Sandbox::start(SandboxConfig {
        aloha_daily_limit: 1,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let c = s.credentials();
    let client = aloha_api::Client::builder(c.aloha_client_id.clone(), c.aloha_secret_key.clone())
        .base_url(s.aloha_base_url())
        .build()
        .unwrap();
    let err = client.clients().await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::RateLimited | ErrorKind::QuotaExhausted
        ),
        "{err}"
    );
    assert!(err.retry_at().is_some());
    assert_eq!(
        s.requests("aloha.listClients"),
        0,
        "the token request spent the day's budget"
    );
    s.stop().await;

    // Aerona: over budget, the token dies; one re-login is tried, then the error is reported.
    let s = Sandbox::start(SandboxConfig {
        aerona_limit: 2,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let c = s.credentials();
    let client = aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(s.aerona_base_url())
        .rate_limit(
            aerona_api::RateLimit::parse("50/15m").unwrap(),
            aerona_api::WhenExhausted::FailFast,
        )
        .build()
        .unwrap();
    client.patient(426_700).await.unwrap();
    let err = client.patient(426_700).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert_eq!(s.requests("aerona.login"), 2, "one re-login, no loop");
    s.stop().await;
}
