//! One request at a time, through the vendor crates: every row as the JSON the vendor sent.
//! A row that fits its documented type is written back out from the typed model (the vendor
//! crates round-trip records exactly); a row that does not is kept as its raw bytes.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use aloha_api::{
    Appointments, AuthorizationsWithoutAppointments, BillingLedger, ClientAuthorizations,
    DateRangeReport, Row, RowPolicy,
};
use serde::Serialize;

use crate::plan::Report;
use crate::windows::Request;

/// The clients that fetch, one per vendor of the run.
#[derive(Clone)]
pub enum Source {
    /// Aloha.
    Aloha(aloha_api::Client),
    /// Aerona.
    Aerona(aerona_api::Client),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Aloha(_) => "Source::Aloha",
            Source::Aerona(_) => "Source::Aerona",
        })
    }
}

fn json<T: Serialize>(row: &T) -> Result<String, practice_core::Error> {
    serde_json::to_string(row).map_err(|e| {
        practice_core::Error::new(
            practice_core::ErrorKind::Decode,
            format!("could not write a record back out: {e}"),
        )
    })
}

fn rows<T: Serialize>(rows: Vec<Row<T>>) -> Result<Vec<String>, practice_core::Error> {
    rows.into_iter()
        .map(|row| match row {
            Row::Typed(t) => json(&t),
            Row::Raw { raw, .. } => Ok(raw.get().to_owned()),
        })
        .collect()
}

fn typed<T: Serialize>(records: &[T]) -> Result<Vec<String>, practice_core::Error> {
    records.iter().map(json).collect()
}

async fn aloha_report<R: DateRangeReport>(
    client: &aloha_api::Client,
    request: &Request,
) -> Result<Vec<String>, practice_core::Error>
where
    R::Row: Serialize,
{
    let range = request
        .range
        .ok_or_else(|| practice_core::Error::invalid_request("a report window needs dates"))?;
    rows(client.report_rows::<R>(range, RowPolicy::KeepRaw).await?)
}

/// The longest an account waits for its vendor's window before its request is sent anyway
/// (and the client waits or refuses as it is configured): Aerona's 15 minutes and a margin.
const LONGEST_BUDGET_WAIT: Duration = Duration::from_secs(16 * 60);

impl Source {
    /// `aloha` or `aerona`.
    pub fn vendor(&self) -> &'static str {
        match self {
            Source::Aloha(_) => "aloha",
            Source::Aerona(_) => "aerona",
        }
    }

    /// The vendor's budget as it stands (see `aloha_api::Client::budget` and
    /// `aerona_api::Client::budget`): what a run leaves for the next.
    pub async fn budget(
        &self,
    ) -> Result<Option<practice_core::BudgetStatus>, practice_core::Error> {
        match self {
            Source::Aloha(c) => c.budget().await,
            Source::Aerona(c) => c.budget().await,
        }
    }

    /// The rows `request` returns, in the order the vendor sent them.
    pub async fn fetch(&self, request: &Request) -> Result<Vec<String>, practice_core::Error> {
        let wrong =
            || practice_core::Error::invalid_request("this report belongs to the other vendor");
        match (self, request.report) {
            (Source::Aloha(c), Report::AlohaClients) => {
                rows(c.client_rows(RowPolicy::KeepRaw).await?)
            }
            (Source::Aloha(c), Report::AlohaAppointments) => {
                aloha_report::<Appointments>(c, request).await
            }
            (Source::Aloha(c), Report::AlohaBillingLedger) => {
                aloha_report::<BillingLedger>(c, request).await
            }
            (Source::Aloha(c), Report::AlohaClientAuthorizations) => {
                aloha_report::<ClientAuthorizations>(c, request).await
            }
            (Source::Aloha(c), Report::AlohaAuthorizationsWithoutAppointments) => {
                aloha_report::<AuthorizationsWithoutAppointments>(c, request).await
            }
            (Source::Aerona(c), Report::AeronaPayments) => {
                let range = request.range.ok_or_else(wrong)?;
                typed(&c.search_payments(None, range).await?)
            }
            (Source::Aerona(c), Report::AeronaInvoices) => {
                let range = request.range.ok_or_else(wrong)?;
                typed(&c.search_invoices(None, range).await?)
            }
            (Source::Aerona(c), Report::AeronaPatients) => {
                let id = request.id.ok_or_else(wrong)?;
                Ok(vec![json(&c.patient(id).await?)?])
            }
            _ => Err(wrong()),
        }
    }

    /// Before a request of a gated pass takes a slot: while this source says its budget has nothing
    /// left until a slot frees, wait here, holding no slot, so that other accounts' requests go
    /// on. Only Aerona waits for its window; Aloha's daily budget, once spent, ends the
    /// account's pass (the call is refused at once). `false` when `interrupt` was set meanwhile.
    pub(crate) async fn wait_for_budget(&self, interrupt: &AtomicBool) -> bool {
        if !matches!(self, Source::Aerona(_)) {
            return true;
        }
        let mut waited = Duration::ZERO;
        while waited < LONGEST_BUDGET_WAIT {
            let wait = match self.budget().await {
                Ok(Some(status)) if status.remaining == 0 && !status.next_free_in.is_zero() => {
                    status.next_free_in
                }
                _ => return true,
            };
            // Short steps: a slot may free earlier than the bound (requests in flight answered),
            // and an interruption is heard within one.
            let step = wait.min(Duration::from_secs(1));
            tokio::time::sleep(step).await;
            if interrupt.load(std::sync::atomic::Ordering::Acquire) {
                return false;
            }
            waited = waited.saturating_add(step);
        }
        true
    }
}
