//! The sandbox delivering Aerona webhooks on the vendor's schedule (hours compressed to
//! milliseconds) to aerona-api's receiver mounted in axum.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aerona_api::models::AppointmentStatus;
use aerona_api::webhooks::{
    Delivery, DeliveryCheck, HandlerOutcome, WebhookEvent, WebhookReceiver,
};
use practice_sandbox::{Sandbox, SandboxConfig};
use support::wait_for;

mod support;

#[tokio::test(flavor = "multi_thread")]
async fn events_are_redelivered_hourly_until_answered_200() {
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_hour: Duration::from_millis(20),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();

    // A receiver that asks for redelivery twice, then handles the event.
    let calls = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (c, e) = (calls.clone(), events.clone());
    let receiver = WebhookReceiver::new(
        DeliveryCheck::new().header(
            aerona_api::webhooks::HeaderName::from_static("x-hook-secret"),
            "s3cret",
        ),
        move |delivery: Delivery| {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let e = e.clone();
            async move {
                if n < 2 {
                    return HandlerOutcome::Redeliver;
                }
                e.lock()
                    .unwrap()
                    .push(WebhookEvent::parse(delivery.body()).unwrap());
                HandlerOutcome::Done
            }
        },
    );
    let app = axum::Router::new().route_service("/hooks/aerona", receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hooks/aerona", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    sandbox.register_webhook(&hook_url, Some(("x-hook-secret", "s3cret")));

    let c = sandbox.credentials();
    let client = aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(sandbox.aerona_base_url())
        .build()
        .unwrap();
    assert!(
        client
            .update_appointment_status(30_002, AppointmentStatus::Completed)
            .await
            .unwrap()
    );
    wait_for(Duration::from_secs(4), || {
        !events.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two redeliveries asked for, then handled"
    );
    assert_eq!(sandbox.webhook_attempts(), 3);
    match &events.lock().unwrap()[0] {
        WebhookEvent::Appointment(event) => {
            assert_eq!(event.object_id, Some(30_002));
            assert_eq!(event.action.as_deref(), Some("statusChanged"));
        }
        other => panic!("{other:?}"),
    }
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_receiver_gets_one_try_and_24_retries() {
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_hour: Duration::from_millis(5),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // The address is free again once the listener above is dropped.
    sandbox.register_webhook(&format!("http://{closed}/hook"), None);
    let http = reqwest::Client::new();
    let registered = http
        .post(format!("http://{}/_sandbox/webhooks", sandbox.addr()))
        .body(format!(r#"{{"url":"http://{closed}/other"}}"#))
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success());
    let c = sandbox.credentials();
    let client = aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(sandbox.aerona_base_url())
        .build()
        .unwrap();
    assert!(
        client
            .update_appointment_status(30_003, AppointmentStatus::Arrived)
            .await
            .unwrap()
    );
    wait_for(Duration::from_secs(4), || sandbox.webhook_attempts() >= 50).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        sandbox.webhook_attempts(),
        50,
        "25 attempts for each of the two receivers, no more"
    );
    sandbox.stop().await;
}
