//! Generated records serialise back to exactly what was received: samples with explicit
//! nulls, unknown fields and money such as `140.50` (the spec's examples are round-tripped by
//! the generated test `generated::examples`).

use aloha_api::models::*;
use aloha_api::operations::*;
use practice_core::Endpoint;
use practice_core::serde_json;
use practice_core::time::{Date, Month};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes `text` as `T`, serialises it back and returns the text.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> String {
    let record: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    serde_json::to_string(&record).unwrap()
}

#[test]
fn nulls_unknown_fields_and_money_digits_survive() {
    let text = r#"{"appointmentId":5001,"claimId":null,"appointmentDate":"01-15-2024","appointmentStart":"09:00 AM","appointmentEnd":"10:30 PM","diagnosticCodes2":null,"units":4.0,"charge":140.50,"chargeRate":35.125,"dob":"09-13-2000","completed":"Maybe","newField":{"nested":[1.50,null]},"another":12.000}"#;
    assert_eq!(round_trip::<Appointment>(text), text);

    let appointment: Appointment = serde_json::from_str(text).unwrap();
    assert_eq!(appointment.charge.unwrap().to_string(), "140.50");
    assert_eq!(appointment.claim_id, None);
    assert_eq!(appointment.appointment_end.unwrap().hour(), 22);
    assert_eq!(appointment.dob.unwrap().year(), 2000);
    assert_eq!(appointment.completed, Some(YesNo::Unknown("Maybe".into())));
    assert_eq!(appointment.unknown_fields.get("another"), Some("12.000"));

    let ledger = r#"{"invoiceId":1,"dateOfService":"03-07-2024","billedAmount":140.50,"primaryPayment":0.10,"adjustments":-5.00}"#;
    assert_eq!(round_trip::<BillingLedgerEntry>(ledger), ledger);

    let odd = r#"{"client_Name":"A","iD_with_Payer":"X1","type":"Hours","startDate":"2024-10-26T00:00:00Z","start_Date1":"whatever","client_Id":7}"#;
    assert_eq!(round_trip::<AuthorizationWithoutAppointments>(odd), odd);
}

#[test]
fn enveloped_answers_decode_their_data() {
    let request = ListAppointmentsRequest::builder()
        .start_date(Date::from_calendar_date(2024, Month::January, 1).unwrap())
        .end_date(Date::from_calendar_date(2024, Month::January, 31).unwrap())
        .build()
        .unwrap();
    assert_eq!(
        request.query(),
        [
            ("startDate", "2024-01-01".to_owned()),
            ("endDate", "2024-01-31".to_owned())
        ]
    );
    let body =
        br#"{"status":200,"message":"Success","data":[{"appointmentId":1,"charge":140.50}]}"#;
    let rows = request.decode(body).unwrap();
    assert_eq!(rows[0].charge.unwrap().to_string(), "140.50");

    let missing = ListAppointmentsRequest::builder().build().unwrap_err();
    assert_eq!(missing.kind(), practice_core::ErrorKind::InvalidRequest);
    assert!(missing.to_string().contains("startDate"), "{missing}");
}
