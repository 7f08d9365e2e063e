//! Aerona's read-only operations: a patient, payments and invoices (one, or a search by
//! dates), the clinicians and the appointment types.

use std::collections::HashMap;

use http::StatusCode;
use time::{Date, OffsetDateTime};

use super::answers::{Answer, bad, flag, id, not_found};
use crate::data::Record;
use crate::params::parse_date;
use crate::reply::json_array;
use crate::state::State;

/// Payments or invoices: which list, and how its id parameter and 404 name it.
#[derive(Clone, Copy)]
pub(super) enum Ledger {
    Payments,
    Invoices,
}

impl Ledger {
    fn rows(self, state: &State) -> &[Record] {
        match self {
            Ledger::Payments => &state.aerona.payments,
            Ledger::Invoices => &state.aerona.invoices,
        }
    }
}

/// `GET /v1/patients/{patientId}`.
pub(super) fn patient(state: &State, patient: &str) -> Result<Answer, Answer> {
    let patient = id("patientId", Some(patient), true)?.unwrap_or(0);
    match state.aerona.patients.get(&patient) {
        Some(json) if state.config.variant => {
            Ok((StatusCode::OK, crate::variant::aerona_patient(json)))
        }
        Some(json) => Ok((StatusCode::OK, json.clone())),
        None => Err(not_found("patient")),
    }
}

/// `GET /v1/payments/search` and `GET /v1/invoices/search`.
pub(super) fn search(
    state: &State,
    ledger: Ledger,
    query: &HashMap<String, String>,
) -> Result<Answer, Answer> {
    let q = |name: &str| query.get(name).map(String::as_str);
    let patient = id("patientId", q("patientId"), false)?;
    // The vendor's defaults: from the 1st of the current month to today (UTC).
    let today = OffsetDateTime::now_utc().date();
    let date = |name: &str, default: Date| match q(name).filter(|t| !t.is_empty()) {
        Some(t) => parse_date(t).ok_or_else(|| bad(name, &format!("{name} must be YYYY-MM-DD"))),
        None => Ok(default),
    };
    let from = date("fromDate", today.replace_day(1).unwrap_or(today))?;
    let to = date("toDate", today)?;
    if from > to {
        return Err(bad("fromDate", "fromDate must not be after toDate"));
    }
    let matching = ledger
        .rows(state)
        .iter()
        .filter(|r| r.date >= from && r.date <= to && patient.is_none_or(|want| want == r.patient));
    Ok((
        StatusCode::OK,
        json_array(matching.map(|r| r.json.as_str())),
    ))
}

/// `GET /v1/payments/{paymentId}` and `GET /v1/invoices/{invoiceId}`.
pub(super) fn record(state: &State, ledger: Ledger, record: &str) -> Result<Answer, Answer> {
    let (field, what) = match ledger {
        Ledger::Payments => ("paymentId", "payment"),
        Ledger::Invoices => ("invoiceId", "invoice"),
    };
    let wanted = id(field, Some(record), true)?.unwrap_or(0);
    match ledger.rows(state).iter().find(|r| r.id == wanted) {
        Some(r) => Ok((StatusCode::OK, r.json.clone())),
        None => Err(not_found(what)),
    }
}

/// A `practiceId` parameter, which must name one of the practices.
fn practice(state: &State, query: &HashMap<String, String>) -> Result<Option<i64>, Answer> {
    let practice = id(
        "practiceId",
        query.get("practiceId").map(String::as_str),
        false,
    )?;
    if practice.is_some_and(|p| !state.aerona.practices.iter().any(|(id, _)| *id == p)) {
        return Err(not_found("practice"));
    }
    Ok(practice)
}

/// `GET /v1/clinicians`.
pub(super) fn clinicians(state: &State, query: &HashMap<String, String>) -> Result<Answer, Answer> {
    let q = |name: &str| query.get(name).map(String::as_str);
    let practice = practice(state, query)?;
    let kind = match id("appointmentTypeId", q("appointmentTypeId"), false)? {
        Some(t) => Some(
            state
                .aerona
                .appointment_types
                .iter()
                .find(|a| a.id == t)
                .map(|a| a.clinician_type)
                .ok_or_else(|| not_found("appointment type"))?,
        ),
        None => None,
    };
    let rows = state
        .aerona
        .clinicians
        .iter()
        .filter(|c| practice.is_none_or(|p| p == c.practice) && kind.is_none_or(|k| k == c.kind))
        .map(|c| c.json.as_str());
    Ok((StatusCode::OK, json_array(rows)))
}

/// `GET /v1/appointment-types`.
pub(super) fn appointment_types(
    state: &State,
    query: &HashMap<String, String>,
) -> Result<Answer, Answer> {
    let q = |name: &str| query.get(name).map(String::as_str);
    practice(state, query)?;
    let kind = id("clinicianTypeId", q("clinicianTypeId"), false)?;
    let include_disabled = flag("includeDisabled", q("includeDisabled"))?;
    let onsite_only = flag("onsiteOnly", q("onsiteOnly"))?;
    let remote_only = flag("remoteOnly", q("remoteOnly"))?;
    // Both practices share the master practice's types.
    let rows = state
        .aerona
        .appointment_types
        .iter()
        .filter(|t| kind.is_none_or(|k| k == t.clinician_type))
        .filter(|t| include_disabled || !t.disabled)
        .filter(|t| !onsite_only || t.onsite)
        .filter(|t| !remote_only || !t.onsite)
        .map(|t| t.json.as_str());
    Ok((StatusCode::OK, json_array(rows)))
}
