//! Every Aerona decoder on arbitrary bytes and on mutated valid payloads: never a panic, and
//! every failure is a decode error naming the operation.

#[path = "../../practice-core/tests/support/decode_props.rs"]
#[macro_use]
mod decode_props;

use aerona_api::models::{AppointmentStatus, TimeOfDay};
use aerona_api::operations::*;
use aerona_api::webhooks::WebhookEvent;
use aerona_api::{Endpoint, ErrorKind};
use decode_props::check;
use proptest::prelude::{TestCaseError, prop_assert_eq};

const PAYMENT: &str = r#"{"id":187941,"patientId":426709,"amount":140.50,"paymentDate":"2022-01-19T13:34:21Z","patientPlan":false,"extra":[1,{"a":null}]}"#;
const LIST: &str = r#"[{"id":1,"amount":1.10,"date":"2022-01-19","dob":"2000-09-13"},{"id":2}]"#;

fn all(body: &[u8]) -> Result<(), TestCaseError> {
    let date = aerona_api::wire::IsoDate::parse("2024-01-01").unwrap();
    let at = aerona_api::wire::Timestamp::parse("2024-01-01T09:00:00Z").unwrap();
    check(
        &LoginRequest::builder()
            .username("u")
            .password("p")
            .build()
            .unwrap(),
        body,
    )?;
    check(
        &UpdateAppointmentStatusRequest::builder()
            .appointment_id(1)
            .appointment_status_id(AppointmentStatus::Arrived)
            .build()
            .unwrap(),
        body,
    )?;
    check(
        &CreateAppointmentRequest::builder()
            .practice_id(1)
            .user_id(1)
            .appointment_type_id(1)
            .appointment_status_id(AppointmentStatus::Confirmed)
            .appointment_time(at)
            .duration(30)
            .patient_id(1)
            .build()
            .unwrap(),
        body,
    )?;
    check(
        &FindAppointmentSlotsRequest::builder()
            .clinician_id(1)
            .appointment_type_id(1)
            .search_start(date)
            .time_of_day(TimeOfDay::Any)
            .build()
            .unwrap(),
        body,
    )?;
    check(
        &ListAppointmentTypesRequest::builder().build().unwrap(),
        body,
    )?;
    check(
        &GetPaymentRequest::builder().payment_id(1).build().unwrap(),
        body,
    )?;
    check(&SearchPaymentsRequest::builder().build().unwrap(), body)?;
    check(
        &GetInvoiceRequest::builder().invoice_id(1).build().unwrap(),
        body,
    )?;
    check(&SearchInvoicesRequest::builder().build().unwrap(), body)?;
    check(&ListCliniciansRequest::builder().build().unwrap(), body)?;
    check(
        &GetPatientRequest::builder().patient_id(1).build().unwrap(),
        body,
    )?;
    // Webhook payloads: parsed or refused with a decode error, never a panic.
    if let Err(err) = WebhookEvent::parse(body) {
        prop_assert_eq!(err.kind(), ErrorKind::Decode);
    }
    Ok(())
}

decoders_never_panic!(all, [PAYMENT, LIST, "true", "34234"]);

#[test]
fn the_valid_payloads_decode() {
    let payment = GetPaymentRequest::builder()
        .payment_id(1)
        .build()
        .unwrap()
        .decode(PAYMENT.as_bytes())
        .unwrap();
    assert_eq!(payment.amount.unwrap().to_string(), "140.50");
    let list = SearchPaymentsRequest::builder()
        .build()
        .unwrap()
        .decode(LIST.as_bytes())
        .unwrap();
    assert_eq!(list.len(), 2);
}
