//! The sandbox driven by the real vendor clients (and raw HTTP for the vendors' quirks).

use std::time::Duration;

use aerona_api::models::{AppointmentStatus, TimeOfDay};
use aerona_api::operations::{CreateAppointmentRequest, FindAppointmentSlotsRequest};
use aloha_api::{Appointments, DateRange, ErrorKind};
use futures_util::TryStreamExt;
use practice_core::RetryConfig;
use practice_sandbox::{Fault, Sandbox, SandboxConfig};

async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.unwrap()
}

fn aloha(s: &Sandbox) -> aloha_api::Client {
    let c = s.credentials();
    aloha_api::Client::builder(c.aloha_client_id.clone(), c.aloha_secret_key.clone())
        .base_url(s.aloha_base_url())
        .map_options(|o| {
            o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        })
        .build()
        .unwrap()
}

fn aerona(s: &Sandbox) -> aerona_api::Client {
    let c = s.credentials();
    aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(s.aerona_base_url())
        .map_options(|o| {
            o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn aloha_reports_agree_and_stream_across_two_years() {
    let s = sandbox(SandboxConfig::default()).await;
    let client = aloha(&s);
    assert_eq!(client.clients().await.unwrap().len(), 300);
    let month = DateRange::parse("2024-03-01", "2024-03-31").unwrap();
    let appointments = client.appointments(month).await.unwrap();
    assert!(!appointments.is_empty());
    for a in &appointments {
        let d = a.appointment_date.unwrap();
        assert!(d >= month.start() && d <= month.end(), "{d}");
        assert!(a.charge.unwrap().scale() == 2, "money keeps its cents");
    }
    let ledger = client.billing_ledger(month).await.unwrap();
    let completed = appointments
        .iter()
        .filter(|a| a.completed == Some(aloha_api::models::YesNo::Yes))
        .count();
    assert_eq!(
        ledger.len(),
        completed,
        "one ledger row per completed appointment"
    );
    assert!(
        !client
            .client_authorizations(month)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !client
            .authorizations_without_appointments(month)
            .await
            .unwrap()
            .is_empty()
    );

    let years = DateRange::parse("2024-01-01", "2025-12-31").unwrap();
    let streamed: Vec<_> = client
        .stream::<Appointments>(years, 31)
        .try_collect()
        .await
        .unwrap();
    assert!(streamed.len() >= 3000, "{}", streamed.len());
    assert!(
        streamed
            .windows(2)
            .all(|w| w[0].appointment_date <= w[1].appointment_date),
        "date order"
    );
    assert_eq!(s.requests("aloha.postToken"), 1);
    s.stop().await;
}

#[tokio::test]
async fn aloha_daily_budget_headers_and_429s() {
    let s = sandbox(SandboxConfig {
        aloha_daily_limit: 3,
        ..SandboxConfig::default()
    })
    .await;
    let client = aloha(&s);
    client.clients().await.unwrap(); // token + 1
    client.clients().await.unwrap(); // 3: remaining 0
    let err = client.clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted, "{err}");
    assert!(err.retry_at().is_some());
    assert_eq!(
        s.requests("aloha.listClients"),
        2,
        "refused without being sent"
    );

    // Another client of the same key has not seen the headers: it gets the vendor's 429.
    let other = aloha(&s);
    let err = other.clients().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    let http = reqwest::Client::new();
    let body = http
        .get(format!("{}/v1/report/nothing-here", s.aloha_base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(body.status().as_u16(), 429);
    let text = body.text().await.unwrap();
    assert!(
        text.contains("Rate Limit exceeded. Please retry at "),
        "{text}"
    );
    s.stop().await;

    let s = sandbox(SandboxConfig::default()).await;
    let wrong = reqwest::Client::new()
        .get(format!("{}/v1/report/nothing-here", s.aloha_base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 429);
    assert!(wrong.headers().contains_key("x-ratelimit-remaining"));
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("not hitting the correct URL")
    );
}

#[tokio::test]
async fn aerona_operations_and_a_booking_that_takes_its_slot() {
    let s = sandbox(SandboxConfig::default()).await;
    let client = aerona(&s);
    let patient = client.patient(426_700).await.unwrap();
    assert!(patient.forename.is_some());
    assert!(
        patient.unknown_fields.get("email").is_some(),
        "undocumented fields kept"
    );
    assert_eq!(
        client.patient(1).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let payment = client.payment(187_000).await.unwrap();
    assert_eq!(payment.patient_id, Some(426_700));
    let range = DateRange::parse("2024-01-01", "2026-12-31").unwrap();
    assert_eq!(
        client
            .search_payments(Some(426_700), range)
            .await
            .unwrap()
            .len(),
        4
    );
    let all: Vec<_> = client
        .stream_invoices(None, range, 92)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1200);

    let find = FindAppointmentSlotsRequest::builder()
        .clinician_id(34_560)
        .appointment_type_id(1860)
        .search_start(practice_core::wire::IsoDate::parse("2026-03-02").unwrap())
        .time_of_day(TimeOfDay::Morning)
        .build()
        .unwrap();
    let before = client.find_appointment_slots(&find).await.unwrap();
    assert_eq!(before.len(), 50);
    let first: String = before[0].0.decode("startTime").unwrap().unwrap();
    let create = CreateAppointmentRequest::builder()
        .practice_id(9876)
        .user_id(34_560)
        .appointment_type_id(1860)
        .appointment_status_id(AppointmentStatus::Confirmed)
        .appointment_time(practice_core::wire::Timestamp::parse(&first).unwrap())
        .duration(30)
        .patient_id(426_700)
        .build()
        .unwrap();
    let id = client.create_appointment(&create).await.unwrap();
    let after = client.find_appointment_slots(&find).await.unwrap();
    let first_after: String = after[0].0.decode("startTime").unwrap().unwrap();
    assert_ne!(first, first_after, "the booked slot is gone");
    assert!(
        client
            .update_appointment_status(id, AppointmentStatus::Arrived)
            .await
            .unwrap()
    );
    assert!(
        !client
            .update_appointment_status(999_999, AppointmentStatus::Arrived)
            .await
            .unwrap()
    );
    assert_eq!(s.requests("aerona.login"), 1);
    s.stop().await;
}

#[tokio::test]
async fn exceeding_aerona_budget_kills_the_token_unless_the_client_holds_back() {
    let s = sandbox(SandboxConfig {
        aerona_limit: 4,
        ..SandboxConfig::default()
    })
    .await;
    let c = s.credentials();
    // A client told the budget is larger than it is: the server invalidates its token.
    let careless =
        aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
            .base_url(s.aerona_base_url())
            .rate_limit(
                aerona_api::RateLimit::parse("100/15m").unwrap(),
                aerona_api::WhenExhausted::FailFast,
            )
            .build()
            .unwrap();
    for id in 0..3 {
        careless.patient(426_700 + id).await.unwrap();
    }
    let err = careless.patient(426_710).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    s.stop().await;

    let s = sandbox(SandboxConfig {
        aerona_limit: 4,
        ..SandboxConfig::default()
    })
    .await;
    let c = s.credentials();
    let careful = aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(s.aerona_base_url())
        .rate_limit(
            aerona_api::RateLimit::parse("4/15m").unwrap(),
            aerona_api::WhenExhausted::FailFast,
        )
        .build()
        .unwrap();
    for id in 0..3 {
        careful.patient(426_700 + id).await.unwrap();
    }
    let err = careful.patient(426_710).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::QuotaExhausted,
        "held back before the server saw it"
    );
    assert_eq!(s.requests("aerona.getPatient"), 3);
    s.stop().await;
}

#[tokio::test]
async fn injected_faults_meet_the_expected_outcomes() {
    let s = sandbox(SandboxConfig::default()).await;
    let client = aerona(&s);
    let f = s.faults();
    f.inject("aerona.getPatient", Fault::Status { status: 500 }, 1);
    client.patient(426_700).await.unwrap();
    assert_eq!(s.requests("aerona.getPatient"), 2, "500 once, then success");
    f.inject(
        "aerona.getPatient",
        Fault::Unavailable { retry_after: 0 },
        2,
    );
    client.patient(426_700).await.unwrap();
    f.inject("aerona.getPatient", Fault::Drop, 1);
    client.patient(426_700).await.unwrap();
    // A body cut short of its Content-Length is a broken read: retried.
    f.inject("aerona.getPatient", Fault::Truncate, 1);
    client.patient(426_700).await.unwrap();
    f.inject("aerona.getPatient", Fault::Html, 1);
    assert_eq!(
        client.patient(426_700).await.unwrap_err().kind(),
        ErrorKind::Decode
    );
    f.inject("aerona.getPatient", Fault::Redirect, 1);
    let err = client.patient(426_700).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(301), "{err}");
    f.inject("aerona.getPatient", Fault::Status { status: 500 }, 10);
    assert_eq!(
        client
            .patient(426_700)
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(500)
    );
    f.clear();

    let before = s.requests("aerona.createAppointment");
    f.inject("aerona.createAppointment", Fault::Drop, 1);
    let create = CreateAppointmentRequest::builder()
        .practice_id(9876)
        .user_id(34_561)
        .appointment_type_id(1860)
        .appointment_status_id(AppointmentStatus::Confirmed)
        .appointment_time(practice_core::wire::Timestamp::parse("2026-03-03T09:00:00Z").unwrap())
        .duration(30)
        .patient_id(426_701)
        .build()
        .unwrap();
    assert_eq!(
        client.create_appointment(&create).await.unwrap_err().kind(),
        ErrorKind::OutcomeUnknown
    );
    assert_eq!(
        s.requests("aerona.createAppointment"),
        before + 1,
        "never a duplicate write"
    );

    let admin = reqwest::Client::new()
        .post(format!("http://{}/_sandbox/faults", s.addr()))
        .body(r#"{"route":"aerona.getPayment","fault":{"kind":"status","status":503},"times":10}"#)
        .send()
        .await
        .unwrap();
    assert!(admin.status().is_success());
    assert_eq!(
        client
            .payment(187_000)
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(503)
    );
    s.stop().await;
}

#[tokio::test]
async fn the_same_seed_serves_the_same_bytes() {
    let (a, b) = (
        sandbox(SandboxConfig::default()).await,
        sandbox(SandboxConfig::default()).await,
    );
    let http = reqwest::Client::new();
    let mut bodies = Vec::new();
    for s in [&a, &b] {
        let login = http
            .post(format!("{}/v1/login", s.aerona_base_url()))
            .body(r#"{"username":"sandbox-user","password":"sandbox-password"}"#)
            .send()
            .await
            .unwrap();
        let token = login.headers()["aerona-auth-token"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = http
            .get(format!(
                "{}/v1/invoices/search?fromDate=2024-01-01&toDate=2024-12-31",
                s.aerona_base_url()
            ))
            .header("AERONA-AUTH-TOKEN", token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        bodies.push(body);
    }
    assert!(bodies[0].len() > 1000);
    assert_eq!(bodies[0], bodies[1]);
}
