//! The Aerona client against httpmock on loopback (prefixed base), and against an in-process
//! transport on tokio's paused clock for the budget.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aerona_api::models::{AppointmentStatus, ClinicianType, TimeOfDay};
use aerona_api::operations::{
    CreateAppointmentRequest, FindAppointmentSlotsRequest, ListAppointmentTypesRequest,
    ListCliniciansRequest,
};
use aerona_api::{Client, DateRange, ErrorKind, RateLimit, RetryConfig, WhenExhausted};
use futures_util::TryStreamExt;
use httpmock::{Mock, MockServer};
use practice_core::bytes::Bytes;
use practice_core::http::{Request, Response};
use practice_core::time::OffsetDateTime;

#[path = "../../practice-core/tests/support/capture.rs"]
mod capture;

const PREFIX: &str = "/AeronaAPI";

async fn login_mock<'a>(server: &'a MockServer, token: &str) -> Mock<'a> {
    let token = token.to_owned();
    server
        .mock_async(|when, then| {
            when.method("POST")
                .path(format!("{PREFIX}/v1/login"))
                .json_body(
                    serde_json::json!({"username": "api-user", "password": "pa55word-value"}),
                );
            then.status(200).header("AERONA-AUTH-TOKEN", token);
        })
        .await
}

fn aerona_client(server: &MockServer) -> Client {
    Client::builder("api-user", "pa55word-value")
        .base_url(server.url(PREFIX))
        .map_options(|o| {
            o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        })
        .build()
        .unwrap()
}

const PAYMENT: &str = r#"{"id":187941,"patientId":426709,"practiceId":9876,"practiceName":"My Dentist Inc.","paymentType":"1","paymentMethod":"Credit Card","amount":140.50,"cancellation":140.5,"refund":25,"refundReference":1,"paymentNote":"Paid in full.","paymentDate":"2022-01-19T13:34:21Z","cancellationNote":"Cancelled by patient.","cancellationDate":"2022-01-22T10:22:56Z","patientPlan":false,"patientCarePlanId":1254,"createdUserId":34567,"dateModified":"2022-01-24T08:25:34Z","thirdPartyProviderName":"My Insurance Co."}"#;
const INVOICE: &str = r#"{"id":337292,"patientId":426709,"date":"2022-01-19","quantity":3,"dateCompleted":"2022-01-19T13:34:21Z","price":25.00,"status":"Planned","saleItem":"Mouthwash","userId":337292,"discount":5,"discountAmount":20,"refundAmount":50,"refundNote":"Payment for treatment refunded","refundDate":"2022-01-19T13:34:00Z","refundMethod":"Credit Card","patientCarePlan":"Comprehensive","vatRate":15,"insurerFee":50,"adjustmentType":"Write Off","adjustmentNote":"Payment for treatment adjusted.","adjustmentAmount":15,"prechargeDate":"2022-01-19","trackingFee":10}"#;
const PATIENT: &str = r#"{"practiceId":9876,"patientTypeId":1,"sourceId":4,"referrerId":28,"genderId":2,"titleId":0,"forename":"Test","surname":"Patient","maidenName":null,"occupation":"Teacher","dob":"2000-09-13","knownAs":"Tess","address1":"1 Test Street","address2":"Testville","address3":"Testshire","postcode":"TE5 7ST","mobilePhone":"07000 000000","balance":12.30}"#;

#[tokio::test]
async fn every_operation_is_shaped_as_documented_under_the_prefix() {
    let server = MockServer::start_async().await;
    let login = login_mock(&server, "tok-abc").await;
    let mut mocks = Vec::new();
    let get = |path: &'static str, query: Vec<(&'static str, &'static str)>, body: String| {
        let server = &server;
        async move {
            server
                .mock_async(|when, then| {
                    let mut when = when
                        .method("GET")
                        .path(format!("{PREFIX}{path}"))
                        .header("AERONA-AUTH-TOKEN", "tok-abc");
                    for (k, v) in query {
                        when = when.query_param(k, v);
                    }
                    then.status(200)
                        .header("content-type", "application/json")
                        .body(body);
                })
                .await
        }
    };
    // One GET a row: its path under the prefix, the query it must carry, and its answer.
    let gets = [
        ("/v1/payments/187941", vec![], PAYMENT.into()),
        ("/v1/invoices/337292", vec![], INVOICE.into()),
        ("/v1/patients/426709", vec![], PATIENT.into()),
        (
            "/v1/payments/search",
            vec![
                ("patientId", "426709"),
                ("fromDate", "2021-01-01"),
                ("toDate", "2021-01-31"),
            ],
            format!("[{PAYMENT}]"),
        ),
        (
            "/v1/invoices/search",
            vec![("fromDate", "2021-01-01"), ("toDate", "2021-01-31")],
            format!("[{INVOICE}]"),
        ),
        (
            "/v1/clinicians",
            vec![("practiceId", "9876"), ("appointmentTypeId", "1864")],
            r#"[{"id":34567,"name":"Dr Test","clinicianTypeId":1}]"#.into(),
        ),
        (
            "/v1/appointment-types",
            vec![
                ("practiceId", "9876"),
                ("clinicianTypeId", "3"),
                ("includeDisabled", "true"),
            ],
            r#"[{"id":1864,"name":"Check-up","duration":30}]"#.into(),
        ),
        (
            "/v1/find-appointment-slots",
            vec![
                ("clinicianId", "34567"),
                ("appointmentTypeId", "1864"),
                ("searchStart", "2022-04-01"),
                ("timeOfDay", "1"),
            ],
            r#"[{"start":"2022-04-01T09:00:00Z","clinicianId":34567}]"#.into(),
        ),
    ];
    for (path, query, body) in gets {
        mocks.push(get(path, query, body).await);
    }
    let status = server
        .mock_async(|when, then| {
            when.method("PUT")
                .path(format!("{PREFIX}/v1/appointments/34234/status"))
                .header("AERONA-AUTH-TOKEN", "tok-abc")
                .header("content-type", "application/json")
                .json_body(serde_json::json!({"appointmentStatusId": 7}));
            then.status(200).body("true");
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method("POST")
                .path(format!("{PREFIX}/v1/appointments"))
                .header("AERONA-AUTH-TOKEN", "tok-abc")
                .json_body(serde_json::json!({
                    "practiceId": 9876, "userId": 34567, "appointmentTypeId": 1864, "appointmentStatusId": 7,
                    "appointmentTime": "2023-01-19T13:30:00Z", "emergency": false,
                    "appointmentNotes": "Patient is nervous.", "duration": 45, "patientId": 426909
                }));
            then.status(200).body("34234");
        })
        .await;

    let client = aerona_client(&server);
    let payment = client.payment(187941).await.unwrap();
    assert_eq!(payment.amount.unwrap().to_string(), "140.50");
    assert_eq!(
        serde_json::to_string(&payment).unwrap(),
        PAYMENT,
        "the record round-trips exactly"
    );
    let invoice = client.invoice(337292).await.unwrap();
    assert_eq!(invoice.date.unwrap().to_string(), "2022-01-19");
    assert_eq!(serde_json::to_string(&invoice).unwrap(), INVOICE);
    let patient = client.patient(426709).await.unwrap();
    assert_eq!(patient.forename.as_deref(), Some("Test"));
    assert_eq!(patient.unknown_fields.get("balance"), Some("12.30"));
    assert_eq!(
        serde_json::to_string(&patient).unwrap(),
        PATIENT,
        "undocumented fields and nulls kept"
    );

    let range = DateRange::parse("2021-01-01", "2021-01-31").unwrap();
    assert_eq!(
        client
            .search_payments(Some(426709), range)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(client.search_invoices(None, range).await.unwrap().len(), 1);
    let clinicians = client
        .clinicians(
            &ListCliniciansRequest::builder()
                .practice_id(9876)
                .appointment_type_id(1864)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(clinicians[0].get("name"), Some(r#""Dr Test""#));
    let types = client
        .appointment_types(
            &ListAppointmentTypesRequest::builder()
                .practice_id(9876)
                .clinician_type_id(ClinicianType::Hygienist)
                .include_disabled(true)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(types.len(), 1);
    let slots = client
        .find_appointment_slots(
            &FindAppointmentSlotsRequest::builder()
                .clinician_id(34567)
                .appointment_type_id(1864)
                .search_start(practice_core::wire::IsoDate::parse("2022-04-01").unwrap())
                .time_of_day(TimeOfDay::Morning)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(slots.len(), 1);
    assert!(
        client
            .update_appointment_status(34234, AppointmentStatus::Completed)
            .await
            .unwrap()
    );
    let new_id = client.create_appointment(&sample_create()).await.unwrap();
    assert_eq!(new_id, 34234);

    assert_eq!(login.calls_async().await, 1, "one login for every call");
    for mock in mocks {
        assert_eq!(mock.calls_async().await, 1);
    }
    assert_eq!(status.calls_async().await, 1);
    assert_eq!(create.calls_async().await, 1);
}

fn sample_create() -> CreateAppointmentRequest {
    CreateAppointmentRequest::builder()
        .practice_id(9876)
        .user_id(34567)
        .appointment_type_id(1864)
        .appointment_status_id(AppointmentStatus::Completed)
        .appointment_time(practice_core::wire::Timestamp::parse("2023-01-19T13:30:00Z").unwrap())
        .emergency(false)
        .appointment_notes("Patient is nervous.")
        .duration(45)
        .patient_id(426909)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_create_that_may_have_been_applied_is_never_retried() {
    let server = MockServer::start_async().await;
    login_mock(&server, "tok-abc").await;
    let create = server
        .mock_async(|when, then| {
            when.method("POST")
                .path(format!("{PREFIX}/v1/appointments"));
            then.status(502).body("<html>Bad Gateway</html>");
        })
        .await;
    let err = aerona_client(&server)
        .create_appointment(&sample_create())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert_eq!(err.operation(), Some("createAppointment"));
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn a_rejected_token_means_one_new_login_then_an_error() {
    let server = MockServer::start_async().await;
    let login = login_mock(&server, "tok-abc").await;
    let refused = server
        .mock_async(|when, then| {
            when.method("GET").path(format!("{PREFIX}/v1/patients/1"));
            then.status(401).body(r#"{"message":"Token invalid"}"#);
        })
        .await;
    let err = aerona_client(&server).patient(1).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(login.calls_async().await, 2);
    assert_eq!(refused.calls_async().await, 2);

    let server = MockServer::start_async().await;
    let bad_login = server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/v1/login"));
            then.status(401)
                .body(r#"{"message":"Invalid username or password"}"#);
        })
        .await;
    let err = aerona_client(&server).patient(1).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(
        err.to_string().contains("Invalid username or password"),
        "{err}"
    );
    assert!(!err.to_string().contains("pa55word-value"));
    assert_eq!(
        bad_login.calls_async().await,
        1,
        "bad credentials are not retried"
    );

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{PREFIX}/v1/login"));
            then.status(200);
        })
        .await;
    let err = aerona_client(&server).patient(1).await.unwrap_err();
    assert!(
        err.to_string().contains("no AERONA-AUTH-TOKEN header"),
        "{err}"
    );
}

#[tokio::test]
async fn invalid_requests_send_nothing_not_even_a_login() {
    let server = MockServer::start_async().await;
    let login = login_mock(&server, "tok-abc").await;
    let client = aerona_client(&server);
    assert_eq!(
        client.patient(123_456_789_012).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        client.payment(-123_456_789_012).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    // A hygienist's slots; each case below adds to or leaves out of it.
    let hygienist_slots = || {
        FindAppointmentSlotsRequest::builder()
            .clinician_type_id(ClinicianType::Hygienist)
            .appointment_type_id(1)
            .search_start(practice_core::wire::IsoDate::parse("2022-04-01").unwrap())
            .time_of_day(TimeOfDay::Any)
    };
    let both = hygienist_slots()
        .clinician_id(1)
        .practice_id(1)
        .build()
        .unwrap_err();
    assert!(
        both.to_string()
            .contains("exactly one of clinicianId, clinicianTypeId"),
        "{both}"
    );
    let no_practice = hygienist_slots().build().unwrap_err();
    assert!(
        no_practice.to_string().contains("practiceId"),
        "{no_practice}"
    );
    let long = CreateAppointmentRequest::builder()
        .practice_id(1)
        .user_id(1)
        .appointment_type_id(1)
        .appointment_status_id(AppointmentStatus::Confirmed)
        .appointment_time(OffsetDateTime::now_utc())
        .duration(1_000_000)
        .patient_id(1)
        .build()
        .unwrap_err();
    assert!(long.to_string().contains("duration"), "{long}");
    let missing = CreateAppointmentRequest::builder()
        .practice_id(1)
        .build()
        .unwrap_err();
    assert!(
        missing.to_string().contains("patientId")
            && missing.to_string().contains("appointmentTime"),
        "{missing}"
    );
    assert_eq!(
        client
            .update_appointment_status(1, AppointmentStatus::Unknown(15))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidRequest
    );
    let err = Client::builder("", "x").build().unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidRequest,
        "the login's own validation runs at build time"
    );
    assert_eq!(login.calls_async().await, 0);
}

#[tokio::test]
async fn long_searches_always_send_both_dates_in_chunks() {
    let server = MockServer::start_async().await;
    login_mock(&server, "tok-abc").await;
    let mut chunks = Vec::new();
    for (from, to) in [
        ("2021-01-01", "2021-01-31"),
        ("2021-02-01", "2021-03-03"),
        ("2021-03-04", "2021-03-10"),
    ] {
        chunks.push(
            server
                .mock_async(|when, then| {
                    when.method("GET")
                        .path(format!("{PREFIX}/v1/payments/search"))
                        .query_param("fromDate", from)
                        .query_param("toDate", to);
                    then.status(200).body(format!("[{PAYMENT}]"));
                })
                .await,
        );
    }
    let range = DateRange::parse("2021-01-01", "2021-03-10").unwrap();
    let rows: Vec<_> = aerona_client(&server)
        .stream_payments(None, range, 31)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for chunk in chunks {
        assert_eq!(chunk.calls_async().await, 1);
    }
}

/// An in-process Aerona for the budget test: logins answer a token header, everything else
/// `{}`; every request's instant is recorded.
fn fake_aerona(seen: Arc<Mutex<Vec<tokio::time::Instant>>>) -> practice_core::TransportService {
    practice_core::TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(tokio::time::Instant::now());
            tokio::time::sleep(Duration::from_millis(30)).await;
            let mut response = Response::new(Bytes::from_static(PATIENT.as_bytes()));
            if request.uri().path().ends_with("/login") {
                response
                    .headers_mut()
                    .insert("aerona-auth-token", "tok-fake".parse().unwrap());
            }
            Ok::<_, practice_core::Error>(response)
        }
    }))
}

#[tokio::test(start_paused = true)]
async fn fifty_tasks_never_exceed_300_requests_in_any_15_minutes() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Client::builder("api-user", "pa55word-value")
        .base_url("http://127.0.0.1:9/AeronaAPI")
        .map_options(|o| o.transport_service(fake_aerona(seen.clone())))
        .rate_limit(
            aerona_api::vendor_rate_limit(),
            WhenExhausted::wait_up_to(Duration::from_secs(24 * 3600)),
        )
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in 0..20 {
                    client.patient(t * 100 + i).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut sent = seen.lock().unwrap().clone();
    sent.sort();
    let window = Duration::from_secs(15 * 60);
    for (i, start) in sent.iter().enumerate() {
        let in_window = sent[i..]
            .iter()
            .take_while(|t| **t < *start + window)
            .count();
        assert!(
            in_window <= 300,
            "window from request {i} holds {in_window}"
        );
    }
    // 1,000 calls and the logins: the budget allows 300 per 15 minutes and 5 s of margin.
    assert!(sent.len() >= 1001, "{}", sent.len());
    let windows = (sent.len() as u32 - 1) / 300;
    let minimum = (window + aerona_api::DEFAULT_SAFETY_MARGIN) * windows;
    assert!(started.elapsed() >= minimum, "{:?}", started.elapsed());
    assert!(
        started.elapsed() <= minimum.mul_f64(1.05),
        "{:?} vs {minimum:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_custom_budget_can_fail_fast() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Client::builder("api-user", "pa55word-value")
        .base_url("http://127.0.0.1:9/AeronaAPI")
        .map_options(|o| o.transport_service(fake_aerona(seen.clone())))
        .rate_limit(RateLimit::parse("3/1m").unwrap(), WhenExhausted::FailFast)
        .build()
        .unwrap();
    client.patient(1).await.unwrap();
    client.patient(2).await.unwrap();
    let err = client.patient(3).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(
        seen.lock().unwrap().len(),
        3,
        "login + two calls fill the budget of 3"
    );
}

#[tokio::test(start_paused = true)]
async fn the_token_is_renewed_before_the_hour_is_up() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Client::builder("api-user", "pa55word-value")
        .base_url("http://127.0.0.1:9/AeronaAPI")
        .map_options(|o| o.transport_service(fake_aerona(seen.clone())))
        .build()
        .unwrap();
    client.patient(1).await.unwrap();
    tokio::time::advance(Duration::from_secs(50 * 60)).await;
    client.patient(2).await.unwrap();
    assert_eq!(seen.lock().unwrap().len(), 3, "one login so far");
    tokio::time::advance(Duration::from_secs(6 * 60)).await;
    client.patient(3).await.unwrap();
    assert_eq!(
        seen.lock().unwrap().len(),
        5,
        "renewed 4 minutes before expiry: a second login"
    );
}

/// Token requests get their own `token` span (docs/architecture.md), Aerona's login included,
/// though its answer is read undecoded for the token header.
#[tokio::test(start_paused = true)]
async fn the_login_is_sent_inside_a_token_span() {
    let (capture, _guard) = capture::Capture::trace_everything();
    let fake = fake_aerona(Arc::new(Mutex::new(Vec::new())));
    let traced =
        practice_core::TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
            tracing::info!(path = request.uri().path(), "transport reached");
            fake.call_shared(request)
        }));
    let client = Client::builder("api-user", "pa55word-value")
        .base_url("http://127.0.0.1:9/AeronaAPI")
        .map_options(|o| o.transport_service(traced))
        .build()
        .unwrap();
    client.patient(426_709).await.unwrap();

    let logs = capture.text();
    let sent: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("transport reached"))
        .collect();
    assert_eq!(sent.len(), 2, "a login, then the call: {logs}");
    let token_span = r#"token{vendor="aerona" operation="login"}"#;
    assert!(
        sent[0].contains("/v1/login") && sent[0].contains(token_span),
        "the login is sent inside its token span: {logs}"
    );
    assert!(!sent[1].contains("token{"), "{logs}");
    for secret in ["pa55word-value", "tok-fake"] {
        assert!(!logs.contains(secret), "{secret:?} leaked: {logs}");
    }
}
