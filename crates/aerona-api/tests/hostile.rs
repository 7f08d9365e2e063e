//! Hostile answers to the Aerona client (issue 16): broken logins under concurrency, echoed
//! credentials and tokens, and creates answered with success but an unreadable body. On
//! tokio's paused clock through an in-process transport.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aerona_api::models::AppointmentStatus;
use aerona_api::operations::CreateAppointmentRequest;
use aerona_api::{Client, ErrorKind, RetryConfig};
use futures_util::StreamExt;
use practice_core::bytes::Bytes;
use practice_core::http::{Request, Response, StatusCode};

const PASSWORD: &str = "pa55word-\"echoed\"";
const PIN: &str = "4821";
const TOKEN: &str = "tok-aerona-echoed";

type Answer = fn(&str) -> Result<Response<Bytes>, practice_core::Error>;

/// An Aerona whose logins answer `login` and whose other requests answer `other`; logins
/// are counted.
fn vendor(
    login: Answer,
    other: Answer,
    logins: Arc<AtomicUsize>,
) -> practice_core::TransportService {
    practice_core::TransportService::new(tower::service_fn(move |request: Request<Bytes>| {
        let logins = logins.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let path = request.uri().path().to_owned();
            if path.ends_with("/login") {
                logins.fetch_add(1, Ordering::SeqCst);
                return login(&path);
            }
            other(&path)
        }
    }))
}

fn ok_login(_: &str) -> Result<Response<Bytes>, practice_core::Error> {
    let mut response = Response::new(Bytes::new());
    response
        .headers_mut()
        .insert("aerona-auth-token", TOKEN.parse().unwrap());
    Ok(response)
}

fn client(transport: practice_core::TransportService) -> Client {
    Client::builder("api-user", PASSWORD)
        .pin(PIN)
        .base_url("http://127.0.0.1:9/AeronaAPI")
        .map_options(|o| {
            o.retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(100)))
                .transport_service(transport)
        })
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_broken_login_answer_costs_at_most_four_logins_for_forty_reads() {
    let reset: Answer = |_| {
        Err(practice_core::Error::new(
            ErrorKind::Transport,
            "connection reset by peer",
        ))
    };
    let malformed: Answer = |_| {
        let mut response = Response::new(Bytes::new());
        response
            .headers_mut()
            .insert("aerona-auth-token", "   ".parse().unwrap());
        Ok(response)
    };
    let patient: Answer = |_| Ok(Response::new(Bytes::from_static(b"{}")));
    for (name, login) in [("reset", reset), ("malformed header", malformed)] {
        for concurrency in [4, 16] {
            let logins = Arc::new(AtomicUsize::new(0));
            let client = client(vendor(login, patient, logins.clone()));
            let failed = futures_util::stream::iter(0..40)
                .map(|id| {
                    let client = client.clone();
                    async move { client.patient(1000 + id).await }
                })
                .buffer_unordered(concurrency)
                .filter(|r| std::future::ready(r.is_err()))
                .count()
                .await;
            assert_eq!(failed, 40);
            let logins = logins.load(Ordering::SeqCst);
            assert!(
                logins <= 4,
                "{name}, concurrency {concurrency}: {logins} logins"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn echoed_password_pin_and_token_are_masked_and_capped() {
    let echo: Answer = |path| {
        let all = format!("{PASSWORD} {PIN} {TOKEN}");
        let escaped = serde_json::to_string(&all).unwrap();
        let (status, body) = match path.rsplit('/').next().unwrap_or("") {
            "1" => (400, format!(r#"{{"message":{escaped},"field":{escaped}}}"#)),
            "2" => (500, format!("plain {all} {}", "x".repeat(5000))),
            "3" => (422, format!(r#"{{"nested":{{"deep":[{escaped}]}}}}"#)),
            _ => (404, escaped),
        };
        let mut response = Response::new(Bytes::from(body));
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        Ok(response)
    };
    let client = client(vendor(ok_login, echo, Arc::new(AtomicUsize::new(0))));
    for id in 1..=4 {
        let err = client.patient(id).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("***"), "{text}");
        for needle in [PASSWORD, "pa55word-\\\"echoed", PIN, TOKEN] {
            assert!(!text.contains(needle), "{needle} leaked: {text}");
        }
        for m in err.vendor_messages() {
            assert!(m.message.chars().count() <= 200, "{}", m.message.len());
        }
    }
}

fn create() -> CreateAppointmentRequest {
    CreateAppointmentRequest::builder()
        .practice_id(1)
        .user_id(2)
        .appointment_type_id(3)
        .appointment_status_id(AppointmentStatus::Confirmed)
        .appointment_time(aerona_api::wire::Timestamp::parse("2026-03-02T10:00:00Z").unwrap())
        .duration(30)
        .patient_id(4)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_create_answered_2xx_with_an_unreadable_body_is_reported_applied() {
    let answers: [Answer; 4] = [
        |_| Ok(Response::new(Bytes::from_static(b"\"34234\""))),
        |_| Ok(Response::new(Bytes::from_static(b"34234.0"))),
        |_| Ok(Response::new(Bytes::from_static(b"OK"))),
        |_| {
            let mut response = Response::new(Bytes::new());
            *response.status_mut() = StatusCode::CREATED;
            Ok(response)
        },
    ];
    for answer in answers {
        let creates = Arc::new(AtomicUsize::new(0));
        let counted = creates.clone();
        let inner = vendor(ok_login, answer, Arc::new(AtomicUsize::new(0)));
        let transport = practice_core::TransportService::new(tower::service_fn(
            move |request: Request<Bytes>| {
                if !request.uri().path().ends_with("/login") {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                let inner = inner.clone();
                async move { inner.call_shared(request).await }
            },
        ));
        let err = client(transport)
            .create_appointment(&create())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AppliedUnreadable, "{err}");
        assert!(err.to_string().contains("applied"), "{err}");
        assert_eq!(creates.load(Ordering::SeqCst), 1, "never retried");
    }
}
