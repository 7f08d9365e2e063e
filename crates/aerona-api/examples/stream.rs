//! A year of payments as one stream in date order, one chunk in memory at a time:
//! `cargo run -p aerona-api --example stream -- 2024-01-01..2024-12-31`.

use aerona_api::{Client, DEFAULT_DAYS_PER_CHUNK, DateRange, Error};
use futures_util::TryStreamExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let arg = std::env::args().nth(1);
    let range: DateRange = arg.as_deref().unwrap_or("2024-01-01..2024-12-31").parse()?;
    let client = Client::from_env()?;
    let mut payments = client.stream_payments(None, range, DEFAULT_DAYS_PER_CHUNK);
    let mut count = 0_u64;
    while let Some(_payment) = payments.try_next().await? {
        count += 1;
    }
    println!("{count} payments in {range}");
    Ok(())
}
