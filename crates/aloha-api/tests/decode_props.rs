//! Every Aloha decoder on arbitrary bytes and on mutated valid payloads: never a panic, and
//! every failure is a decode error naming the operation.

#[path = "../../practice-core/tests/support/mutate.rs"]
mod mutate;

use aloha_api::operations::*;
use aloha_api::{Appointments, DateRange, DateRangeReport, Endpoint, ErrorKind};
use mutate::mutate;
use proptest::prelude::*;

const VALID: &str = r#"{"status":200,"message":"Success","data":[{"appointmentId":5001,"clientId":1024,"claimId":null,"appointmentDate":"01-15-2024","appointmentStart":"09:00 AM","appointmentEnd":"10:15 AM","charge":125.50,"completed":"Yes","units":5,"x":{"y":[1,2.50]}}]}"#;
const TOKEN: &str = r#"{"status":200,"message":"Success","data":{"username":"u","accessToken":"a","accessTokenExpiration":"2024-06-01T01:41:19Z","refreshToken":"r","subscriptionId":"s"}}"#;

fn check<E: Endpoint>(endpoint: &E, body: &[u8]) -> Result<(), TestCaseError> {
    if let Err(err) = endpoint.decode(body) {
        prop_assert_eq!(err.kind(), ErrorKind::Decode);
        prop_assert_eq!(err.operation(), Some(endpoint.meta().name));
    }
    Ok(())
}

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        all(&body)?;
    }

    #[test]
    fn mutated_payloads_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)) {
        all(&mutate(VALID, &edits))?;
        all(&mutate(TOKEN, &edits))?;
    }
}

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
