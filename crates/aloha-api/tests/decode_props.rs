//! Every Aloha decoder on arbitrary bytes and on mutated valid payloads: never a panic, and
//! every failure is a decode error naming the operation.

#[path = "../../practice-core/tests/support/decode_props.rs"]
#[macro_use]
mod decode_props;

use aloha_api::operations::*;
use aloha_api::{Appointments, DateRange, DateRangeReport, Endpoint};
use decode_props::check;
use proptest::prelude::TestCaseError;

const VALID: &str = r#"{"status":200,"message":"Success","data":[{"appointmentId":5001,"clientId":1024,"claimId":null,"appointmentDate":"01-15-2024","appointmentStart":"09:00 AM","appointmentEnd":"10:15 AM","charge":125.50,"completed":"Yes","units":5,"x":{"y":[1,2.50]}}]}"#;
const TOKEN: &str = r#"{"status":200,"message":"Success","data":{"username":"u","accessToken":"a","accessTokenExpiration":"2024-06-01T01:41:19Z","refreshToken":"r","subscriptionId":"s"}}"#;

fn all(body: &[u8]) -> Result<(), TestCaseError> {
    let range = DateRange::parse("2024-01-01", "2024-01-31").unwrap();
    check(
        &PostTokenRequest::builder()
            .client_id("c")
            .secret_key("s")
            .build()
            .unwrap(),
        body,
    )?;
    check(
        &PostRefreshTokenRequest::builder()
            .client_id("c")
            .access_token("a")
            .refresh_token("r")
            .build()
            .unwrap(),
        body,
    )?;
    check(&ListClientsRequest::builder().build().unwrap(), body)?;
    check(&Appointments::request(range).unwrap(), body)?;
    check(&aloha_api::BillingLedger::request(range).unwrap(), body)?;
    check(
        &aloha_api::ClientAuthorizations::request(range).unwrap(),
        body,
    )?;
    check(
        &aloha_api::AuthorizationsWithoutAppointments::request(range).unwrap(),
        body,
    )?;
    Ok(())
}

decoders_never_panic!(all, [VALID, TOKEN]);

#[test]
fn the_valid_payloads_decode() {
    let range = DateRange::parse("2024-01-01", "2024-01-31").unwrap();
    let rows = Appointments::request(range)
        .unwrap()
        .decode(VALID.as_bytes())
        .unwrap();
    assert_eq!(rows.len(), 1);
    let token = PostTokenRequest::builder()
        .client_id("c")
        .secret_key("s")
        .build()
        .unwrap();
    assert!(
        token
            .decode(TOKEN.as_bytes())
            .unwrap()
            .access_token
            .is_some()
    );
}
