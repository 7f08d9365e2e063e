//! The user's code tested against the `test-util` mock: no server, no hand-written login.

use aerona_api::operations::SEARCH_PAYMENTS;
use aerona_api::rust_decimal::Decimal;
use aerona_api::test_util::{Answer, Mock, json};
use aerona_api::{DateRange, ErrorKind};
use aerona_downstream::net_paid;

fn year() -> DateRange {
    DateRange::parse("2024-01-01", "2024-12-31").unwrap()
}

#[tokio::test]
async fn refunds_are_taken_off_what_was_paid() {
    let mock = Mock::new().on(
        &SEARCH_PAYMENTS,
        Answer::json(json!([
            {"id": 1, "patientId": 7, "amount": 140.50, "refund": 25},
            {"id": 2, "patientId": 7, "amount": 10}
        ])),
    );
    let paid = net_paid(&mock.client().unwrap(), 7, year()).await.unwrap();
    assert_eq!(paid, Decimal::new(12550, 2));
    assert_eq!(mock.calls(), ["login", "searchPayments"]);
}

#[tokio::test]
async fn a_refused_login_reaches_the_caller_as_an_authentication_error() {
    let mock = Mock::new()
        .on(&aerona_api::operations::LOGIN, Answer::status(401))
        .on(&SEARCH_PAYMENTS, Answer::json(json!([])));
    let err = net_paid(&mock.client().unwrap(), 7, year())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert_eq!(
        mock.calls_to(&SEARCH_PAYMENTS),
        0,
        "nothing sent without a token"
    );
}
