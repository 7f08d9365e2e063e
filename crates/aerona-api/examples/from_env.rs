//! A client from `AERONA_USERNAME`, `AERONA_PASSWORD` and the optional `AERONA_*` variables,
//! and the clinic's clinicians. Against the sandbox:
//! `practice sandbox --print-env > sandbox.env & . ./sandbox.env; cargo run -p aerona-api --example from_env`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), aerona_api::Error> {
    let client = aerona_api::Client::from_env()?;
    let request = aerona_api::operations::ListCliniciansRequest::builder().build()?;
    let clinicians = client.clinicians(&request).await?;
    println!("{} clinicians", clinicians.len());
    Ok(())
}
