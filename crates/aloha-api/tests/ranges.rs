//! Never twice, never missing: through the library against the sandbox, a report's rows are
//! the same whether one request serves the range or it is streamed in chunks.

use aloha_api::{
    Appointments, AuthorizationsWithoutAppointments, Client, ClientAuthorizations, DateRange,
    DateRangeReport,
};
use futures_util::TryStreamExt;
use practice_sandbox::Sandbox;

/// The rows of `R` over `range` as serialised text, sorted: one request, then streamed in
/// chunks of each of `chunk_days`.
async fn every_way<R: DateRangeReport>(
    client: &Client,
    range: DateRange,
    chunk_days: &[u32],
) -> Vec<Vec<String>>
where
    R::Row: serde::Serialize,
{
    let text = |rows: Vec<R::Row>| {
        let mut rows: Vec<String> = rows
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        rows.sort();
        rows
    };
    let mut all = vec![text(client.report::<R>(range).await.unwrap())];
    for days in chunk_days {
        let rows: Vec<R::Row> = client
            .stream::<R>(range, *days)
            .try_collect()
            .await
            .unwrap();
        all.push(text(rows));
    }
    all
}

#[tokio::test]
async fn chunking_never_duplicates_drops_or_changes_a_row() {
    let sandbox = Sandbox::start(Default::default()).await.unwrap();
    let client = Client::builder("sandbox-client", "sandbox-secret")
        .base_url(sandbox.aloha_base_url())
        .build()
        .unwrap();

    // Client authorizations: one row per client and overlapping month; February and March
    // 2024 hold 198 in the sandbox (day chunks used to return 296: March twice).
    let range = DateRange::parse("2024-02-01", "2024-03-31").unwrap();
    let ways = every_way::<ClientAuthorizations>(&client, range, &[31, 10, 62]).await;
    assert_eq!(ways[0].len(), 198);
    assert!(ways.iter().all(|w| *w == ways[0]));
    // A range inside one month returns that whole month, however it is split.
    let mid = DateRange::parse("2024-02-10", "2024-02-12").unwrap();
    let feb = every_way::<ClientAuthorizations>(&client, mid, &[1]).await;
    assert!(!feb[0].is_empty() && feb[0] == feb[1]);

    // Appointments split by day.
    let ways = every_way::<Appointments>(&client, range, &[7, 31]).await;
    assert!(!ways[0].is_empty());
    assert!(ways.iter().all(|w| *w == ways[0]));

    // Authorizations without appointments depend on the whole range: never split, so the
    // stream returns what one request does.
    let long = DateRange::parse("2024-01-01", "2024-12-31").unwrap();
    let ways = every_way::<AuthorizationsWithoutAppointments>(&client, long, &[7]).await;
    assert!(ways.iter().all(|w| *w == ways[0]));
}
