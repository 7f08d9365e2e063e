//! The Aerona probe's plan, at most 20 requests and 12 in the usual case: the login (as
//! configured, then form-encoded, then at `/v1/auth/login`), appointment types, clinicians,
//! free slots for one of each, the payment and invoice searches over the range, one payment,
//! one invoice and one patient from them, and one patient that does not exist (A2: the error
//! body's shape). Never a write.

use practice_core::http::Method;
use practice_core::{DateRange, RateLimit, RetryConfig};
use serde_json::Value;

use aerona_api::LoginEncoding;
use aerona_api::models::TimeOfDay;
use aerona_api::operations::{
    FindAppointmentSlotsRequest, ListAppointmentTypesRequest, ListCliniciansRequest,
};

use super::aerona_rows::{body_shape, id_of, rows};
use super::fields::{Spec, Tally};
use super::login::{self, Attempt, Shape};
use super::recorder::{Exchange, Recorder};
use super::report::{Finding, Fix, Report, Verdict};
use super::{AERONA_CEILING, Ended};
use super::{status_words, stop_if_limited};
use crate::env;
use crate::exit::{Exit, Failure};

/// A patient id no practice has (11 digits, the most the API takes).
const NO_SUCH_PATIENT: i64 = 99_999_999_999;

pub(super) async fn probe(
    force_sandbox: bool,
    rate_limit: Option<RateLimit>,
    range: DateRange,
) -> Result<Ended, Failure> {
    let setup = env::aerona_setup(force_sandbox, rate_limit).await?;
    let spec = Spec::parse(aerona_api::OPENAPI_YAML).map_err(Failure::local)?;
    let recorder = Recorder::new(AERONA_CEILING)?;
    let mut assumptions = Vec::new();
    let mut fixes = Vec::new();
    let report = |recorder: &Recorder, assumptions: Vec<Finding>, fields, fixes| Report {
        vendor: "aerona",
        base_url: setup.base_url().to_owned(),
        requests: recorder.sent(),
        assumptions,
        fields,
        fixes,
    };

    let configured = Shape {
        path: setup.login_path().to_owned(),
        encoding: setup.login_encoding().as_str(),
    };
    let mut tried: Vec<String> = Vec::new();
    let mut working = None;
    let mut error_bodies: Vec<String> = Vec::new();
    for shape in login::candidates(spec.doc(), "login", configured.clone()) {
        let encoding = if shape.encoding == "form" {
            LoginEncoding::Form
        } else {
            LoginEncoding::Json
        };
        let client = setup
            .builder()
            .login_path(shape.path.clone())
            .login_encoding(encoding)
            .map_options(|o| {
                o.retry(RetryConfig::disabled())
                    .transport_service(recorder.service())
            })
            .build()?;
        let start = recorder.sent();
        let types = client
            .appointment_types(&ListAppointmentTypesRequest::builder().build()?)
            .await;
        let sent = recorder.since(start);
        let attempt = login::classify(&sent, |e| e.headers.contains_key(&aerona_api::TOKEN_HEADER));
        if let Some(login) = sent.iter().find(|e| e.method == Method::POST)
            && !login.status.is_some_and(|s| (200..300).contains(&s))
        {
            error_bodies.push(body_shape(login));
        }
        match attempt {
            Attempt::Worked | Attempt::NotSent => {
                working = Some((shape, client, types, attempt == Attempt::NotSent));
                break;
            }
            Attempt::WrongShape(_, why) => tried.push(format!("{} {why}", shape.describe())),
            Attempt::Refused(status) => {
                assumptions.push(a1(
                    Verdict::Untested,
                    format!(
                        "{} answered {status}: the credentials are refused, so the shape answered; stopped after {} login(s)",
                        shape.describe(),
                        tried.len() + 1
                    ),
                ));
                let why = format!(
                    "the Aerona login ({}) was refused ({status}): check AERONA_USERNAME, AERONA_PASSWORD and AERONA_PIN",
                    shape.describe()
                );
                return Ok(Ended::Refused(
                    report(&recorder, assumptions, Vec::new(), fixes),
                    why,
                ));
            }
            Attempt::RateLimited => {
                return Err(Failure {
                    exit: Exit::RateLimited,
                    message: "the Aerona login was rate limited (429); probe again in 15 minutes"
                        .into(),
                });
            }
            Attempt::Failed(why) => {
                return Err(Failure::local(format!("the Aerona probe stopped: {why}")));
            }
        }
    }
    let Some((shape, client, types, cached)) = working else {
        assumptions.push(a1(
            Verdict::Contradicted,
            format!("no login shape answered with a token: {}", tried.join("; ")),
        ));
        fixes.push(Fix {
            about: "A1".into(),
            set: Some("AERONA_LOGIN_PATH, AERONA_LOGIN_ENCODING".into()),
            action: "find the login in Aerona's official OpenAPI file (cargo xtask spec import aerona FILE)".into(),
        });
        return Ok(Ended::Complete(report(
            &recorder,
            assumptions,
            Vec::new(),
            fixes,
        )));
    };
    let default = Shape {
        path: aerona_api::default_login_path().to_owned(),
        encoding: "json",
    };
    if cached {
        assumptions.push(a1(
            Verdict::Untested,
            "no login was sent: a token shared through PRACTICE_REDIS_URL was used".into(),
        ));
    } else if shape == default {
        assumptions.push(a1(
            Verdict::Held,
            format!(
                "{} answered 2xx with the AERONA-AUTH-TOKEN header",
                shape.describe()
            ),
        ));
    } else {
        assumptions.push(a1(
            Verdict::Contradicted,
            format!(
                "the login works as {}{}",
                shape.describe(),
                if tried.is_empty() {
                    String::new()
                } else {
                    format!(" after {}", tried.join("; "))
                }
            ),
        ));
        let mut set = Vec::new();
        if shape.path != default.path {
            set.push(format!("AERONA_LOGIN_PATH={}", shape.path));
        }
        if shape.encoding != default.encoding {
            set.push(format!("AERONA_LOGIN_ENCODING={}", shape.encoding));
        }
        fixes.push(Fix {
            about: "A1".into(),
            set: Some(set.join(" ")),
            action: format!("the login is {}", shape.describe()),
        });
    }

    let mut tally = Tally::default();
    let mut notes = Vec::new();
    let last_answer = |recorder: &Recorder, method: Method, suffix: &str| -> Option<Exchange> {
        recorder
            .exchanges()
            .into_iter()
            .rev()
            .find(|e| e.method == method && e.path.ends_with(suffix))
    };
    if let Err(err) = &types {
        stop_if_limited(err)?;
        notes.push(format!("appointment types: {}", status_words(err)));
    }
    let types = last_answer(&recorder, Method::GET, "/v1/appointment-types")
        .map(|e| rows(&e))
        .unwrap_or_default();
    types
        .iter()
        .for_each(|r| tally.row(&spec, "AppointmentType", r));

    let clinicians = client
        .clinicians(&ListCliniciansRequest::builder().build()?)
        .await;
    if let Err(err) = &clinicians {
        stop_if_limited(err)?;
        notes.push(format!("clinicians: {}", status_words(err)));
    }
    let clinicians = last_answer(&recorder, Method::GET, "/v1/clinicians")
        .map(|e| rows(&e))
        .unwrap_or_default();
    clinicians
        .iter()
        .for_each(|r| tally.row(&spec, "Clinician", r));

    // Free slots for one appointment type and a clinician of its kind, when the rows say so.
    let kind = |row: &Value| row.get("clinicianTypeId").and_then(Value::as_i64);
    let pick = types.iter().find_map(|t| {
        let type_id = id_of(t, &["id", "appointmentTypeId"])?;
        let clinician = clinicians
            .iter()
            .filter(|c| kind(t).is_none() || kind(c) == kind(t))
            .find_map(|c| id_of(c, &["id", "clinicianId", "userId"]))?;
        Some((type_id, clinician))
    });
    let mut slots_seen = None;
    if let Some((type_id, clinician)) = pick {
        let request = FindAppointmentSlotsRequest::builder()
            .clinician_id(clinician)
            .appointment_type_id(type_id)
            .search_start(range.end())
            .time_of_day(TimeOfDay::Any)
            .build()?;
        match client.find_appointment_slots(&request).await {
            Ok(_) => {
                let slots = last_answer(&recorder, Method::GET, "/v1/find-appointment-slots")
                    .map(|e| rows(&e))
                    .unwrap_or_default();
                slots.iter().for_each(|r| tally.row(&spec, "Slot", r));
                slots_seen = Some(slots.len());
            }
            Err(err) => {
                stop_if_limited(&err)?;
                notes.push(format!("free slots: {}", status_words(&err)));
            }
        }
    } else {
        notes.push("free slots: not asked (no appointment type and clinician ids seen)".into());
    }

    // The searches over the range, then one record of each and a patient.
    let mut first_ids = (None, None, None);
    for (kind, schema) in [("payments", "Payment"), ("invoices", "Invoice")] {
        let result = if kind == "payments" {
            client.search_payments(None, range).await.map(|_| ())
        } else {
            client.search_invoices(None, range).await.map(|_| ())
        };
        if let Err(err) = &result {
            stop_if_limited(err)?;
            notes.push(format!("{kind} search: {}", status_words(err)));
            continue;
        }
        let found = last_answer(&recorder, Method::GET, &format!("/v1/{kind}/search"))
            .map(|e| rows(&e))
            .unwrap_or_default();
        found.iter().for_each(|r| tally.row(&spec, schema, r));
        let id = found.iter().find_map(|r| id_of(r, &["id"]));
        let patient = found.iter().find_map(|r| id_of(r, &["patientId"]));
        if kind == "payments" {
            first_ids.0 = id;
        } else {
            first_ids.1 = id;
        }
        first_ids.2 = first_ids.2.or(patient);
    }
    let (payment, invoice, patient) = first_ids;
    if let Some(id) = payment {
        match client.payment(id).await {
            Ok(_) => {
                if let Some(e) = last_answer(&recorder, Method::GET, &format!("/v1/payments/{id}"))
                {
                    rows(&e).iter().for_each(|r| tally.row(&spec, "Payment", r));
                }
            }
            Err(err) => {
                stop_if_limited(&err)?;
                notes.push(format!("one payment: {}", status_words(&err)));
            }
        }
    }
    if let Some(id) = invoice {
        match client.invoice(id).await {
            Ok(_) => {
                if let Some(e) = last_answer(&recorder, Method::GET, &format!("/v1/invoices/{id}"))
                {
                    rows(&e).iter().for_each(|r| tally.row(&spec, "Invoice", r));
                }
            }
            Err(err) => {
                stop_if_limited(&err)?;
                notes.push(format!("one invoice: {}", status_words(&err)));
            }
        }
    }
    if let Some(id) = patient {
        match client.patient(id).await {
            Ok(_) => {
                if let Some(e) = last_answer(&recorder, Method::GET, &format!("/v1/patients/{id}"))
                {
                    rows(&e).iter().for_each(|r| tally.row(&spec, "Patient", r));
                }
            }
            Err(err) => {
                stop_if_limited(&err)?;
                notes.push(format!("one patient: {}", status_words(&err)));
            }
        }
    } else {
        notes.push("one patient: not asked (no payment or invoice in the range names one)".into());
    }

    // A2: the shape of an error body, from a patient that does not exist.
    let start = recorder.sent();
    if let Err(err) = client.patient(NO_SUCH_PATIENT).await {
        stop_if_limited(&err)?;
    }
    if let Some(e) = recorder.since(start).first()
        && e.status.is_some()
    {
        error_bodies.push(body_shape(e));
    }
    assumptions.push(Finding {
        id: "A2",
        what: "error bodies: JSON read when present, else raw text kept",
        verdict: if error_bodies.is_empty() {
            Verdict::Untested
        } else {
            Verdict::Held
        },
        evidence: if error_bodies.is_empty() {
            "no error answer seen".into()
        } else {
            error_bodies.join("; ")
        },
    });

    assumptions.extend(super::aerona_rows::verdicts(&tally, slots_seen));
    if !notes.is_empty() {
        assumptions.push(Finding {
            id: "reads",
            what: "every read operation answers",
            verdict: Verdict::Untested,
            evidence: notes.join("; "),
        });
    }
    let findings = tally.findings();
    fixes.extend(super::patch::field_fixes(
        &findings,
        "crates/aerona-api/openapi.yaml",
    ));
    Ok(Ended::Complete(report(
        &recorder,
        assumptions,
        findings,
        fixes,
    )))
}

fn a1(verdict: Verdict, evidence: String) -> Finding {
    Finding {
        id: "A1",
        what: "the login is POST /v1/login with a JSON body; the token comes in AERONA-AUTH-TOKEN",
        verdict,
        evidence,
    }
}
