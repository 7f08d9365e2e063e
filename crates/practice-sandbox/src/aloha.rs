//! Aloha's rules: tokens, the daily budget and its headers, the envelope, the reports.

use std::collections::{HashMap, HashSet};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use time::Date;

use crate::data::Dated;
use crate::params::{parse_date, rfc3339};
use crate::reply::{Reply, json_array, json_str, reply};
use crate::state::State;

type Answer = (StatusCode, String);

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The error envelope; `errors` is JSON text (an array, or an object in one case).
fn error(status: StatusCode, message: &str, errors: &str) -> Answer {
    (
        status,
        format!(
            "{{\"status\":{},\"message\":{},\"errors\":{errors}}}",
            status.as_u16(),
            json_str(message)
        ),
    )
}

/// `[{"name": ..., "message": ...}]`
fn one_error(name: &str, message: &str) -> String {
    format!(
        "[{{\"name\":{},\"message\":{}}}]",
        json_str(name),
        json_str(message)
    )
}

fn unauthorized(message: &str) -> Answer {
    error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        &one_error("AuthenticationError", message),
    )
}

/// The vendor's quirk: a wrong URL is a 429 whose message says so.
fn wrong_url() -> Answer {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "Too Many Requests",
        &one_error("NotFound", "You are not hitting the correct URL"),
    )
}

/// Every request under the Aloha base: counted against the day's budget, answered with the
/// `X-RateLimit-*` headers.
pub(crate) fn handle(
    state: &State,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Reply {
    // One key; its budget counts every request, token requests and wrong URLs included.
    let day = epoch_now() / 86_400;
    let reset = (day + 1) * 86_400;
    let limit = state.config.aloha_daily_limit;
    let count = {
        let mut live = state.live();
        if live.aloha_day.0 != day {
            live.aloha_day = (day, 0);
        }
        live.aloha_day.1 = live.aloha_day.1.saturating_add(1);
        live.aloha_day.1
    };
    let (status, text) = if count > limit {
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            &one_error(
                "RateLimitError",
                &format!("Rate Limit exceeded. Please retry at {reset}"),
            ),
        )
    } else {
        route(state, method, headers, path, query, body)
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

fn envelope<'a>(rows: impl Iterator<Item = &'a str>) -> String {
    format!(
        "{{\"status\":200,\"message\":\"Success\",\"data\":{}}}",
        json_array(rows)
    )
}

/// Issues a token pair.
fn issue(state: &State) -> Answer {
    let ttl = state.config.aloha_token_ttl;
    let mut live = state.live();
    live.serial += 1;
    let (access, refresh) = (
        format!("aloha-access-{}", live.serial),
        format!("aloha-refresh-{}", live.serial),
    );
    live.aloha_tokens
        .insert(access.clone(), Instant::now() + ttl);
    live.aloha_refresh.insert(refresh.clone(), access.clone());
    drop(live);
    let expires = rfc3339(time::OffsetDateTime::now_utc() + ttl);
    (
        StatusCode::OK,
        format!(
            "{{\"status\":200,\"message\":\"Success\",\"data\":{{\"username\":\"sandbox-user\",\"accessToken\":{},\"accessTokenExpiration\":\"{expires}\",\"refreshToken\":{},\"subscriptionId\":\"sandbox-subscription\"}}}}",
            json_str(&access),
            json_str(&refresh)
        ),
    )
}

const REPORTS: [&str; 5] = [
    "clients",
    "appointments",
    "client-authorizations",
    "billing-ledger",
    "authorizations-without-appointments",
];

fn route(
    state: &State,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Answer {
    let json = || -> Result<serde_json::Value, Answer> {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .filter(serde_json::Value::is_object)
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    &one_error("body", "The request body must be a JSON object"),
                )
            })
    };
    let field = |json: &serde_json::Value, name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let token_path = if state.config.variant {
        crate::variant::ALOHA_TOKEN_PATH
    } else {
        "/token"
    };
    match (method.as_str(), path) {
        ("POST", token) if token == token_path => {
            let body = match json() {
                Ok(body) => body,
                Err(answer) => return answer,
            };
            if field(&body, "clientId") != state.creds.aloha_client_id
                || field(&body, "secretKey") != state.creds.aloha_secret_key
            {
                return unauthorized("Invalid clientId or secretKey");
            }
            issue(state)
        }
        ("POST", "/refresh-token") => {
            let body = match json() {
                Ok(body) => body,
                Err(answer) => return answer,
            };
            let (access, refresh) = (field(&body, "accessToken"), field(&body, "refreshToken"));
            {
                // A refresh token works once, with the access token it came with (expired or
                // not); both are retired.
                let mut live = state.live();
                let valid = field(&body, "clientId") == state.creds.aloha_client_id
                    && live.aloha_refresh.get(&refresh) == Some(&access);
                if !valid {
                    return unauthorized("Invalid refresh token");
                }
                live.aloha_refresh.remove(&refresh);
                live.aloha_tokens.remove(&access);
            }
            issue(state)
        }
        ("GET", report) if report.starts_with("/v1/report/") => {
            let name = &report["/v1/report/".len()..];
            // Routing comes before authentication: a wrong URL is the vendor's 429 either way.
            if !REPORTS.contains(&name) {
                return wrong_url();
            }
            let bearer = headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer ").or(v.strip_prefix("bearer ")))
                .unwrap_or("")
                .trim();
            let valid = state
                .live()
                .aloha_tokens
                .get(bearer)
                .is_some_and(|exp| Instant::now() < *exp);
            if !valid {
                return unauthorized("Invalid or expired token");
            }
            report_rows(state, name, query)
        }
        _ => wrong_url(),
    }
}

fn report_rows(state: &State, name: &str, query: &HashMap<String, String>) -> Answer {
    if name == "clients" {
        if state.config.variant {
            let rows: Vec<String> = state
                .aloha
                .clients
                .iter()
                .map(|row| crate::variant::aloha_client(row))
                .collect();
            return (StatusCode::OK, envelope(rows.iter().map(String::as_str)));
        }
        return (
            StatusCode::OK,
            envelope(state.aloha.clients.iter().map(String::as_str)),
        );
    }
    let (start, end) = match range(query) {
        Ok(range) => range,
        Err(answer) => return answer,
    };
    // Rows whose period overlaps the requested range.
    let within = |rows: &[Dated]| -> String {
        envelope(
            rows.iter()
                .filter(|r| r.start <= end && r.end >= start)
                .map(|r| r.json.as_str()),
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
                    .map(|(_, _, _, json)| json.as_str()),
            )
        }
    };
    (StatusCode::OK, text)
}

/// `startDate` and `endDate`, both `YYYY-MM-DD`, start not after end.
fn range(query: &HashMap<String, String>) -> Result<(Date, Date), Answer> {
    let get = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let invalid = |errors: String| error(StatusCode::BAD_REQUEST, "Validation failed", &errors);
    let (s, e) = match (get("startDate"), get("endDate")) {
        (Some(s), Some(e)) => (s, e),
        (s, e) => {
            let missing: Vec<String> = [("startDate", s), ("endDate", e)]
                .into_iter()
                .filter(|(_, v)| v.is_none())
                .map(|(name, _)| {
                    format!(
                        "{{\"name\":\"{name}\",\"message\":\"{name} is required (YYYY-MM-DD)\"}}"
                    )
                })
                .collect();
            return Err(invalid(format!("[{}]", missing.join(","))));
        }
    };
    match (parse_date(s), parse_date(e)) {
        (Some(s), Some(e)) if s <= e => Ok((s, e)),
        // This one answers with `errors` as an object, as the vendor's overview describes.
        (Some(_), Some(_)) => Err(invalid(
            "{\"startDate\":\"startDate must not be after endDate\"}".into(),
        )),
        (None, _) => Err(invalid(one_error(
            "startDate",
            "startDate must be a date in YYYY-MM-DD format",
        ))),
        (_, None) => Err(invalid(one_error(
            "endDate",
            "endDate must be a date in YYYY-MM-DD format",
        ))),
    }
}
