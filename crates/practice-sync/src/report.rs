//! The words of a sync: which reports there are ([`Report`]), the unit of coverage
//! ([`Window`]), and the generated table a report fills ([`table`]). Planning, windowing,
//! leasing and storing all speak them; this module imports none of those.

use practice_core::DateRange;

use crate::error::SyncError;
use crate::generated::TABLES;
use crate::schema::Table;

/// A report (or record kind) the sync fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Report {
    /// Aloha's clients: one snapshot request, fetched every run.
    AlohaClients,
    /// Aloha appointments, per month.
    AlohaAppointments,
    /// Aloha's billing ledger, per month.
    AlohaBillingLedger,
    /// Aloha client authorizations, per month (no record id).
    AlohaClientAuthorizations,
    /// Aloha authorizations without appointments, per month (no record id).
    AlohaAuthorizationsWithoutAppointments,
    /// Aerona payments, per month.
    AeronaPayments,
    /// Aerona invoices, per month.
    AeronaInvoices,
    /// Aerona patients named by payments and invoices, one request each.
    AeronaPatients,
}

impl Report {
    /// Every Aloha report, in fetch order.
    pub const ALOHA: [Report; 5] = [
        Report::AlohaClients,
        Report::AlohaAppointments,
        Report::AlohaBillingLedger,
        Report::AlohaClientAuthorizations,
        Report::AlohaAuthorizationsWithoutAppointments,
    ];

    /// Every Aerona report, in fetch order (patients follow the payments and invoices that
    /// name them).
    pub const AERONA: [Report; 3] = [
        Report::AeronaPayments,
        Report::AeronaInvoices,
        Report::AeronaPatients,
    ];

    /// The table the report fills (also its name in `sync_coverage`).
    pub fn table(self) -> &'static str {
        match self {
            Report::AlohaClients => "aloha_clients",
            Report::AlohaAppointments => "aloha_appointments",
            Report::AlohaBillingLedger => "aloha_billing_ledger",
            Report::AlohaClientAuthorizations => "aloha_client_authorizations",
            Report::AlohaAuthorizationsWithoutAppointments => {
                "aloha_authorizations_without_appointments"
            }
            Report::AeronaPayments => "aerona_payments",
            Report::AeronaInvoices => "aerona_invoices",
            Report::AeronaPatients => "aerona_patients",
        }
    }

    /// The name `--reports` takes.
    pub fn cli_name(self) -> &'static str {
        match self {
            Report::AlohaClients => "clients",
            Report::AlohaAppointments => "appointments",
            Report::AlohaBillingLedger => "billing-ledger",
            Report::AlohaClientAuthorizations => "client-authorizations",
            Report::AlohaAuthorizationsWithoutAppointments => "authorizations-without-appointments",
            Report::AeronaPayments => "payments",
            Report::AeronaInvoices => "invoices",
            Report::AeronaPatients => "patients",
        }
    }

    /// The Aloha report called `name` on the command line.
    pub fn aloha_named(name: &str) -> Option<Report> {
        Report::ALOHA
            .into_iter()
            .find(|r| r.cli_name() == name.trim())
    }

    /// The vendor operation that fetches it (for the `request` column and the stats).
    pub fn operation(self) -> &'static str {
        match self {
            Report::AlohaClients => "aloha.listClients",
            Report::AlohaAppointments => "aloha.listAppointments",
            Report::AlohaBillingLedger => "aloha.listBillingLedger",
            Report::AlohaClientAuthorizations => "aloha.listClientAuthorizations",
            Report::AlohaAuthorizationsWithoutAppointments => {
                "aloha.listAuthorizationsWithoutAppointments"
            }
            Report::AeronaPayments => "aerona.searchPayments",
            Report::AeronaInvoices => "aerona.searchInvoices",
            Report::AeronaPatients => "aerona.getPatient",
        }
    }

    /// Whether the report is one snapshot request, fetched every run (Aloha's clients).
    pub(crate) fn is_snapshot(self) -> bool {
        self == Report::AlohaClients
    }
}

/// One unit of coverage: its rows, its coverage entry and its lease are kept under its key
/// (a request may cover several, see [`Request`](crate::windows::Request)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The report.
    pub report: Report,
    /// The window's identity within the report: `2024-03`, `all`, or `patient/ID`.
    pub key: String,
    /// The dates it asks for (none for snapshots and single records).
    pub range: Option<DateRange>,
    /// The record id asked for (patients).
    pub id: Option<i64>,
}

/// The generated description of `name`.
pub fn table(name: &str) -> Result<&'static Table, SyncError> {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| SyncError::Input(format!("no table {name}")))
}
