//! What the Aerona probe's rows say about the assumptions on records (A6, A7, A14, A15),
//! the assumptions no read-only request can test, and how rows and ids are read from answers.

use serde_json::Value;

use super::fields::Tally;
use super::recorder::Exchange;
use super::report::{Finding, Verdict};

/// The verdicts the rows decide, and those no read can.
pub(super) fn verdicts(tally: &Tally, slots_seen: Option<usize>) -> Vec<Finding> {
    let mut assumptions = Vec::new();
    // What the rows say about the typed and untyped records.
    for (id, what, schemas) in [
        (
            "A6",
            "slot, appointment type and clinician fields are undocumented: kept whole",
            &["Slot", "AppointmentType", "Clinician"][..],
        ),
        (
            "A7",
            "the patient record has more fields than the sample: kept as received",
            &["Patient"][..],
        ),
    ] {
        let rows: usize = schemas.iter().map(|s| tally.rows_of(s)).sum();
        let unknown: usize = tally
            .findings()
            .iter()
            .filter(|f| schemas.contains(&f.schema.as_str()) && f.documented == "absent")
            .map(|f| f.field.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assumptions.push(Finding {
            id,
            what,
            verdict: if rows == 0 {
                Verdict::Untested
            } else {
                Verdict::Held
            },
            evidence: if rows == 0 {
                "no rows seen".into()
            } else {
                format!(
                    "{rows} row(s) read; {unknown} field(s) the spec lacks, kept as received{}",
                    if id == "A6" {
                        match slots_seen {
                            Some(n) => format!(" ({n} slot(s))"),
                            None => " (no slots asked)".into(),
                        }
                    } else {
                        String::new()
                    }
                )
            },
        });
    }
    let typed_rows: usize = ["Payment", "Invoice", "Patient"]
        .iter()
        .map(|s| tally.rows_of(s))
        .sum();
    let mismatches: Vec<String> = tally
        .findings()
        .iter()
        .filter(|f| {
            f.is_mismatch() && ["Payment", "Invoice", "Patient"].contains(&f.schema.as_str())
        })
        .map(|f| {
            format!(
                "{}.{} documented {}, seen {} ({})",
                f.schema, f.field, f.documented, f.seen, f.count
            )
        })
        .collect();
    assumptions.push(Finding {
        id: "A14",
        what: "record field types read from the samples' values",
        verdict: match (typed_rows, mismatches.is_empty()) {
            (0, _) => Verdict::Untested,
            (_, true) => Verdict::Held,
            (_, false) => Verdict::Contradicted,
        },
        evidence: if typed_rows == 0 {
            "no payment, invoice or patient rows seen".into()
        } else if mismatches.is_empty() {
            format!("{typed_rows} payment, invoice and patient row(s): every documented field has its type")
        } else {
            mismatches.join("; ")
        },
    });
    let dated = |schema: &str| tally.rows_of(schema);
    assumptions.push(Finding {
        id: "A15",
        what: "what a search returns for a range",
        verdict: Verdict::Untested,
        evidence: format!(
            "{} payment(s) and {} invoice row(s) read; which dates decide is not told by a read",
            dated("Payment"),
            dated("Invoice")
        ),
    });
    for (id, what, why) in [
        (
            "A3",
            "webhook payloads are JSON objects",
            "webhooks are not reachable by a request",
        ),
        (
            "A4",
            "update appointment status is PUT /v1/appointments/{id}/status",
            "a write: the probe never writes",
        ),
        (
            "A5",
            "create appointment is POST /v1/appointments",
            "a write: the probe never writes",
        ),
        (
            "A8",
            "300 requests per 15 minutes; exceeding it invalidates the token",
            "testing it would cost the token",
        ),
        (
            "A12",
            "Invoice discount is a plain number, vatRate a rate",
            "a value cannot tell a rate from an amount",
        ),
    ] {
        assumptions.push(Finding {
            id,
            what,
            verdict: Verdict::Untested,
            evidence: why.into(),
        });
    }
    assumptions
}

/// Rows of an Aerona answer: an array's objects, or the one object.
pub(super) fn rows(exchange: &Exchange) -> Vec<Value> {
    if !exchange.status.is_some_and(|s| (200..300).contains(&s)) {
        return Vec::new();
    }
    match serde_json::from_slice::<Value>(&exchange.body) {
        Ok(Value::Array(rows)) => rows,
        Ok(object @ Value::Object(_)) => vec![object],
        _ => Vec::new(),
    }
}

/// An integer id member of a row (kept in memory to ask for the record, never printed).
pub(super) fn id_of(row: &Value, names: &[&str]) -> Option<i64> {
    names
        .iter()
        .find_map(|n| row.get(*n).and_then(Value::as_i64))
}

/// The shape of an error answer: its status and its member names, or that it is text.
pub(super) fn body_shape(exchange: &Exchange) -> String {
    let status = exchange.status.unwrap_or(0);
    match serde_json::from_slice::<Value>(&exchange.body) {
        Ok(Value::Object(map)) => {
            let names: Vec<&str> = map.keys().map(String::as_str).collect();
            format!("{status}: a JSON object with members {}", names.join(", "))
        }
        Ok(_) => format!("{status}: JSON, not an object"),
        Err(_) if exchange.body.is_empty() => format!("{status}: an empty body"),
        Err(_) => format!("{status}: text of {} bytes", exchange.body.len()),
    }
}
