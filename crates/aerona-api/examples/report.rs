//! A month's payments, the month given as `2024-03` or a range as `2024-03-01..2024-03-31`:
//! `cargo run -p aerona-api --example report -- 2024-03`.

use aerona_api::{Client, DateRange, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let arg = std::env::args().nth(1);
    let range: DateRange = arg.as_deref().unwrap_or("2024-03").parse()?;
    let client = Client::from_env()?;
    for payment in client.search_payments(None, range).await? {
        println!("{:?} {:?}", payment.payment_date, payment.amount);
    }
    Ok(())
}
