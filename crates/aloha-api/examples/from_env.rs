//! A client from `ALOHA_CLIENT_ID`, `ALOHA_SECRET_KEY` and optional `ALOHA_BASE_URL`, and the
//! practice's clients (patient records). Against the sandbox:
//! `practice sandbox --print-env > sandbox.env & . ./sandbox.env; cargo run -p aloha-api --example from_env`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), aloha_api::Error> {
    let client = aloha_api::Client::from_env()?;
    let records = client.clients().await?;
    println!("{} client records", records.len());
    Ok(())
}
