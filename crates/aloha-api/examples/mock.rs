//! Testing your own code without a server: the mock answers the report and records what was
//! asked for. `cargo run -p aloha-api --example mock --features test-util`.

use aloha_api::operations::LIST_APPOINTMENTS;
use aloha_api::test_util::{Answer, Mock, json};
use aloha_api::{DateRange, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mock = Mock::new().on(
        &LIST_APPOINTMENTS,
        Answer::json(json!([{ "appointmentId": 1 }])),
    );
    let rows = mock
        .client()?
        .appointments(DateRange::month(2024, 3)?)
        .await?;
    let sent = &mock.requests_to(&LIST_APPOINTMENTS)[0];
    assert_eq!(sent.query_value("startDate"), Some("2024-03-01"));
    assert_eq!(sent.query_value("endDate"), Some("2024-03-31"));
    println!("{} row(s); asked for {}", rows.len(), sent.path());
    Ok(())
}
