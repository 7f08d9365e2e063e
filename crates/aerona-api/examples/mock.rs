//! Testing your own code without a server: the mock answers the search and records what was
//! asked for. `cargo run -p aerona-api --example mock --features test-util`.

use aerona_api::operations::SEARCH_PAYMENTS;
use aerona_api::test_util::{Answer, Mock, json};
use aerona_api::{DateRange, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mock = Mock::new().on(&SEARCH_PAYMENTS, Answer::json(json!([{ "paymentID": 1 }])));
    let payments = mock
        .client()?
        .search_payments(None, DateRange::month(2024, 3)?)
        .await?;
    let sent = &mock.requests_to(&SEARCH_PAYMENTS)[0];
    assert_eq!(sent.query_value("fromDate"), Some("2024-03-01"));
    assert_eq!(sent.query_value("toDate"), Some("2024-03-31"));
    println!(
        "{} payment(s); asked for {} {:?}",
        payments.len(),
        sent.path(),
        sent.query()
    );
    Ok(())
}
