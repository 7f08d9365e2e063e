//! Generated records serialise back to exactly what was received: samples with explicit
//! nulls, unknown fields and money such as `140.50` (the spec's examples are round-tripped by
//! the generated test `generated::examples`).

use aerona_api::models::*;
use aerona_api::operations::*;
use practice_core::serde_json;
use practice_core::time::{Date, Month};
use practice_core::{Endpoint, ErrorKind};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes `text` as `T`, serialises it back and returns the text.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> String {
    let record: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    serde_json::to_string(&record).unwrap()
}

/// Keys are read borrowed from the input; one written with an escape still names its field,
/// and an unknown one keeps its decoded name.
#[test]
fn escaped_keys_are_matched_and_kept() {
    let text = r#"{"\u0069d":187941,"amount":1.50,"fancy\"Key\u00e9":true}"#;
    let payment: Payment = serde_json::from_str(text).unwrap();
    assert_eq!(payment.id, Some(187941));
    assert_eq!(payment.unknown_fields.get("fancy\"Keyé"), Some("true"));
    assert_eq!(
        serde_json::to_string(&payment).unwrap(),
        r#"{"id":187941,"amount":1.50,"fancy\"Keyé":true}"#
    );
}

#[test]
fn nulls_unknown_fields_and_money_digits_survive() {
    let text = r#"{"id":187941,"patientId":426709,"paymentType":"1","amount":140.50,"cancellation":null,"refund":0.00,"paymentDate":"2022-01-19T13:34:21Z","cancellationDate":null,"patientPlan":false,"futureField":[1.50,"x"],"nested":{"a":null}}"#;
    assert_eq!(round_trip::<Payment>(text), text);

    let payment: Payment = serde_json::from_str(text).unwrap();
    assert_eq!(payment.amount.unwrap().to_string(), "140.50");
    assert_eq!(payment.cancellation, None);
    assert_eq!(
        payment.unknown_fields.get("futureField"),
        Some(r#"[1.50,"x"]"#)
    );

    let invoice = r#"{"id":1,"date":"2022-01-19","price":25.10,"discount":5.5,"vatRate":15.00,"prechargeDate":null}"#;
    assert_eq!(round_trip::<Invoice>(invoice), invoice);

    // The patient sample is cut off in the vendor's docs: every field we do not know is kept.
    let patient = r#"{"practiceId":9876,"forename":"Mary","dob":"2000-09-13","address3":"Eglinton","address4":"Derry","postcode":"BT47","balance":12.50}"#;
    assert_eq!(round_trip::<Patient>(patient), patient);
}

#[test]
fn open_enumerations_keep_unknown_codes() {
    let status: AppointmentStatus = serde_json::from_str("16").unwrap();
    assert_eq!(status, AppointmentStatus::from_code(16));
    assert_eq!(status.code(), 16);
    let future: AppointmentStatus = serde_json::from_str("15").unwrap();
    assert_eq!(future, AppointmentStatus::Unknown(15));
    assert_eq!(serde_json::to_string(&future).unwrap(), "15");
}

#[test]
fn requests_check_and_encode_as_the_spec_says() {
    let date = Date::from_calendar_date(2024, Month::March, 7).unwrap();
    let both = FindAppointmentSlotsRequest::builder()
        .clinician_id(1)
        .clinician_type_id(ClinicianType::from_code(3))
        .appointment_type_id(2)
        .search_start(date)
        .time_of_day(TimeOfDay::from_code(0))
        .build()
        .unwrap_err();
    assert_eq!(both.kind(), ErrorKind::InvalidRequest);
    let text = both.to_string();
    for violation in [
        "exactly one of clinicianId, clinicianTypeId",
        "`practiceId` is required when clinicianTypeId is given",
    ] {
        assert!(text.contains(violation), "{text}");
    }

    let request = GetPaymentRequest::builder()
        .payment_id(187941)
        .build()
        .unwrap();
    assert_eq!(request.path(), "/v1/payments/187941");
    let too_long = GetPaymentRequest::builder()
        .payment_id(123_456_789_012)
        .build()
        .unwrap_err();
    assert!(
        too_long.to_string().contains("at most 11 digits"),
        "{too_long}"
    );

    let payment = request.decode(br#"{"id":187941,"amount":140.50}"#).unwrap();
    assert_eq!(payment.amount.unwrap().to_string(), "140.50");
}
