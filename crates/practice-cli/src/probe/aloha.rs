//! The Aloha probe's plan, at most 12 requests: the token (as configured, then `/v1/token`),
//! the clients report, the four date-range reports over the range, one appointments request
//! without `endDate` (A9), and one refresh (A10), last because it retires the token.

use practice_core::decode::RowPolicy;
use practice_core::http::Method;
use practice_core::time::Date;
use practice_core::{DateRange, Endpoint, Error, OperationMeta, RetryConfig};
use serde_json::Value;

use aloha_api::operations::{ListAppointmentsRequest, PostRefreshTokenRequest};
use aloha_api::{
    Appointments, AuthorizationsWithoutAppointments, BillingLedger, ClientAuthorizations,
};

use super::fields::{Spec, Tally, describe_forms};
use super::login::{self, Attempt, Shape};
use super::recorder::{Exchange, Recorder};
use super::report::{Finding, Fix, Report, Verdict};
use super::{ALOHA_CEILING, Ended, status_words, stop_if_limited};
use crate::env;
use crate::exit::{Exit, Failure};

/// The report endpoints read over the range, with their row schema.
const REPORTS: [(&str, &str); 4] = [
    ("appointments", "Appointment"),
    ("client-authorizations", "ClientAuthorization"),
    ("billing-ledger", "BillingLedgerEntry"),
    (
        "authorizations-without-appointments",
        "AuthorizationWithoutAppointments",
    ),
];

pub(super) async fn probe(force_sandbox: bool, range: DateRange) -> Result<Ended, Failure> {
    let setup = env::aloha_setup(force_sandbox).await?;
    let spec = Spec::parse(aloha_api::OPENAPI_YAML).map_err(Failure::local)?;
    let recorder = Recorder::new(ALOHA_CEILING)?;
    let mut assumptions = Vec::new();
    let mut fixes = Vec::new();
    let report = |recorder: &Recorder, assumptions: Vec<Finding>, fields, fixes| Report {
        vendor: "aloha",
        base_url: setup.base_url().to_owned(),
        requests: recorder.sent(),
        assumptions,
        fields,
        fixes,
    };

    // The token: each shape with a client of its own; its first call logs in.
    let configured = Shape {
        path: setup.token_path().to_owned(),
        encoding: "json",
    };
    let mut tried: Vec<String> = Vec::new();
    let mut working = None;
    for shape in login::candidates(spec.doc(), "postToken", configured.clone()) {
        let client = setup
            .builder()
            .token_path(shape.path.clone())
            .map_options(|o| {
                o.retry(RetryConfig::disabled())
                    .transport_service(recorder.service())
            })
            .build()?;
        let start = recorder.sent();
        let clients = client.client_rows(RowPolicy::KeepRaw).await;
        let attempt = login::classify(&recorder.since(start), |e| token_pair(e).is_some());
        match attempt {
            Attempt::Worked | Attempt::NotSent => {
                working = Some((shape, client, clients, attempt == Attempt::NotSent));
                break;
            }
            Attempt::WrongShape(_, why) => tried.push(format!("{} {why}", shape.path)),
            Attempt::Refused(status) => {
                assumptions.push(a16(
                    Verdict::Untested,
                    format!(
                        "{} answered {status}: the client id or secret key is refused, so the path answered; stopped after {} token request(s)",
                        shape.path,
                        tried.len() + 1
                    ),
                ));
                let why = format!(
                    "the Aloha token request at {} was refused ({status}): check ALOHA_CLIENT_ID and ALOHA_SECRET_KEY",
                    shape.path
                );
                return Ok(Ended::Refused(
                    report(&recorder, assumptions, Vec::new(), fixes),
                    why,
                ));
            }
            Attempt::RateLimited => {
                return Err(Failure {
                    exit: Exit::RateLimited,
                    message: "the Aloha token request was rate limited (429): the day's budget is spent; probe again after the reset".into(),
                });
            }
            Attempt::Failed(why) => {
                return Err(Failure::local(format!("the Aloha probe stopped: {why}")));
            }
        }
    }
    let Some((shape, client, clients, cached)) = working else {
        assumptions.push(a16(
            Verdict::Contradicted,
            format!("no token path answered with a token: {}", tried.join("; ")),
        ));
        fixes.push(Fix {
            about: "A16".into(),
            set: Some("ALOHA_TOKEN_PATH".into()),
            action: "ask Aloha support for the token URL and set it as a path under ALOHA_BASE_URL"
                .into(),
        });
        return Ok(Ended::Complete(report(
            &recorder,
            assumptions,
            Vec::new(),
            fixes,
        )));
    };
    let default = aloha_api::default_token_path();
    if cached {
        assumptions.push(a16(
            Verdict::Untested,
            "no token request was sent: a token shared through PRACTICE_REDIS_URL was used".into(),
        ));
    } else if shape.path == default {
        assumptions.push(a16(
            Verdict::Held,
            format!("{} answered 2xx with a token pair", shape.path),
        ));
    } else {
        let before = if tried.is_empty() {
            String::new()
        } else {
            format!(" after {}", tried.join("; "))
        };
        assumptions.push(a16(
            Verdict::Contradicted,
            format!("the token answered at {}{before}", shape.path),
        ));
        fixes.push(Fix {
            about: "A16".into(),
            set: Some(format!("ALOHA_TOKEN_PATH={}", shape.path)),
            action: format!(
                "the token lives at {{base}}{}; --spec-patch moves the spec's default there",
                shape.path
            ),
        });
    }

    let mut tally = Tally::default();
    let exchanges = |recorder: &Recorder| recorder.exchanges();
    let last_rows = |recorder: &Recorder, report: &str| -> Option<(u16, Vec<Value>)> {
        let all = exchanges(recorder);
        let e = all.iter().rev().find(|e| {
            e.method == Method::GET && e.path.ends_with(&format!("/v1/report/{report}"))
        })?;
        Some((e.status.unwrap_or(0), data_rows(e)))
    };
    let mut notes = Vec::new();
    if let Err(err) = &clients {
        stop_if_limited(err)?;
        notes.push(format!("clients: {}", status_words(err)));
    }
    if let Some((_, rows)) = last_rows(&recorder, "clients") {
        rows.iter().for_each(|row| tally.row(&spec, "Client", row));
    }
    for (name, _) in REPORTS {
        let result = match name {
            "appointments" => client
                .report_rows::<Appointments>(range, RowPolicy::KeepRaw)
                .await
                .map(|_| ()),
            "client-authorizations" => client
                .report_rows::<ClientAuthorizations>(range, RowPolicy::KeepRaw)
                .await
                .map(|_| ()),
            "billing-ledger" => client
                .report_rows::<BillingLedger>(range, RowPolicy::KeepRaw)
                .await
                .map(|_| ()),
            _ => client
                .report_rows::<AuthorizationsWithoutAppointments>(range, RowPolicy::KeepRaw)
                .await
                .map(|_| ()),
        };
        if let Err(err) = &result {
            stop_if_limited(err)?;
            notes.push(format!("{name}: {}", status_words(err)));
        }
    }
    let mut report_rows = std::collections::BTreeMap::new();
    for (name, schema) in REPORTS {
        let rows = last_rows(&recorder, name)
            .map(|(_, rows)| rows)
            .unwrap_or_default();
        rows.iter().for_each(|row| tally.row(&spec, schema, row));
        report_rows.insert(name, rows);
    }

    // A9: is endDate required? One appointments request without it.
    let start = recorder.sent();
    let request = ListAppointmentsRequest::builder()
        .start_date(range.start())
        .end_date(range.end())
        .build()?;
    let without = client.execute(&WithoutEndDate(request)).await;
    let a9 = match (
        recorder.since(start).last().and_then(|e| e.status),
        &without,
    ) {
        (_, Ok(rows)) => (
            Verdict::Contradicted,
            format!(
                "a request without endDate was answered 2xx with {} row(s): endDate is optional",
                rows.len()
            ),
        ),
        (Some(400), _) => (
            Verdict::Held,
            "a request without endDate was answered 400".into(),
        ),
        (Some(status), _) => (
            Verdict::Untested,
            format!("a request without endDate was answered {status}, not a validation error"),
        ),
        (None, Err(err)) => {
            stop_if_limited(err)?;
            (
                Verdict::Untested,
                "the request without endDate got no answer".into(),
            )
        }
    };
    assumptions.push(Finding {
        id: "A9",
        what: "startDate and endDate are both required; the range includes both ends",
        verdict: a9.0,
        evidence: a9.1,
    });
    if a9.0 == Verdict::Contradicted {
        fixes.push(Fix {
            about: "A9".into(),
            set: None,
            action: "make endDate optional in components.parameters.EndDate".into(),
        });
    }

    // A15: rows of the day-split reports fall inside the range.
    let dated = |rows: &[Value], field: &str| -> (usize, usize) {
        let dates: Vec<Option<Date>> = rows
            .iter()
            .map(|r| r.get(field).and_then(Value::as_str).and_then(mm_dd_yyyy))
            .collect();
        let inside = dates
            .iter()
            .flatten()
            .filter(|d| **d >= range.start() && **d <= range.end())
            .count();
        (inside, dates.iter().flatten().count())
    };
    let (a_in, a_all) = dated(&report_rows["appointments"], "appointmentDate");
    let (b_in, b_all) = dated(&report_rows["billing-ledger"], "dateOfService");
    let a15 = if a_all + b_all == 0 {
        (
            Verdict::Untested,
            "no dated appointment or ledger rows in the range".to_owned(),
        )
    } else if a_in == a_all && b_in == b_all {
        (
            Verdict::Held,
            format!(
                "{a_all} appointment and {b_all} ledger row(s), every one dated inside the range"
            ),
        )
    } else {
        (
            Verdict::Contradicted,
            format!(
                "{} of {a_all} appointment and {} of {b_all} ledger row(s) are dated outside the range",
                a_all - a_in,
                b_all - b_in
            ),
        )
    };
    assumptions.push(Finding {
        id: "A15",
        what: "what a report returns for a range: rows dated inside it (appointments, ledger)",
        verdict: a15.0,
        evidence: a15.1,
    });

    // A11 and A13: the forms of the dates kept as text, and of the assumed timestamps.
    let forms: Vec<String> = [
        ("Client", "inActiveDate"),
        ("ClientAuthorization", "startDate"),
        ("ClientAuthorization", "endDate"),
        ("AuthorizationWithoutAppointments", "start_Date1"),
        ("AuthorizationWithoutAppointments", "end_Date1"),
    ]
    .iter()
    .filter_map(|(schema, field)| {
        let forms = tally.forms_of(schema, field);
        (!forms.is_empty()).then(|| format!("{schema}.{field}: {}", describe_forms(&forms)))
    })
    .collect();
    assumptions.push(Finding {
        id: "A11",
        what: "undocumented date formats are kept as text",
        verdict: if forms.is_empty() {
            Verdict::Untested
        } else {
            Verdict::Held
        },
        evidence: if forms.is_empty() {
            "no values seen".into()
        } else {
            format!("kept as text; forms seen: {}", forms.join("; "))
        },
    });
    let mut a13 = Vec::new();
    let mut zoneless = false;
    for field in ["startDate", "endDate"] {
        let forms = tally.forms_of("AuthorizationWithoutAppointments", field);
        zoneless |= forms.keys().any(|f| f != "date-time");
        if !forms.is_empty() {
            a13.push(format!("{field}: {}", describe_forms(&forms)));
        }
    }
    assumptions.push(Finding {
        id: "A13",
        what: "AuthorizationWithoutAppointments startDate/endDate are RFC 3339 timestamps",
        verdict: match (a13.is_empty(), zoneless) {
            (true, _) => Verdict::Untested,
            (false, false) => Verdict::Held,
            (false, true) => Verdict::Contradicted,
        },
        evidence: if a13.is_empty() {
            "no rows in the range".into()
        } else {
            a13.join("; ")
        },
    });

    // A10: the refresh, last (it retires the token the other calls used).
    let pair = exchanges(&recorder)
        .iter()
        .find(|e| e.method == Method::POST && token_pair(e).is_some())
        .and_then(token_pair);
    let a10 = match pair {
        None => (
            Verdict::Untested,
            "no token pair to refresh (a shared token was used)".to_owned(),
        ),
        Some((access, refresh)) => {
            let request = PostRefreshTokenRequest::builder()
                .client_id(setup.client_id().to_owned())
                .access_token(access)
                .refresh_token(refresh)
                .build()?;
            let start = recorder.sent();
            let refreshed = client.execute(&request).await;
            let status = recorder.since(start).first().and_then(|e| e.status);
            match (&refreshed, status) {
                (Ok(data), _) if data.access_token.is_some() => (
                    Verdict::Held,
                    "POST /refresh-token answered 2xx with a new token pair".into(),
                ),
                (_, Some(status)) => (
                    Verdict::Contradicted,
                    format!("POST /refresh-token with the pair just issued answered {status}"),
                ),
                (Err(err), None) => {
                    stop_if_limited(err)?;
                    (Verdict::Untested, "the refresh got no answer".into())
                }
                (Ok(_), None) => (Verdict::Untested, "the refresh was not sent".into()),
            }
        }
    };
    assumptions.push(Finding {
        id: "A10",
        what: "/refresh-token's path and body names (from a third-party client)",
        verdict: a10.0,
        evidence: a10.1,
    });
    if a10.0 == Verdict::Contradicted {
        fixes.push(Fix {
            about: "A10".into(),
            set: None,
            action: "ask Aloha for the refresh path; until then the client falls back to a new token when refreshing fails".into(),
        });
    }
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
        "crates/aloha-api/openapi.yaml",
    ));
    let mut out = report(&recorder, assumptions, findings, fixes);
    out.requests = recorder.sent();
    Ok(Ended::Complete(out))
}

fn a16(verdict: Verdict, evidence: String) -> Finding {
    Finding {
        id: "A16",
        what: "the token is at {base}/token",
        verdict,
        evidence,
    }
}

/// The `data` rows of an Aloha answer.
fn data_rows(exchange: &Exchange) -> Vec<Value> {
    serde_json::from_slice::<Value>(&exchange.body)
        .ok()
        .and_then(|v| v.get("data").and_then(Value::as_array).cloned())
        .unwrap_or_default()
}

/// The access and refresh tokens of a token answer (in memory only).
fn token_pair(exchange: &Exchange) -> Option<(String, String)> {
    if !exchange.status.is_some_and(|s| (200..300).contains(&s)) {
        return None;
    }
    let value: Value = serde_json::from_slice(&exchange.body).ok()?;
    let data = value.get("data")?;
    let access = data.get("accessToken")?.as_str()?.to_owned();
    let refresh = data
        .get("refreshToken")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    (!access.is_empty()).then_some((access, refresh))
}

fn mm_dd_yyyy(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[month]-[day]-[year]");
    Date::parse(text, format).ok()
}

/// The appointments request without its `endDate`, to learn whether the vendor needs it.
struct WithoutEndDate(ListAppointmentsRequest);

impl Endpoint for WithoutEndDate {
    type Output = <ListAppointmentsRequest as Endpoint>::Output;

    fn meta(&self) -> &'static OperationMeta {
        self.0.meta()
    }

    fn validate(&self) -> Result<(), Error> {
        self.0.validate()
    }

    fn path(&self) -> String {
        self.0.path()
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = self.0.query();
        query.retain(|(name, _)| *name != "endDate");
        query
    }

    fn decode(&self, body: &[u8]) -> Result<Self::Output, Error> {
        self.0.decode(body)
    }
}
