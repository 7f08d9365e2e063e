//! Aerona's rules: login and its header token, the per-account budget that invalidates tokens
//! (counted in `crate::aerona_budget`), validation 400s and 404s (`answers`), the read-only
//! operations (`queries`), free slots (`slots`), and bookings with their webhooks
//! (`bookings`).

mod answers;
mod bookings;
mod queries;
mod slots;

use std::collections::HashMap;
use std::time::Instant;

use http::{HeaderMap, HeaderValue, Method, StatusCode};

use answers::{Answer, bad, not_found, unauthorized};
use queries::Ledger;

use crate::reply::{Reply, reply};
use crate::state::State;

/// A request as the budget counted it on arrival.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    at: Instant,
    /// The window was over the limit with this request in it.
    over: bool,
}

/// Counts a request that has just arrived under the Aerona base, on the real clock.
///
/// The sandbox has one account, and every request under the base counts against it (logins,
/// refused requests and unknown paths included) in a sliding window. The request that makes
/// the count exceed the budget invalidates every token of the account.
pub(crate) fn arrive(state: &State) -> Arrival {
    let mut live = state.live();
    // Read under the lock, so arrivals are logged in the order of their instants.
    let at = Instant::now();
    let over = live.aerona_budget.arrive(at);
    if over && !live.aerona_tokens.is_empty() {
        live.aerona_tokens.clear();
        live.aerona_budget.invalidated();
    }
    Arrival { at, over }
}

/// Answers a request counted by [`arrive`]. Over budget, it is answered 401, as is every
/// further request while the window stays over budget — logins too; once old requests slide
/// out of the window, a new login succeeds.
pub(crate) fn handle(
    state: &State,
    arrival: Arrival,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Reply {
    let (status, text, token) = if arrival.over {
        let (s, t) = unauthorized("Rate limit exceeded: your token has been invalidated");
        (s, t, None)
    } else if method == Method::POST && path == "/v1/login" {
        match login(state, headers, body, arrival.at) {
            Ok(token) => (
                StatusCode::OK,
                "{\"message\":\"Login successful\"}".to_owned(),
                Some(token),
            ),
            Err((s, t)) => (s, t, None),
        }
    } else {
        let token = headers
            .get("aerona-auth-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim();
        let valid = state
            .live()
            .aerona_tokens
            .get(token)
            .is_some_and(|exp| arrival.at < *exp);
        let (s, t) = if valid {
            route(state, method, path, query, body).unwrap_or_else(|e| e)
        } else if token.is_empty() {
            unauthorized("Missing AERONA-AUTH-TOKEN header: call /v1/login first")
        } else {
            unauthorized("Expired or invalid token")
        };
        (s, t, None)
    };
    let mut response = reply(status, text);
    if let Some(token) = token.and_then(|t| HeaderValue::from_str(&t).ok()) {
        response.headers_mut().insert("aerona-auth-token", token);
    }
    response
}

/// Checks `{username, password, pin?}` and issues a token.
///
/// In the variant sandbox the same fields come as a form, and a JSON body is refused.
fn login(state: &State, headers: &HeaderMap, body: &[u8], now: Instant) -> Result<String, Answer> {
    let json: serde_json::Value = if state.config.variant {
        crate::variant::login_form(headers, body)?
    } else {
        serde_json::from_slice(body)
            .ok()
            .filter(serde_json::Value::is_object)
            .ok_or_else(|| bad("body", "the body must be a JSON object"))?
    };
    let text = |name: &str| match json.get(name) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let pin_ok = text("pin").is_none_or(|pin| pin == state.creds.aerona_pin);
    if text("username").as_deref() != Some(state.creds.aerona_username.as_str())
        || text("password").as_deref() != Some(state.creds.aerona_password.as_str())
        || !pin_ok
    {
        return Err(unauthorized("Invalid username, password or pin"));
    }
    let mut live = state.live();
    live.serial += 1;
    let token = format!("aerona-token-{}", live.serial);
    live.aerona_tokens
        .insert(token.clone(), now + state.config.aerona_token_ttl);
    live.aerona_budget.logged_in();
    Ok(token)
}

/// The operation a request with a valid token asks for.
fn route(
    state: &State,
    method: &Method,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Result<Answer, Answer> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let ledger = |kind: &str| {
        if kind == "payments" {
            Ledger::Payments
        } else {
            Ledger::Invoices
        }
    };
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["v1", "patients", patient]) => queries::patient(state, patient),
        ("GET", ["v1", kind @ ("payments" | "invoices"), "search"]) => {
            queries::search(state, ledger(kind), query)
        }
        ("GET", ["v1", kind @ ("payments" | "invoices"), record]) => {
            queries::record(state, ledger(kind), record)
        }
        ("GET", ["v1", "clinicians"]) => queries::clinicians(state, query),
        ("GET", ["v1", "appointment-types"]) => queries::appointment_types(state, query),
        ("GET", ["v1", "find-appointment-slots"]) => slots::slots(state, query),
        ("POST", ["v1", "appointments"]) => bookings::create(state, body),
        ("PUT", ["v1", "appointments", appointment, "status"]) => {
            bookings::update_status(state, appointment, body)
        }
        _ => Err(not_found("resource")),
    }
}
