//! A year of appointments as one stream in date order, a month's chunk in memory at a time:
//! `cargo run -p aloha-api --example stream -- 2024-01-01..2024-12-31`.

use aloha_api::{Appointments, Client, DEFAULT_DAYS_PER_CHUNK, DateRange, Error};
use futures_util::TryStreamExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let arg = std::env::args().nth(1);
    let range: DateRange = arg.as_deref().unwrap_or("2024-01-01..2024-12-31").parse()?;
    let client = Client::from_env()?;
    let mut rows = client.stream::<Appointments>(range, DEFAULT_DAYS_PER_CHUNK);
    let mut count = 0_u64;
    while let Some(_appointment) = rows.try_next().await? {
        count += 1;
    }
    println!("{count} appointments in {range}");
    Ok(())
}
