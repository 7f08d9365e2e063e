//! Which vendor and operation a request is for, by path and method: the names stats and
//! faults use.

use http::Method;

/// Which operation a request is, for stats and faults: `aloha.listClients`,
/// `aerona.getPatient`, … and `<vendor>.unknown` for anything else.
pub(crate) fn operation(method: &Method, vendor: &str, path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let name = match (vendor, method.as_str(), segments.as_slice()) {
        ("aloha", "POST", ["token"] | ["v1", "token"]) => "postToken",
        ("aloha", "POST", ["refresh-token"]) => "postRefreshToken",
        ("aloha", "GET", ["v1", "report", "clients"]) => "listClients",
        ("aloha", "GET", ["v1", "report", "appointments"]) => "listAppointments",
        ("aloha", "GET", ["v1", "report", "client-authorizations"]) => "listClientAuthorizations",
        ("aloha", "GET", ["v1", "report", "billing-ledger"]) => "listBillingLedger",
        ("aloha", "GET", ["v1", "report", "authorizations-without-appointments"]) => {
            "listAuthorizationsWithoutAppointments"
        }
        ("aerona", "POST", ["v1", "login"] | ["v1", "auth", "login"]) => "login",
        ("aerona", "PUT", ["v1", "appointments", _, "status"]) => "updateAppointmentStatus",
        ("aerona", "POST", ["v1", "appointments"]) => "createAppointment",
        ("aerona", "GET", ["v1", "find-appointment-slots"]) => "findAppointmentSlots",
        ("aerona", "GET", ["v1", "appointment-types"]) => "listAppointmentTypes",
        ("aerona", "GET", ["v1", "payments", "search"]) => "searchPayments",
        ("aerona", "GET", ["v1", "payments", _]) => "getPayment",
        ("aerona", "GET", ["v1", "invoices", "search"]) => "searchInvoices",
        ("aerona", "GET", ["v1", "invoices", _]) => "getInvoice",
        ("aerona", "GET", ["v1", "clinicians"]) => "listClinicians",
        ("aerona", "GET", ["v1", "patients", _]) => "getPatient",
        _ => "unknown",
    };
    format!("{vendor}.{name}")
}

/// The vendor a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vendor {
    Aloha,
    Aerona,
}

impl Vendor {
    /// The vendor whose base `path` is under, and the rest of the path below the base.
    pub(crate) fn of(path: &str) -> Option<(Vendor, &str)> {
        if let Some(rest) = path.strip_prefix("/aloha/customer") {
            Some((Vendor::Aloha, rest))
        } else {
            path.strip_prefix("/aerona/AeronaAPI")
                .map(|rest| (Vendor::Aerona, rest))
        }
    }

    /// The prefix of its operation names.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Vendor::Aloha => "aloha",
            Vendor::Aerona => "aerona",
        }
    }
}
