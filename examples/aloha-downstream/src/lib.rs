//! A user's own code over `aloha-api`: the number of appointments on each day of a range.
//! Its tests (in `tests/`) use `aloha_api::test_util::Mock`, with no server.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use aloha_api::time::Date;
use aloha_api::{Client, DateRange, Error};

/// How many appointments fall on each day of `range`; rows without a date are left out.
pub async fn appointments_per_day(
    client: &Client,
    range: DateRange,
) -> Result<BTreeMap<Date, usize>, Error> {
    let mut days = BTreeMap::new();
    for appointment in client.appointments(range).await? {
        if let Some(day) = appointment.appointment_date {
            *days.entry(day).or_insert(0) += 1;
        }
    }
    Ok(days)
}
