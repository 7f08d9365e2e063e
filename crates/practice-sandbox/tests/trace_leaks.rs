//! Every operation of both vendors at TRACE level: no credential or token in any output.
//!
//! Alone in its test binary on purpose: tracing caches each callsite's interest globally, and
//! other tests running the same callsites at the same time without a subscriber can make a
//! thread-local subscriber miss events.

#[path = "../../practice-core/tests/support/capture.rs"]
mod capture;

use std::time::Duration;

use capture::Capture;

use aerona_api::models::{AppointmentStatus, TimeOfDay};
use aerona_api::operations::{
    CreateAppointmentRequest, FindAppointmentSlotsRequest, ListAppointmentTypesRequest,
    ListCliniciansRequest,
};
use aloha_api::DateRange;
use practice_sandbox::{Sandbox, SandboxConfig};

#[tokio::test(flavor = "current_thread")]
async fn every_operation_at_trace_level_leaks_no_credential_or_token() {
    let (capture, _guard) = Capture::trace_everything();

    let s = Sandbox::start(SandboxConfig {
        aloha_token_ttl: Duration::from_secs(302),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let c = s.credentials().clone();
    let aloha = aloha_api::Client::builder(c.aloha_client_id.clone(), c.aloha_secret_key.clone())
        .base_url(s.aloha_base_url())
        .build()
        .unwrap();
    let range = DateRange::parse("2024-03-01", "2024-03-03").unwrap();
    let mut outputs = Vec::new();
    outputs.push(format!("{:?}", aloha.clients().await.unwrap().len()));
    outputs.push(format!(
        "{:?}",
        aloha.appointments(range).await.unwrap().len()
    ));
    outputs.push(format!(
        "{:?}",
        aloha.client_authorizations(range).await.unwrap().len()
    ));
    // A 302-second token enters the 5-minute renewal margin within 2 s: refresh-token is used.
    // (A token issued with a lifetime inside the margin would be used until it expires.)
    tokio::time::sleep(Duration::from_millis(2100)).await;
    outputs.push(format!(
        "{:?}",
        aloha.billing_ledger(range).await.unwrap().len()
    ));
    outputs.push(format!(
        "{:?}",
        aloha
            .authorizations_without_appointments(range)
            .await
            .unwrap()
            .len()
    ));
    assert!(s.requests("aloha.postRefreshToken") >= 1);

    let aerona = aerona_api::Client::builder(c.aerona_username.clone(), c.aerona_password.clone())
        .base_url(s.aerona_base_url())
        .build()
        .unwrap();
    let wide = DateRange::parse("2024-01-01", "2024-02-01").unwrap();
    aerona.patient(426_700).await.unwrap();
    aerona.payment(187_000).await.unwrap();
    aerona.invoice(337_000).await.unwrap();
    aerona.search_payments(None, wide).await.unwrap();
    aerona.search_invoices(None, wide).await.unwrap();
    aerona
        .clinicians(&ListCliniciansRequest::builder().build().unwrap())
        .await
        .unwrap();
    aerona
        .appointment_types(&ListAppointmentTypesRequest::builder().build().unwrap())
        .await
        .unwrap();
    let slots = FindAppointmentSlotsRequest::builder()
        .clinician_id(34_560)
        .appointment_type_id(1860)
        .search_start(practice_core::wire::IsoDate::parse("2026-03-02").unwrap())
        .time_of_day(TimeOfDay::Any)
        .build()
        .unwrap();
    aerona.find_appointment_slots(&slots).await.unwrap();
    let create = CreateAppointmentRequest::builder()
        .practice_id(9876)
        .user_id(34_560)
        .appointment_type_id(1860)
        .appointment_status_id(AppointmentStatus::Confirmed)
        .appointment_time(practice_core::wire::Timestamp::parse("2026-03-05T09:00:00Z").unwrap())
        .duration(30)
        .patient_id(426_700)
        .build()
        .unwrap();
    let id = aerona.create_appointment(&create).await.unwrap();
    aerona
        .update_appointment_status(id, AppointmentStatus::Completed)
        .await
        .unwrap();
    outputs.push(format!("{aloha:?} {aerona:?} {create:?}"));
    outputs.push(format!("{:?}", aerona.patient(1).await.unwrap_err()));
    let bad = aerona_api::Client::builder(c.aerona_username.clone(), "wrong-password-value")
        .base_url(s.aerona_base_url())
        .build()
        .unwrap();
    let err = bad.patient(426_700).await.unwrap_err();
    outputs.push(format!("{err} {err:?}"));

    let logs = capture.text();
    for op in [
        "listClients",
        "postRefreshToken",
        "createAppointment",
        "findAppointmentSlots",
        "login",
    ] {
        assert!(logs.contains(op), "{op} is traced");
    }
    outputs.push(logs);
    let secrets = [
        c.aloha_secret_key.as_str(),
        c.aerona_password.as_str(),
        "wrong-password-value",
        "aloha-access-",
        "aloha-refresh-",
        "aerona-token-",
    ];
    for text in &outputs {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} leaked");
        }
    }
    s.stop().await;
}
