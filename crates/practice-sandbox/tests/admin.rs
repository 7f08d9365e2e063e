//! The admin API over HTTP: every fault kind seen on the wire (raw TCP where a client library
//! would hide the bytes), stats, and webhook delivery on a compressed schedule.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod support;

use practice_sandbox::{Fault, Sandbox, SandboxConfig};
use serde_json::Value;
use support::{JsonBody, aerona_login, http, json_of, wait_for};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn admin(
    s: &Sandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http().request(method, format!("{}/{path}", s.admin_url()));
    if let Some(body) = body {
        request = request.json_body(&body);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), json_of(r).await)
}

async fn inject(s: &Sandbox, route: &str, fault: Value, times: usize) {
    let (status, body) = admin(
        s,
        reqwest::Method::POST,
        "faults",
        Some(serde_json::json!({"route": route, "fault": fault, "times": times})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Sends `request` as is and reads until the server closes the connection.
async fn raw(s: &Sandbox, request: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection");
    // A reset is as good as a close here: what matters is what arrived before it.
    let _ = read;
    out
}

#[tokio::test]
async fn a_dropped_connection_sends_not_a_byte() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    inject(
        &s,
        "aloha.listClients",
        serde_json::json!({"kind": "drop"}),
        1,
    )
    .await;
    let request = "GET /aloha/customer/v1/report/clients HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n";
    let answer = raw(&s, request).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // The fault is used up: the next request is answered (401: no token).
    let answer = raw(&s, request).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(s.requests("aloha.listClients"), 2);

    // Through a client: a connection error, not a response.
    s.faults().inject("aerona.login", Fault::Drop, 1);
    let err = http()
        .post(format!("{}/v1/login", s.aerona_base_url()))
        .body("{}")
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_status(), "{err}");
    s.stop().await;
}

#[tokio::test]
async fn a_truncated_body_is_cut_short_of_its_length() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let token = aerona_login(&s).await;
    // By path below the vendor's base.
    s.faults().inject("/v1/patients/426700", Fault::Truncate, 1);
    let answer = raw(
        &s,
        &format!("GET /aerona/AeronaAPI/v1/patients/426700 HTTP/1.1\r\nHost: sandbox\r\nAERONA-AUTH-TOKEN: {token}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head arrives");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .unwrap()
        .parse()
        .unwrap();
    assert!(length > 100);
    assert_eq!(body.len(), length / 2, "half the announced body");
    assert!(serde_json::from_str::<Value>(body).is_err());
    s.stop().await;
}

#[tokio::test]
async fn status_delay_html_and_redirect_faults() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let token = aerona_login(&s).await;
    let get = |path: &str| {
        http()
            .get(format!("{}{path}", s.aerona_base_url()))
            .header("AERONA-AUTH-TOKEN", &token)
            .send()
    };
    // A whole path, twice.
    inject(
        &s,
        "/aerona/AeronaAPI/v1/patients/426700",
        serde_json::json!({"kind": "status", "status": 500}),
        2,
    )
    .await;
    for _ in 0..2 {
        let r = get("/v1/patients/426700").await.unwrap();
        assert_eq!(r.status(), 500);
        assert!(json_of(r).await["message"].is_string());
    }
    assert_eq!(get("/v1/patients/426700").await.unwrap().status(), 200);

    inject(
        &s,
        "aerona.getPatient",
        serde_json::json!({"kind": "unavailable", "retry_after": 7}),
        1,
    )
    .await;
    let r = get("/v1/patients/426700").await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "7");

    inject(
        &s,
        "aerona.getPatient",
        serde_json::json!({"kind": "status", "status": 401}),
        1,
    )
    .await;
    assert_eq!(get("/v1/patients/426700").await.unwrap().status(), 401);

    inject(
        &s,
        "aerona.getPatient",
        serde_json::json!({"kind": "delay", "millis": 300}),
        1,
    )
    .await;
    let started = Instant::now();
    assert_eq!(get("/v1/patients/426700").await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    inject(
        &s,
        "aerona.getPatient",
        serde_json::json!({"kind": "html"}),
        1,
    )
    .await;
    let r = get("/v1/patients/426700").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    inject(
        &s,
        "aerona.getPatient",
        serde_json::json!({"kind": "redirect"}),
        1,
    )
    .await;
    let r = get("/v1/patients/426700").await.unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        format!("https://{}/aerona/AeronaAPI/v1/patients/426700", s.addr()).as_str()
    );

    // Aloha faults answer in Aloha's envelope.
    inject(
        &s,
        "aloha.postToken",
        serde_json::json!({"kind": "status", "status": 500}),
        1,
    )
    .await;
    let r = http()
        .post(format!("{}/token", s.aloha_base_url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = json_of(r).await;
    assert_eq!(body["status"], 500);
    assert!(body["errors"].is_array());

    // Clearing, bad injections, stats.
    inject(
        &s,
        "aerona.getPatient",
        serde_json::json!({"kind": "status", "status": 500}),
        5,
    )
    .await;
    assert_eq!(s.faults().pending("aerona.getPatient"), 5);
    let (status, _) = admin(&s, reqwest::Method::DELETE, "faults", None).await;
    assert_eq!(status, 200);
    assert_eq!(get("/v1/patients/426700").await.unwrap().status(), 200);
    let (status, _) = admin(
        &s,
        reqwest::Method::POST,
        "faults",
        Some(serde_json::json!({"route": "aerona.getPatient", "fault": {"kind": "explode"}})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, stats) = admin(&s, reqwest::Method::GET, "stats", None).await;
    assert_eq!(status, 200);
    assert_eq!(stats["aerona.getPatient"], 9);
    assert_eq!(stats["aerona.login"], 1);
    assert_eq!(stats["aloha.postToken"], 1);
    assert_eq!(s.requests("aerona.getPatient"), 9);
    s.stop().await;
}

/// One delivery: when, the secret header, the event.
type Delivery = (Instant, Option<String>, Value);

/// What a test receiver saw.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Delivery>>>);

/// A receiver answering `fail_first` 500s, then 200s.
async fn receiver(fail_first: usize) -> (String, Seen) {
    use axum::extract::State;
    let seen = Seen::default();
    let app =
        axum::Router::new()
            .route(
                "/hook",
                axum::routing::post(
                    move |State(seen): State<Seen>,
                          headers: axum::http::HeaderMap,
                          body: String| async move {
                        let mut log = seen.0.lock().unwrap();
                        let secret = headers
                            .get("x-hook-secret")
                            .map(|v| v.to_str().unwrap().to_owned());
                        log.push((Instant::now(), secret, serde_json::from_str(&body).unwrap()));
                        if log.len() <= fail_first {
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            axum::http::StatusCode::OK
                        }
                    },
                ),
            )
            .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn webhooks_are_retried_hourly_in_compressed_time() {
    let hour = Duration::from_millis(60);
    let s = Sandbox::start(SandboxConfig {
        webhook_hour: hour,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (url, seen) = receiver(2).await;
    let (patients_url, patients_only) = receiver(0).await;
    let (status, _) = admin(
        &s,
        reqwest::Method::POST,
        "webhooks",
        Some(serde_json::json!({"url": url, "events": ["Appointment"], "secretHeader": {"name": "X-Hook-Secret", "value": "s3cret"}})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = admin(
        &s,
        reqwest::Method::POST,
        "webhooks",
        Some(serde_json::json!({"url": patients_url, "events": ["Patient"]})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = admin(
        &s,
        reqwest::Method::POST,
        "webhooks",
        Some(serde_json::json!({"url": "https://example.com/hook"})),
    )
    .await;
    assert_eq!(status, 400, "https receivers are refused");

    let token = aerona_login(&s).await;
    let r = http()
        .post(format!("{}/v1/appointments", s.aerona_base_url()))
        .header("AERONA-AUTH-TOKEN", &token)
        .json_body(&serde_json::json!({
            "practiceId": 9877, "userId": 34561, "appointmentTypeId": 1860,
            "appointmentStatusId": 1, "appointmentTime": "2026-03-03T10:00:00Z",
            "duration": 45, "patientId": 426701, "emergency": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id: i64 = r.text().await.unwrap().parse().unwrap();

    wait_for(Duration::from_secs(5), || seen.0.lock().unwrap().len() >= 3).await;
    tokio::time::sleep(hour * 2).await;
    let log = seen.0.lock().unwrap().clone();
    assert_eq!(log.len(), 3, "two failures, then delivered: no more tries");
    for pair in log.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(
            gap >= hour - Duration::from_millis(5),
            "an hour apart: {gap:?}"
        );
    }
    let event = &log[0].2;
    assert!(
        log.iter().all(|(_, _, e)| e == event),
        "redeliveries repeat the event"
    );
    assert!(
        log.iter()
            .all(|(_, secret, _)| secret.as_deref() == Some("s3cret"))
    );
    assert_eq!(event["event"], "Appointment");
    assert_eq!(event["action"], "created");
    assert_eq!(event["appointmentId"], id);
    assert_eq!(event["apiCreated"], true);
    assert_eq!(event["emergency"], true);
    assert_eq!(event["appointmentTime"], "2026-03-03T10:00:00Z");
    assert!(event["eventId"].is_string());
    time::OffsetDateTime::parse(
        event["occurredAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        patients_only.0.lock().unwrap().is_empty(),
        "not subscribed to Appointment"
    );
    assert_eq!(s.webhook_attempts(), 3);
    let (_, listed) = admin(&s, reqwest::Method::GET, "webhooks", None).await;
    assert_eq!(listed["receivers"].as_array().unwrap().len(), 2);
    assert_eq!(listed["attempts"], 3);
    s.stop().await;
}

#[tokio::test]
async fn stopping_abandons_pending_redeliveries() {
    let s = Sandbox::start(SandboxConfig {
        webhook_hour: Duration::from_millis(40),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (url, seen) = receiver(usize::MAX).await;
    s.register_webhook(&url, None);
    let token = aerona_login(&s).await;
    let r = http()
        .put(format!(
            "{}/v1/appointments/30002/status",
            s.aerona_base_url()
        ))
        .header("AERONA-AUTH-TOKEN", &token)
        .json_body(&serde_json::json!({"appointmentStatusId": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "true");
    wait_for(Duration::from_secs(5), || seen.0.lock().unwrap().len() >= 2).await;
    assert_eq!(seen.0.lock().unwrap()[0].2["action"], "statusChanged");
    s.stop().await;
    let stopped_at = seen.0.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(seen.0.lock().unwrap().len() <= stopped_at + 1);
    assert!(stopped_at < 25);
}
