//! The HTTP side: one handler that routes by path, applies injected faults, then the vendor's
//! rules. Plain dispatch keeps every rule in one readable place.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::Request;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use serde::Deserialize;
use time::Date;

use crate::data::{self, AeronaData, AlohaData};
use crate::{Credentials, Faults, SandboxConfig};

/// A fault to inject into one answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status and a short JSON error body.
    Status {
        /// The status.
        status: u16,
    },
    /// 503 with `Retry-After: seconds`.
    Unavailable {
        /// The `Retry-After` value.
        retry_after: u64,
    },
    /// Wait, then answer normally.
    Delay {
        /// How long, in milliseconds.
        millis: u64,
    },
    /// Start the answer and break the connection.
    Drop,
    /// Answer normally but cut the body in half.
    Truncate,
    /// Answer 200 with an HTML page instead of JSON.
    Html,
    /// Answer 301 to the https URL.
    Redirect,
}

type Reply = Response<Body>;

/// A receiver's URL and the shared-secret header it expects, if any.
type Receiver = (String, Option<(String, String)>);

/// Registered webhook receivers and the delivery loop.
#[derive(Clone)]
pub(crate) struct Webhooks {
    receivers: Arc<Mutex<Vec<Receiver>>>,
    attempts: Arc<std::sync::atomic::AtomicU64>,
    hour: Duration,
    client: reqwest::Client,
}

/// Aerona retries a failed delivery up to 24 more times.
const WEBHOOK_RETRIES: u32 = 24;

impl Webhooks {
    fn new(hour: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Webhooks {
            receivers: Default::default(),
            attempts: Default::default(),
            hour,
            client,
        }
    }

    pub(crate) fn register(&self, url: String, header: Option<(String, String)>) {
        self.receivers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((url, header));
    }

    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Posts `event` to every receiver in the background, on the vendor's schedule.
    fn deliver(&self, event: String) {
        let receivers = self
            .receivers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for (url, header) in receivers {
            let this = self.clone();
            let event = event.clone();
            tokio::spawn(async move {
                for attempt in 0..=WEBHOOK_RETRIES {
                    if attempt > 0 {
                        tokio::time::sleep(this.hour).await;
                    }
                    this.attempts
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let mut request = this
                        .client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(event.clone());
                    if let Some((name, value)) = &header {
                        request = request.header(name.as_str(), value.as_str());
                    }
                    if matches!(request.send().await, Ok(r) if r.status() == StatusCode::OK) {
                        return;
                    }
                }
            });
        }
    }
}

fn appointment_event(action: &str, appointment: i64, status: i64) -> String {
    let now = time::OffsetDateTime::now_utc();
    let at = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!(
        "{{\"event\":\"Appointment\",\"action\":\"{action}\",\"appointmentId\":{appointment},\"appointmentStatusId\":{status},\"occurredAt\":\"{at}\"}}"
    )
}

pub(crate) struct State {
    config: SandboxConfig,
    creds: Credentials,
    faults: Faults,
    pub(crate) stats: Arc<Mutex<HashMap<String, u64>>>,
    pub(crate) webhooks: Webhooks,
    aloha: AlohaData,
    aerona: AeronaData,
    live: Mutex<Live>,
}

#[derive(Default)]
struct Live {
    serial: u64,
    aloha_tokens: HashMap<String, Instant>,
    aloha_refresh: HashMap<String, String>,
    aloha_day: (u64, u32),
    aerona_tokens: HashMap<String, Instant>,
    aerona_log: VecDeque<Instant>,
    booked: HashSet<(i64, Date, i64)>,
    appointments: BTreeSet<i64>,
    next_appointment: i64,
}

impl State {
    pub(crate) fn new(config: SandboxConfig, creds: Credentials, faults: Faults) -> Self {
        let aloha = data::aloha(config.seed);
        let aerona = data::aerona(config.seed);
        let live = Live {
            appointments: aerona.appointments.clone(),
            next_appointment: 40_000,
            ..Live::default()
        };
        let webhooks = Webhooks::new(config.webhook_hour);
        State {
            config,
            creds,
            faults,
            stats: Default::default(),
            webhooks,
            aloha,
            aerona,
            live: Mutex::new(live),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) fn router(state: State) -> axum::Router {
    let state = Arc::new(state);
    axum::Router::new().fallback(move |request: Request| {
        let state = state.clone();
        async move { handle(state, request).await }
    })
}

fn reply(status: StatusCode, body: impl Into<Body>) -> Reply {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn query_map(query: Option<&str>) -> HashMap<String, String> {
    url_pairs(query.unwrap_or(""))
}

fn url_pairs(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(text: &str) -> Option<String> {
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

/// Which operation a path is, for stats and faults.
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

async fn handle(state: Arc<State>, request: Request) -> Reply {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(body) => body,
        Err(_) => {
            return reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                "{\"message\":\"body too large\"}",
            );
        }
    };
    let path = parts.uri.path().to_owned();
    let query = query_map(parts.uri.query());
    if let Some(admin) = path.strip_prefix("/_sandbox/") {
        return admin_route(&state, &parts.method, admin, &body);
    }
    let (vendor, rest) = if let Some(rest) = path.strip_prefix("/aloha/customer") {
        ("aloha", rest.to_owned())
    } else if let Some(rest) = path.strip_prefix("/aerona/AeronaAPI") {
        ("aerona", rest.to_owned())
    } else {
        return reply(
            StatusCode::NOT_FOUND,
            "{\"message\":\"unknown sandbox path\"}",
        );
    };
    let op = operation(&parts.method, vendor, &rest);
    *state
        .stats
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(op.clone())
        .or_default() += 1;

    let mut truncate = false;
    if let Some(fault) = state.faults.take(&op) {
        match fault {
            Fault::Status { status } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return reply(
                    status,
                    format!(
                        "{{\"status\":{},\"message\":\"injected fault\",\"errors\":[]}}",
                        status.as_u16()
                    ),
                );
            }
            Fault::Unavailable { retry_after } => {
                let mut r = reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "{\"message\":\"injected outage\"}",
                );
                r.headers_mut()
                    .insert(http::header::RETRY_AFTER, HeaderValue::from(retry_after));
                return r;
            }
            Fault::Delay { millis } => tokio::time::sleep(Duration::from_millis(millis)).await,
            Fault::Drop => {
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
                    "<html><body><h1>Gateway page</h1></body></html>",
                );
                r.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html"),
                );
                return r;
            }
            Fault::Redirect => {
                let mut r = reply(StatusCode::MOVED_PERMANENTLY, "");
                let location = format!(
                    "https://{}{}",
                    parts.uri.authority().map_or("localhost", |a| a.as_str()),
                    path
                );
                if let Ok(value) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(http::header::LOCATION, value);
                }
                return r;
            }
        }
    }
    let response = if vendor == "aloha" {
        aloha(&state, &parts.method, &parts.headers, &rest, &query, &body)
    } else {
        aerona(&state, &parts.method, &parts.headers, &rest, &query, &body)
    };
    if truncate {
        // Cut the way a network does: the declared length stays, half the bytes arrive, and
        // the connection ends. A client can tell; a shorter but complete answer it could not.
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let full = bytes.len();
        let half = bytes.slice(..full / 2);
        let stream = futures_util::stream::iter([
            Ok::<Bytes, std::io::Error>(half),
            Err(std::io::Error::other("connection cut by the sandbox")),
        ]);
        let mut response = Response::from_parts(parts, Body::from_stream(stream));
        response
            .headers_mut()
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(full));
        return response;
    }
    response
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
    match (method.as_str(), path) {
        ("POST", "faults") => match serde_json::from_slice::<Injection>(body) {
            Ok(injection) => {
                state
                    .faults
                    .inject(&injection.route, injection.fault, injection.times);
                reply(StatusCode::OK, "{\"injected\":true}")
            }
            Err(e) => reply(
                StatusCode::BAD_REQUEST,
                serde_json::json!({ "message": e.to_string() }).to_string(),
            ),
        },
        ("DELETE", "faults") => {
            state.faults.clear();
            reply(StatusCode::OK, "{\"cleared\":true}")
        }
        ("POST", "webhooks") => {
            #[derive(Deserialize)]
            struct Registration {
                url: String,
                #[serde(default)]
                header: Option<(String, String)>,
            }
            match serde_json::from_slice::<Registration>(body) {
                Ok(r) => {
                    state.webhooks.register(r.url, r.header);
                    reply(StatusCode::OK, "{\"registered\":true}")
                }
                Err(e) => reply(
                    StatusCode::BAD_REQUEST,
                    serde_json::json!({ "message": e.to_string() }).to_string(),
                ),
            }
        }
        ("GET", "stats") => {
            let stats = state
                .stats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            reply(
                StatusCode::OK,
                serde_json::to_string(&stats).unwrap_or_default(),
            )
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            "{\"message\":\"unknown admin route\"}",
        ),
    }
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

fn aloha_error(status: StatusCode, message: &str, errors: &str) -> (StatusCode, String) {
    (
        status,
        format!(
            "{{\"status\":{},\"message\":{},\"errors\":{errors}}}",
            status.as_u16(),
            serde_json::json!(message)
        ),
    )
}

fn aloha(
    state: &State,
    method: &Method,
    headers: &http::HeaderMap,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Reply {
    // The daily budget counts every request, token requests included.
    let day = epoch_now() / 86_400;
    let reset = (day + 1) * 86_400;
    let limit = state.config.aloha_daily_limit;
    let count = {
        let mut live = state.live();
        if live.aloha_day.0 != day {
            live.aloha_day = (day, 0);
        }
        live.aloha_day.1 += 1;
        live.aloha_day.1
    };
    let (status, text) = if count > limit {
        aloha_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            &format!(
                "[{{\"name\":\"RateLimitError\",\"message\":\"Rate Limit exceeded. Please retry at {reset}\"}}]"
            ),
        )
    } else {
        aloha_route(state, method, headers, path, query, body)
    };
    let mut response = reply(status, text);
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(limit.saturating_sub(count)),
    );
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    response
}

fn envelope(rows: impl Iterator<Item = String>) -> String {
    let mut out = String::from("{\"status\":200,\"message\":\"Success\",\"data\":[");
    for (i, row) in rows.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&row);
    }
    out.push_str("]}");
    out
}

fn token_answer(access: &str, refresh: &str, ttl: Duration) -> String {
    let expires = time::OffsetDateTime::now_utc() + ttl;
    let expires = expires
        .replace_nanosecond(0)
        .unwrap_or(expires)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!(
        "{{\"status\":200,\"message\":\"Success\",\"data\":{{\"username\":\"sandbox\",\"accessToken\":\"{access}\",\"accessTokenExpiration\":\"{expires}\",\"refreshToken\":\"{refresh}\",\"subscriptionId\":\"sandbox-subscription\"}}}}"
    )
}

fn aloha_route(
    state: &State,
    method: &Method,
    headers: &http::HeaderMap,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> (StatusCode, String) {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    let field = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let ttl = state.config.aloha_token_ttl;
    match (method.as_str(), path) {
        ("POST", "/token") => {
            if field("clientId") != state.creds.aloha_client_id
                || field("secretKey") != state.creds.aloha_secret_key
            {
                return aloha_error(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized",
                    "[{\"name\":\"AuthenticationError\",\"message\":\"Invalid clientId or secretKey\"}]",
                );
            }
            let mut live = state.live();
            live.serial += 1;
            let (access, refresh) = (
                format!("aloha-access-{}", live.serial),
                format!("aloha-refresh-{}", live.serial),
            );
            live.aloha_tokens
                .insert(access.clone(), Instant::now() + ttl);
            live.aloha_refresh.insert(refresh.clone(), access.clone());
            (StatusCode::OK, token_answer(&access, &refresh, ttl))
        }
        ("POST", "/refresh-token") => {
            let mut live = state.live();
            let valid = field("clientId") == state.creds.aloha_client_id
                && live.aloha_refresh.get(&field("refreshToken")) == Some(&field("accessToken"));
            if !valid {
                return aloha_error(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized",
                    "[{\"name\":\"AuthenticationError\",\"message\":\"Invalid refresh token\"}]",
                );
            }
            live.aloha_refresh.remove(&field("refreshToken"));
            live.aloha_tokens.remove(&field("accessToken"));
            live.serial += 1;
            let (access, refresh) = (
                format!("aloha-access-{}", live.serial),
                format!("aloha-refresh-{}", live.serial),
            );
            live.aloha_tokens
                .insert(access.clone(), Instant::now() + ttl);
            live.aloha_refresh.insert(refresh.clone(), access.clone());
            (StatusCode::OK, token_answer(&access, &refresh, ttl))
        }
        ("GET", report) if report.starts_with("/v1/report/") => {
            let name = &report["/v1/report/".len()..];
            let known = [
                "clients",
                "appointments",
                "client-authorizations",
                "billing-ledger",
                "authorizations-without-appointments",
            ];
            // Routing comes before authentication: a wrong URL is the vendor's 429 either way.
            if !known.contains(&name) {
                return wrong_url();
            }
            let bearer = headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            let valid = state
                .live()
                .aloha_tokens
                .get(bearer)
                .is_some_and(|exp| Instant::now() < *exp);
            if !valid {
                return aloha_error(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized",
                    "[{\"name\":\"AuthenticationError\",\"message\":\"Invalid or expired token\"}]",
                );
            }
            if name == "clients" {
                return (
                    StatusCode::OK,
                    envelope(state.aloha.clients.iter().cloned()),
                );
            }
            let (start, end) = match aloha_range(query) {
                Ok(range) => range,
                Err(reply) => return reply,
            };
            let within = |rows: &[data::Dated]| -> String {
                envelope(
                    rows.iter()
                        .filter(|r| r.date >= start && r.date <= end)
                        .map(|r| r.json.clone()),
                )
            };
            let text = match name {
                "appointments" => within(&state.aloha.appointments),
                "billing-ledger" => within(&state.aloha.ledger),
                "client-authorizations" => within(&state.aloha.authorizations),
                _ => {
                    let busy: HashSet<i64> = state
                        .aloha
                        .appointment_days
                        .iter()
                        .filter(|(_, d)| *d >= start && *d <= end)
                        .map(|(c, _)| *c)
                        .collect();
                    envelope(
                        state
                            .aloha
                            .auths_without
                            .iter()
                            .filter(|(c, s, e, _)| *s <= end && *e >= start && !busy.contains(c))
                            .map(|(_, _, _, json)| json.clone()),
                    )
                }
            };
            (StatusCode::OK, text)
        }
        _ => wrong_url(),
    }
}

fn wrong_url() -> (StatusCode, String) {
    aloha_error(
        StatusCode::TOO_MANY_REQUESTS,
        "Too Many Requests",
        "[{\"name\":\"NotFound\",\"message\":\"You are not hitting the correct URL\"}]",
    )
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

fn aloha_range(query: &HashMap<String, String>) -> Result<(Date, Date), (StatusCode, String)> {
    let get = |name: &str| query.get(name).map(String::as_str);
    match (get("startDate"), get("endDate")) {
        (None, _) | (_, None) => Err(aloha_error(
            StatusCode::BAD_REQUEST,
            "Validation failed",
            "[{\"name\":\"startDate\",\"message\":\"startDate and endDate are required\"}]",
        )),
        (Some(s), Some(e)) => match (parse_date(s), parse_date(e)) {
            (Some(s), Some(e)) if s <= e => Ok((s, e)),
            // This one answers with `errors` as an object, as the vendor's overview describes.
            (Some(_), Some(_)) => Err(aloha_error(
                StatusCode::BAD_REQUEST,
                "Validation failed",
                "{\"startDate\":\"must not be after endDate\"}",
            )),
            _ => Err(aloha_error(
                StatusCode::BAD_REQUEST,
                "Validation failed",
                "{\"startDate\":\"must be YYYY-MM-DD\",\"endDate\":\"must be YYYY-MM-DD\"}",
            )),
        },
    }
}

fn bad(field: &str, message: &str) -> (StatusCode, String) {
    (
        StatusCode::BAD_REQUEST,
        serde_json::json!({ "message": message, "field": field }).to_string(),
    )
}

fn not_found(what: &str) -> (StatusCode, String) {
    (
        StatusCode::NOT_FOUND,
        serde_json::json!({ "message": format!("{what} not found") }).to_string(),
    )
}

fn aerona(
    state: &State,
    method: &Method,
    headers: &http::HeaderMap,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Reply {
    // Every request counts; the one over budget invalidates the account's tokens.
    let now = Instant::now();
    let over = {
        let mut live = state.live();
        while live
            .aerona_log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= state.config.aerona_window)
        {
            live.aerona_log.pop_front();
        }
        live.aerona_log.push_back(now);
        let over = live.aerona_log.len() > state.config.aerona_limit as usize;
        if over {
            live.aerona_tokens.clear();
        }
        over
    };
    let (status, text, token) = if over {
        (
            StatusCode::UNAUTHORIZED,
            "{\"message\":\"Rate limit exceeded: token invalidated\"}".to_owned(),
            None,
        )
    } else if method == Method::POST && path == "/v1/login" {
        let json: serde_json::Value =
            serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        let field = |name: &str| {
            json.get(name)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        if field("username") != state.creds.aerona_username
            || field("password") != state.creds.aerona_password
        {
            (
                StatusCode::UNAUTHORIZED,
                "{\"message\":\"Invalid username or password\"}".to_owned(),
                None,
            )
        } else {
            let mut live = state.live();
            live.serial += 1;
            let token = format!("aerona-token-{}", live.serial);
            live.aerona_tokens
                .insert(token.clone(), now + state.config.aerona_token_ttl);
            (StatusCode::OK, String::new(), Some(token))
        }
    } else {
        let token = headers
            .get("aerona-auth-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let valid = state
            .live()
            .aerona_tokens
            .get(token)
            .is_some_and(|exp| now < *exp);
        if valid {
            let (status, text) = aerona_route(state, method, path, query, body);
            (status, text, None)
        } else {
            (
                StatusCode::UNAUTHORIZED,
                "{\"message\":\"Missing, expired or invalid token\"}".to_owned(),
                None,
            )
        }
    };
    let mut response = reply(status, text);
    if let Some(token) = token.and_then(|t| HeaderValue::from_str(&t).ok()) {
        response.headers_mut().insert("aerona-auth-token", token);
    }
    response
}

/// An id parameter: digits only, at most 11 of them.
fn id(
    field: &str,
    text: Option<&str>,
    required: bool,
) -> Result<Option<i64>, (StatusCode, String)> {
    match text {
        None if required => Err(bad(field, &format!("{field} is required"))),
        None => Ok(None),
        Some(t) if t.len() > 11 || t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) => {
            Err(bad(
                field,
                &format!("{field} must be a number of at most 11 digits"),
            ))
        }
        Some(t) => Ok(t.parse().ok()),
    }
}

fn aerona_route(
    state: &State,
    method: &Method,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> (StatusCode, String) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let q = |name: &str| query.get(name).map(String::as_str);
    let result = (|| -> Result<(StatusCode, String), (StatusCode, String)> {
        Ok(match (method.as_str(), segments.as_slice()) {
            ("GET", ["v1", "patients", pid]) => {
                let pid = id("patientId", Some(pid), true)?.unwrap_or(0);
                match state.aerona.patients.get(&pid) {
                    Some(json) => (StatusCode::OK, json.clone()),
                    None => return Err(not_found("patient")),
                }
            }
            ("GET", ["v1", kind @ ("payments" | "invoices"), "search"]) => {
                let patient = id("patientId", q("patientId"), false)?;
                let today = time::OffsetDateTime::now_utc().date();
                let from = match q("fromDate") {
                    Some(t) => parse_date(t)
                        .ok_or_else(|| bad("fromDate", "fromDate must be YYYY-MM-DD"))?,
                    None => today.replace_day(1).unwrap_or(today),
                };
                let to = match q("toDate") {
                    Some(t) => {
                        parse_date(t).ok_or_else(|| bad("toDate", "toDate must be YYYY-MM-DD"))?
                    }
                    None => today,
                };
                let rows = if *kind == "payments" {
                    &state.aerona.payments
                } else {
                    &state.aerona.invoices
                };
                let mut matching: Vec<&(i64, i64, Date, String)> = rows
                    .iter()
                    .filter(|(_, p, d, _)| {
                        *d >= from && *d <= to && patient.is_none_or(|want| want == *p)
                    })
                    .collect();
                matching.sort_by_key(|(i, _, d, _)| (*d, *i));
                (
                    StatusCode::OK,
                    format!(
                        "[{}]",
                        matching
                            .iter()
                            .map(|r| r.3.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                )
            }
            ("GET", ["v1", kind @ ("payments" | "invoices"), record]) => {
                let field = if *kind == "payments" {
                    "paymentId"
                } else {
                    "invoiceId"
                };
                let wanted = id(field, Some(record), true)?.unwrap_or(0);
                let rows = if *kind == "payments" {
                    &state.aerona.payments
                } else {
                    &state.aerona.invoices
                };
                match rows.iter().find(|r| r.0 == wanted) {
                    Some(r) => (StatusCode::OK, r.3.clone()),
                    None => {
                        return Err(not_found(if *kind == "payments" {
                            "payment"
                        } else {
                            "invoice"
                        }));
                    }
                }
            }
            ("GET", ["v1", "clinicians"]) => {
                let practice = id("practiceId", q("practiceId"), false)?;
                let kind = match id("appointmentTypeId", q("appointmentTypeId"), false)? {
                    Some(t) => Some(
                        state
                            .aerona
                            .appointment_types
                            .iter()
                            .find(|a| a.0 == t)
                            .map(|a| a.1)
                            .ok_or_else(|| not_found("appointment type"))?,
                    ),
                    None => None,
                };
                let rows: Vec<&str> = state
                    .aerona
                    .clinicians
                    .iter()
                    .filter(|c| practice.is_none_or(|p| p == c.1) && kind.is_none_or(|k| k == c.2))
                    .map(|c| c.3.as_str())
                    .collect();
                (StatusCode::OK, format!("[{}]", rows.join(",")))
            }
            ("GET", ["v1", "appointment-types"]) => {
                let practice = id("practiceId", q("practiceId"), false)?;
                if practice.is_some_and(|p| !state.aerona.practices.contains(&p)) {
                    return Err(not_found("practice"));
                }
                let kind = id("clinicianTypeId", q("clinicianTypeId"), false)?;
                let flag = |name: &str| q(name) == Some("true");
                let rows: Vec<&str> = state
                    .aerona
                    .appointment_types
                    .iter()
                    .filter(|t| kind.is_none_or(|k| k == t.1))
                    .filter(|t| flag("includeDisabled") || !t.2)
                    .filter(|t| !flag("onsiteOnly") || t.3)
                    .filter(|t| !flag("remoteOnly") || !t.3)
                    .map(|t| t.4.as_str())
                    .collect();
                (StatusCode::OK, format!("[{}]", rows.join(",")))
            }
            ("GET", ["v1", "find-appointment-slots"]) => slots(state, query)?,
            ("POST", ["v1", "appointments"]) => create(state, body)?,
            ("PUT", ["v1", "appointments", appointment, "status"]) => {
                let appointment = id("appointmentId", Some(appointment), true)?.unwrap_or(0);
                let json: serde_json::Value = serde_json::from_slice(body)
                    .map_err(|_| bad("body", "the body must be JSON"))?;
                let status = json
                    .get("appointmentStatusId")
                    .and_then(serde_json::Value::as_i64)
                    .ok_or_else(|| bad("appointmentStatusId", "appointmentStatusId is required"))?;
                let known = (1..=14).contains(&status) || status == 16;
                let exists = state.live().appointments.contains(&appointment);
                if known && exists {
                    state
                        .webhooks
                        .deliver(appointment_event("statusChanged", appointment, status));
                }
                (StatusCode::OK, (known && exists).to_string())
            }
            _ => return Err(not_found("resource")),
        })
    })();
    result.unwrap_or_else(|e| e)
}

fn slots(
    state: &State,
    query: &HashMap<String, String>,
) -> Result<(StatusCode, String), (StatusCode, String)> {
    let q = |name: &str| query.get(name).map(String::as_str);
    let clinician = id("clinicianId", q("clinicianId"), false)?;
    let kind = id("clinicianTypeId", q("clinicianTypeId"), false)?;
    let practice = id("practiceId", q("practiceId"), false)?;
    if clinician.is_some() == kind.is_some() {
        return Err(bad(
            "clinicianId",
            "exactly one of clinicianId and clinicianTypeId must be given",
        ));
    }
    if kind.is_some() && practice.is_none() {
        return Err(bad(
            "practiceId",
            "practiceId is required with clinicianTypeId",
        ));
    }
    let appointment_type = id("appointmentTypeId", q("appointmentTypeId"), true)?.unwrap_or(0);
    if !state
        .aerona
        .appointment_types
        .iter()
        .any(|t| t.0 == appointment_type)
    {
        return Err(not_found("appointment type"));
    }
    let start =
        parse_date(q("searchStart").ok_or_else(|| bad("searchStart", "searchStart is required"))?)
            .ok_or_else(|| bad("searchStart", "searchStart must be YYYY-MM-DD"))?;
    let time_of_day = match q("timeOfDay") {
        Some("0") => 0,
        Some("1") => 1,
        Some("2") => 2,
        Some("3") => 3,
        Some(_) => return Err(bad("timeOfDay", "timeOfDay must be 0, 1, 2 or 3")),
        None => return Err(bad("timeOfDay", "timeOfDay is required")),
    };
    let clinicians: Vec<i64> = state
        .aerona
        .clinicians
        .iter()
        .filter(|c| clinician.is_none_or(|id| id == c.0))
        .filter(|c| kind.is_none_or(|k| k == c.2) && practice.is_none_or(|p| p == c.1))
        .map(|c| c.0)
        .collect();
    if clinician.is_some() && clinicians.is_empty() {
        return Err(not_found("clinician"));
    }
    let booked = state.live().booked.clone();
    let mut found = Vec::new();
    'days: for (day, minute) in data::slot_starts(start, 60) {
        let fits = match time_of_day {
            1 => minute < 12 * 60,
            2 => (12 * 60..17 * 60).contains(&minute),
            3 => minute >= 17 * 60,
            _ => true,
        };
        if !fits {
            continue;
        }
        for c in &clinicians {
            if !booked.contains(&(*c, day, minute)) {
                found.push(format!(
                    "{{\"clinicianId\":{c},\"appointmentTypeId\":{appointment_type},\"startTime\":\"{}T{:02}:{:02}:00Z\",\"duration\":30}}",
                    data::iso_date(day),
                    minute / 60,
                    minute % 60
                ));
                if found.len() == 50 {
                    break 'days;
                }
            }
        }
    }
    Ok((StatusCode::OK, format!("[{}]", found.join(","))))
}

fn create(state: &State, body: &[u8]) -> Result<(StatusCode, String), (StatusCode, String)> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| bad("body", "the body must be JSON"))?;
    let number = |name: &'static str, digits: u32| -> Result<i64, (StatusCode, String)> {
        let value = json
            .get(name)
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| bad(name, &format!("{name} is required")))?;
        if value < 0 || value >= 10i64.pow(digits) {
            return Err(bad(
                name,
                &format!("{name} must have at most {digits} digits"),
            ));
        }
        Ok(value)
    };
    let _practice = number("practiceId", 11)?;
    let clinician = number("userId", 11)?;
    let _kind = number("appointmentTypeId", 11)?;
    let status = number("appointmentStatusId", 11)?;
    let _duration = number("duration", 6)?;
    let patient = number("patientId", 11)?;
    let time = json
        .get("appointmentTime")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| bad("appointmentTime", "appointmentTime is required"))?;
    let at = time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
        .map_err(|_| bad("appointmentTime", "appointmentTime must be a date-time"))?
        .to_offset(time::UtcOffset::UTC);
    if !state.aerona.patients.contains_key(&patient) {
        return Err(not_found("patient"));
    }
    if !state.aerona.clinicians.iter().any(|c| c.0 == clinician) {
        return Err(not_found("clinician"));
    }
    let mut live = state.live();
    live.next_appointment += 1;
    let new_id = live.next_appointment;
    live.appointments.insert(new_id);
    // The booked slot disappears from later slot searches.
    live.booked.insert((
        clinician,
        at.date(),
        i64::from(at.hour()) * 60 + i64::from(at.minute()),
    ));
    drop(live);
    state
        .webhooks
        .deliver(appointment_event("created", new_id, status));
    Ok((StatusCode::OK, new_id.to_string()))
}
