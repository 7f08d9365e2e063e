//! The vendor reads each answer once, when it comes back from the transport; retry, quota
//! and the error mapping consult that reading only.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use practice_core::bytes::Bytes;
use practice_core::http::{Response, StatusCode};
use practice_core::{
    ClientBuilder, ErrorKind, Failure, HttpClient, ResponseReading, RetryConfig, ServerQuota,
    VendorMessage, VendorProfile,
};
use support::*;
use tokio::time::Instant;

/// Reads a 418 as a transient rate limit with a 2 s wait (nothing the standard rules would
/// say of a 418), and a 200 as "budget spent for an hour"; counts its readings.
#[derive(Clone, Default)]
struct CountingProfile {
    reads: Arc<AtomicUsize>,
    messages_read: Arc<AtomicUsize>,
}

impl VendorProfile for CountingProfile {
    fn name(&self) -> &'static str {
        "test"
    }

    fn error_messages(&self, response: &Response<Bytes>) -> Vec<VendorMessage> {
        self.messages_read.fetch_add(1, Ordering::SeqCst);
        vec![VendorMessage {
            name: Some("why".into()),
            message: String::from_utf8_lossy(response.body()).into_owned(),
        }]
    }

    fn read(&self, response: &Response<Bytes>) -> ResponseReading {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let path_is_login = response.body().starts_with(b"\"tok-");
        match response.status() {
            StatusCode::IM_A_TEAPOT => ResponseReading {
                transient: true,
                retry_after: Some(Duration::from_secs(2)),
                server_quota: None,
                messages: self.error_messages(response),
                failure: Some(Failure::new(
                    ErrorKind::RateLimited,
                    "read by the test profile",
                )),
                ..ResponseReading::default()
            },
            StatusCode::OK if !path_is_login => ResponseReading {
                server_quota: Some(ServerQuota {
                    limit: None,
                    remaining: 0,
                    reset_in: Duration::from_secs(3600),
                }),
                ..ResponseReading::default()
            },
            _ => ResponseReading::standard(response, Vec::new()),
        }
    }
}

fn client(server: &FakeServer, profile: &CountingProfile, retry: RetryConfig) -> HttpClient {
    ClientBuilder::new(
        Arc::new(profile.clone()),
        "http://127.0.0.1:1/base",
        "test-agent/1.0",
    )
    .map_options(|o| o.transport_service(server.service()).retry(retry))
    .build(TestAuth {
        lifetime: Duration::from_secs(3600),
    })
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn retry_and_quota_act_on_the_one_reading_of_each_answer() {
    let server = FakeServer::new(|_, n| match n {
        0 | 1 => Reply::Status(418, "short and stout"),
        _ => Reply::Status(200, r#"{"ok":true}"#),
    });
    let profile = CountingProfile::default();
    let client = client(&server, &profile, RetryConfig::default());

    let started = Instant::now();
    client.execute(&GetThing(1)).await.unwrap();
    // Retried twice because the reading said so, each time after the reading's wait.
    assert_eq!(server.requests().len(), 3);
    assert!(started.elapsed() >= Duration::from_secs(4));
    // The login and three answers: four responses, four readings; two error bodies read.
    assert_eq!(profile.reads.load(Ordering::SeqCst), 4);
    assert_eq!(profile.messages_read.load(Ordering::SeqCst), 2);

    // The quota layer kept what the last reading said of the budget: spent for an hour.
    let err = client.execute(&GetThing(2)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(server.requests().len(), 3, "nothing more was sent");
    assert_eq!(profile.reads.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn the_error_is_made_from_the_reading() {
    let server = FakeServer::new(|_, _| Reply::Status(418, "short and stout"));
    let profile = CountingProfile::default();
    let client = client(&server, &profile, RetryConfig::disabled());

    let err = client.execute(&GetThing(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.status(), Some(StatusCode::IM_A_TEAPOT));
    assert_eq!(err.operation(), Some("getThing"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(err.vendor_messages()[0].message, "short and stout");
    assert!(
        err.to_string().contains("read by the test profile"),
        "{err}"
    );
    // One error answer, its body read once.
    assert_eq!(profile.messages_read.load(Ordering::SeqCst), 1);
}
