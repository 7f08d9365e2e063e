//! A user's own code over `aerona-api`: what a patient paid over a range, for a statement.
//! Its tests (in `tests/`) use `aerona_api::test_util::Mock`, with no server.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use aerona_api::rust_decimal::Decimal;
use aerona_api::{Client, DateRange, Error};

/// The sum of the patient's payments in `range`, less refunds; payments without an amount
/// count as zero.
pub async fn net_paid(
    client: &Client,
    patient_id: i64,
    range: DateRange,
) -> Result<Decimal, Error> {
    let payments = client.search_payments(Some(patient_id), range).await?;
    Ok(payments
        .iter()
        .map(|p| p.amount.unwrap_or_default() - p.refund.unwrap_or_default())
        .sum())
}
