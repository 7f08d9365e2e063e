//! The HTTP side: one handler that routes by path, counts, applies injected faults, then hands
//! the request to the vendor's rules (`aloha.rs`, `aerona.rs`). Plain dispatch keeps every
//! rule in one readable place.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use serde::Deserialize;

use crate::conn::ConnHandle;
use crate::data::{self, AeronaData, AlohaData, Booking};
use crate::webhooks::{Webhook, Webhooks};
use crate::{Credentials, Fault, Faults, SandboxConfig};

pub(crate) type Reply = Response<Body>;

/// Largest request body read.
const BODY_LIMIT: usize = 1024 * 1024;

pub(crate) struct State {
    pub(crate) config: SandboxConfig,
    pub(crate) creds: Credentials,
    pub(crate) faults: Faults,
    pub(crate) stats: Mutex<BTreeMap<String, u64>>,
    pub(crate) webhooks: Webhooks,
    pub(crate) aloha: Arc<AlohaData>,
    pub(crate) aerona: Arc<AeronaData>,
    live: Mutex<Live>,
}

/// What changes while the sandbox runs.
pub(crate) struct Live {
    pub(crate) serial: u64,
    /// access token → expiry
    pub(crate) aloha_tokens: HashMap<String, Instant>,
    /// refresh token → the access token it was issued with
    pub(crate) aloha_refresh: HashMap<String, String>,
    /// (UTC day number, requests that day)
    pub(crate) aloha_day: (u64, u32),
    /// token → expiry
    pub(crate) aerona_tokens: HashMap<String, Instant>,
    /// When each request in the current window arrived.
    pub(crate) aerona_log: VecDeque<Instant>,
    /// Every appointment, seeded or created, by id.
    pub(crate) appointments: BTreeMap<i64, Booking>,
    pub(crate) next_appointment: i64,
}

impl State {
    pub(crate) fn new(
        config: SandboxConfig,
        creds: Credentials,
        faults: Faults,
        closed: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let (aloha, aerona) = data::for_seed(config.seed);
        let live = Live {
            serial: 0,
            aloha_tokens: HashMap::new(),
            aloha_refresh: HashMap::new(),
            aloha_day: (0, 0),
            aerona_tokens: HashMap::new(),
            aerona_log: VecDeque::new(),
            appointments: aerona.appointments.clone(),
            next_appointment: 40_000,
        };
        let webhooks = Webhooks::new(config.webhook_hour, closed);
        State {
            config,
            creds,
            faults,
            stats: Mutex::new(BTreeMap::new()),
            webhooks,
            aloha,
            aerona,
            live: Mutex::new(live),
        }
    }

    pub(crate) fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn stats(&self) -> BTreeMap<String, u64> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub(crate) fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new().fallback(move |request: Request| {
        let state = state.clone();
        async move { handle(state, request).await }
    })
}

/// An answer with a JSON content type.
pub(crate) fn reply(status: StatusCode, body: impl Into<Body>) -> Reply {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON string literal.
pub(crate) fn json_str(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Pre-serialised JSON rows joined into one JSON array.
pub(crate) fn json_array<'a>(rows: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, row) in rows.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(row);
    }
    out.push(']');
    out
}

pub(crate) fn query_map(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// RFC 3339, whole seconds, UTC.
pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Which operation a request is, for stats and faults: `aloha.listClients`,
/// `aerona.getPatient`, … and `<vendor>.unknown` for anything else.
fn operation(method: &Method, vendor: &str, path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let name = match (vendor, method.as_str(), segments.as_slice()) {
        ("aloha", "POST", ["token"]) => "postToken",
        ("aloha", "POST", ["refresh-token"]) => "postRefreshToken",
        ("aloha", "GET", ["v1", "report", "clients"]) => "listClients",
        ("aloha", "GET", ["v1", "report", "appointments"]) => "listAppointments",
        ("aloha", "GET", ["v1", "report", "client-authorizations"]) => "listClientAuthorizations",
        ("aloha", "GET", ["v1", "report", "billing-ledger"]) => "listBillingLedger",
        ("aloha", "GET", ["v1", "report", "authorizations-without-appointments"]) => {
            "listAuthorizationsWithoutAppointments"
        }
        ("aerona", "POST", ["v1", "login"]) => "login",
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

/// A short error body in the vendor's shape, for injected faults.
fn fault_body(vendor: Vendor, status: StatusCode, message: &str) -> String {
    match vendor {
        Vendor::Aloha => format!(
            "{{\"status\":{},\"message\":{},\"errors\":[{{\"name\":\"SandboxFault\",\"message\":{}}}]}}",
            status.as_u16(),
            json_str(status.canonical_reason().unwrap_or("Error")),
            json_str(message)
        ),
        Vendor::Aerona => format!("{{\"message\":{}}}", json_str(message)),
    }
}

async fn handle(state: Arc<State>, request: Request) -> Reply {
    let conn = request
        .extensions()
        .get::<ConnectInfo<ConnHandle>>()
        .map(|c| c.0.clone());
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            "{\"message\":\"body too large\"}",
        );
    };
    let path = parts.uri.path().to_owned();
    let query = query_map(parts.uri.query());
    if let Some(admin) = path.strip_prefix("/_sandbox/") {
        return admin_route(&state, &parts.method, admin, &body);
    }
    let (vendor, rest) = if let Some(rest) = path.strip_prefix("/aloha/customer") {
        (Vendor::Aloha, rest)
    } else if let Some(rest) = path.strip_prefix("/aerona/AeronaAPI") {
        (Vendor::Aerona, rest)
    } else {
        return reply(
            StatusCode::NOT_FOUND,
            "{\"message\":\"unknown sandbox path: Aloha is under /aloha/customer, Aerona under /aerona/AeronaAPI\"}",
        );
    };
    let vendor_name = match vendor {
        Vendor::Aloha => "aloha",
        Vendor::Aerona => "aerona",
    };
    let op = operation(&parts.method, vendor_name, rest);
    *state
        .stats
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(op.clone())
        .or_default() += 1;

    let mut truncate = false;
    if let Some(fault) = state.faults.take(&[op.as_str(), path.as_str(), rest]) {
        match fault {
            Fault::Status { status } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return reply(
                    status,
                    fault_body(vendor, status, "injected by the sandbox"),
                );
            }
            Fault::Unavailable { retry_after } => {
                let status = StatusCode::SERVICE_UNAVAILABLE;
                let mut r = reply(
                    status,
                    fault_body(vendor, status, "injected outage: retry later"),
                );
                r.headers_mut()
                    .insert(http::header::RETRY_AFTER, HeaderValue::from(retry_after));
                return r;
            }
            Fault::Delay { millis } => tokio::time::sleep(Duration::from_millis(millis)).await,
            Fault::Drop => {
                if let Some(conn) = conn {
                    // Hyper's first write of this answer fails: nothing is sent.
                    conn.kill();
                    return reply(StatusCode::OK, "");
                }
                let broken = futures_util::stream::once(async {
                    Err::<Bytes, std::io::Error>(std::io::Error::other(
                        "connection dropped by the sandbox",
                    ))
                });
                return reply(StatusCode::OK, Body::from_stream(broken));
            }
            Fault::Truncate => truncate = true,
            Fault::Html => {
                let mut r = reply(
                    StatusCode::OK,
                    "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Gateway page</h1></body></html>",
                );
                r.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                return r;
            }
            Fault::Redirect => {
                let mut r = reply(StatusCode::MOVED_PERMANENTLY, "");
                r.headers_mut().remove(http::header::CONTENT_TYPE);
                let host = parts
                    .headers
                    .get(http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
                    .or_else(|| parts.uri.authority().map(|a| a.to_string()))
                    .unwrap_or_else(|| "localhost".into());
                let location = match parts.uri.query() {
                    Some(q) => format!("https://{host}{path}?{q}"),
                    None => format!("https://{host}{path}"),
                };
                if let Ok(value) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(http::header::LOCATION, value);
                }
                return r;
            }
        }
    }
    let response = match vendor {
        Vendor::Aloha => {
            crate::aloha::handle(&state, &parts.method, &parts.headers, rest, &query, &body)
        }
        Vendor::Aerona => {
            crate::aerona::handle(&state, &parts.method, &parts.headers, rest, &query, &body)
        }
    };
    if truncate {
        return truncated(response).await;
    }
    response
}

/// Cut the way a network does: the declared length stays, half the bytes arrive, then the
/// connection ends. A client can tell; a shorter but complete answer it could not.
async fn truncated(response: Reply) -> Reply {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let full = bytes.len();
    let half = bytes.slice(..full / 2);
    let first = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(half) });
    // The pause lets hyper flush the first half before the error ends the connection.
    let cut = futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection cut by the sandbox"))
    });
    parts
        .headers
        .insert(http::header::CONTENT_LENGTH, HeaderValue::from(full));
    Response::from_parts(
        parts,
        Body::from_stream(futures_util::StreamExt::chain(first, cut)),
    )
}

fn admin_route(state: &State, method: &Method, path: &str, body: &[u8]) -> Reply {
    #[derive(Deserialize)]
    struct Injection {
        route: String,
        fault: Fault,
        #[serde(default = "one")]
        times: usize,
    }
    fn one() -> usize {
        1
    }
    /// The registration body; `header: [name, value]` is accepted as an older spelling of
    /// `secretHeader`.
    #[derive(Deserialize)]
    struct Registration {
        #[serde(flatten)]
        webhook: Webhook,
        #[serde(default)]
        header: Option<(String, String)>,
    }
    let bad = |message: String| {
        reply(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "message": message }).to_string(),
        )
    };
    match (method.as_str(), path.trim_end_matches('/')) {
        ("POST", "faults") => match serde_json::from_slice::<Injection>(body) {
            Ok(injection) => {
                state
                    .faults
                    .inject(&injection.route, injection.fault, injection.times);
                reply(
                    StatusCode::OK,
                    format!(
                        "{{\"injected\":{},\"route\":{},\"pending\":{}}}",
                        injection.times,
                        json_str(&injection.route),
                        state.faults.pending(&injection.route)
                    ),
                )
            }
            Err(e) => bad(e.to_string()),
        },
        ("DELETE", "faults") => {
            state.faults.clear();
            reply(StatusCode::OK, "{\"cleared\":true}")
        }
        ("POST", "webhooks") => match serde_json::from_slice::<Registration>(body) {
            Ok(Registration {
                mut webhook,
                header,
            }) => {
                if webhook.secret_header.is_none()
                    && let Some((name, value)) = header
                {
                    webhook.secret_header = Some(crate::SecretHeader { name, value });
                }
                if let Some(problem) = webhook.problem() {
                    return bad(problem);
                }
                state.webhooks.register(webhook);
                reply(StatusCode::OK, "{\"registered\":true}")
            }
            Err(e) => bad(e.to_string()),
        },
        ("GET", "webhooks") => {
            let receivers: Vec<serde_json::Value> = state
                .webhooks
                .receivers()
                .into_iter()
                .map(|w| serde_json::json!({ "url": w.url, "events": w.events }))
                .collect();
            reply(
                StatusCode::OK,
                serde_json::json!({
                    "receivers": receivers,
                    "attempts": state.webhooks.attempts(),
                })
                .to_string(),
            )
        }
        ("DELETE", "webhooks") => {
            state.webhooks.clear();
            reply(StatusCode::OK, "{\"cleared\":true}")
        }
        ("GET", "stats") => reply(
            StatusCode::OK,
            serde_json::to_string(&state.stats()).unwrap_or_default(),
        ),
        _ => reply(
            StatusCode::NOT_FOUND,
            "{\"message\":\"unknown admin route: POST|DELETE /_sandbox/faults, POST|GET|DELETE /_sandbox/webhooks, GET /_sandbox/stats\"}",
        ),
    }
}
