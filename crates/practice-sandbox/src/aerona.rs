//! Aerona's rules: login and its header token, the per-account budget that invalidates tokens,
//! validation 400s, 404s, slots that bookings take, and appointment webhooks.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::data::{self, Booking, Record};
use crate::params::{parse_date, rfc3339};
use crate::reply::{Reply, json_array, json_str, reply};
use crate::state::State;

type Answer = (StatusCode, String);

/// A validation error: `{"message": ..., "field": ...}`.
fn bad(field: &str, message: &str) -> Answer {
    (
        StatusCode::BAD_REQUEST,
        format!(
            "{{\"message\":{},\"field\":{}}}",
            json_str(message),
            json_str(field)
        ),
    )
}

fn not_found(what: &str) -> Answer {
    (
        StatusCode::NOT_FOUND,
        format!("{{\"message\":{}}}", json_str(&format!("{what} not found"))),
    )
}

fn unauthorized(message: &str) -> Answer {
    (
        StatusCode::UNAUTHORIZED,
        format!("{{\"message\":{}}}", json_str(message)),
    )
}

/// Statuses the vendor documents (no 15).
fn known_status(status: i64) -> bool {
    (1..=14).contains(&status) || status == 16
}

/// Every request under the Aerona base.
///
/// The sandbox has one account, and every request under the base counts against it (logins,
/// refused requests and unknown paths included) in a sliding window. The request that makes
/// the count exceed the budget invalidates every token of the account and is answered 401,
/// as is every further request while the window stays over budget — logins too; once old
/// requests slide out of the window, a new login succeeds.
pub(crate) fn handle(
    state: &State,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Reply {
    let now = Instant::now();
    let over = {
        let mut live = state.live();
        let window = state.config.aerona_window;
        while live
            .aerona_log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
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
        let (s, t) = unauthorized("Rate limit exceeded: your token has been invalidated");
        (s, t, None)
    } else if method == Method::POST && path == "/v1/login" {
        match login(state, body, now) {
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
            .is_some_and(|exp| now < *exp);
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
fn login(state: &State, body: &[u8], now: Instant) -> Result<String, Answer> {
    let json: serde_json::Value = serde_json::from_slice(body)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| bad("body", "the body must be a JSON object"))?;
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
    Ok(token)
}

/// An id parameter: digits only, at most 11 of them.
fn id(field: &str, text: Option<&str>, required: bool) -> Result<Option<i64>, Answer> {
    match text {
        None | Some("") if required => Err(bad(field, &format!("{field} is required"))),
        None | Some("") => Ok(None),
        Some(t) if t.len() > 11 || !t.bytes().all(|b| b.is_ascii_digit()) => Err(bad(
            field,
            &format!("{field} must be a number of at most 11 digits"),
        )),
        Some(t) => Ok(t.parse().ok()),
    }
}

fn flag(field: &str, text: Option<&str>) -> Result<bool, Answer> {
    match text {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(bad(field, &format!("{field} must be true or false"))),
    }
}

fn route(
    state: &State,
    method: &Method,
    path: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Result<Answer, Answer> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let q = |name: &str| query.get(name).map(String::as_str);
    Ok(match (method.as_str(), segments.as_slice()) {
        ("GET", ["v1", "patients", patient]) => {
            let patient = id("patientId", Some(patient), true)?.unwrap_or(0);
            match state.aerona.patients.get(&patient) {
                Some(json) => (StatusCode::OK, json.clone()),
                None => return Err(not_found("patient")),
            }
        }
        ("GET", ["v1", kind @ ("payments" | "invoices"), "search"]) => {
            let patient = id("patientId", q("patientId"), false)?;
            // The vendor's defaults: from the 1st of the current month to today (UTC).
            let today = OffsetDateTime::now_utc().date();
            let date = |name: &str, default: Date| match q(name).filter(|t| !t.is_empty()) {
                Some(t) => {
                    parse_date(t).ok_or_else(|| bad(name, &format!("{name} must be YYYY-MM-DD")))
                }
                None => Ok(default),
            };
            let from = date("fromDate", today.replace_day(1).unwrap_or(today))?;
            let to = date("toDate", today)?;
            if from > to {
                return Err(bad("fromDate", "fromDate must not be after toDate"));
            }
            let rows: &[Record] = if *kind == "payments" {
                &state.aerona.payments
            } else {
                &state.aerona.invoices
            };
            let matching = rows.iter().filter(|r| {
                r.date >= from && r.date <= to && patient.is_none_or(|want| want == r.patient)
            });
            (
                StatusCode::OK,
                json_array(matching.map(|r| r.json.as_str())),
            )
        }
        ("GET", ["v1", kind @ ("payments" | "invoices"), record]) => {
            let (field, what, rows) = if *kind == "payments" {
                ("paymentId", "payment", &state.aerona.payments)
            } else {
                ("invoiceId", "invoice", &state.aerona.invoices)
            };
            let wanted = id(field, Some(record), true)?.unwrap_or(0);
            match rows.iter().find(|r| r.id == wanted) {
                Some(r) => (StatusCode::OK, r.json.clone()),
                None => return Err(not_found(what)),
            }
        }
        ("GET", ["v1", "clinicians"]) => {
            let practice = id("practiceId", q("practiceId"), false)?;
            if practice.is_some_and(|p| !state.aerona.practices.iter().any(|(id, _)| *id == p)) {
                return Err(not_found("practice"));
            }
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
                .filter(|c| {
                    practice.is_none_or(|p| p == c.practice) && kind.is_none_or(|k| k == c.kind)
                })
                .map(|c| c.json.as_str());
            (StatusCode::OK, json_array(rows))
        }
        ("GET", ["v1", "appointment-types"]) => {
            let practice = id("practiceId", q("practiceId"), false)?;
            if practice.is_some_and(|p| !state.aerona.practices.iter().any(|(id, _)| *id == p)) {
                return Err(not_found("practice"));
            }
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
            (StatusCode::OK, json_array(rows))
        }
        ("GET", ["v1", "find-appointment-slots"]) => slots(state, query)?,
        ("POST", ["v1", "appointments"]) => create(state, body)?,
        ("PUT", ["v1", "appointments", appointment, "status"]) => {
            let appointment = id("appointmentId", Some(appointment), true)?.unwrap_or(0);
            let json: serde_json::Value =
                serde_json::from_slice(body).map_err(|_| bad("body", "the body must be JSON"))?;
            let status = match json.get("appointmentStatusId") {
                None | Some(serde_json::Value::Null) => {
                    return Err(bad(
                        "appointmentStatusId",
                        "appointmentStatusId is required",
                    ));
                }
                Some(value) => value
                    .as_i64()
                    .filter(|s| *s >= 0 && *s < 100_000_000_000)
                    .ok_or_else(|| {
                        bad(
                            "appointmentStatusId",
                            "appointmentStatusId must be a number of at most 11 digits",
                        )
                    })?,
            };
            let updated = known_status(status) && {
                let mut live = state.live();
                match live.appointments.get_mut(&appointment) {
                    Some(booking) => {
                        booking.status = status;
                        true
                    }
                    None => false,
                }
            };
            if updated {
                let booking = state.live().appointments.get(&appointment).cloned();
                if let Some(booking) = booking {
                    deliver(state, "statusChanged", appointment, &booking);
                }
            }
            (StatusCode::OK, updated.to_string())
        }
        _ => return Err(not_found("resource")),
    })
}

/// A free slot (the vendor does not document the fields; these are ours).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Slot {
    clinician_id: i64,
    practice_id: i64,
    appointment_type_id: i64,
    start_time: String,
    end_time: String,
    duration: i64,
}

/// How far from `searchStart` the search looks.
const SLOT_HORIZON_DAYS: i64 = 120;
/// The vendor answers up to this many slots.
const SLOT_LIMIT: usize = 50;

fn slots(state: &State, query: &HashMap<String, String>) -> Result<Answer, Answer> {
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
    let start = match q("searchStart").filter(|t| !t.is_empty()) {
        None => return Err(bad("searchStart", "searchStart is required")),
        // A date, or the date of a date-time.
        Some(t) => parse_date(t.get(..10).unwrap_or(t))
            .filter(|_| t.len() == 10 || t.as_bytes().get(10) == Some(&b'T'))
            .ok_or_else(|| bad("searchStart", "searchStart must be a date, YYYY-MM-DD"))?,
    };
    let time_of_day = match q("timeOfDay") {
        Some("0") => 0,
        Some("1") => 1,
        Some("2") => 2,
        Some("3") => 3,
        Some("") | None => return Err(bad("timeOfDay", "timeOfDay is required")),
        Some(_) => return Err(bad("timeOfDay", "timeOfDay must be 0, 1, 2 or 3")),
    };
    let Some(kind_of_appointment) = state
        .aerona
        .appointment_types
        .iter()
        .find(|t| t.id == appointment_type)
    else {
        return Err(not_found("appointment type"));
    };
    if practice.is_some_and(|p| !state.aerona.practices.iter().any(|(id, _)| *id == p)) {
        return Err(not_found("practice"));
    }
    let clinicians: Vec<&data::Clinician> = state
        .aerona
        .clinicians
        .iter()
        .filter(|c| clinician.is_none_or(|id| id == c.id))
        .filter(|c| kind.is_none_or(|k| k == c.kind) && practice.is_none_or(|p| p == c.practice))
        .collect();
    if clinician.is_some() && clinicians.is_empty() {
        return Err(not_found("clinician"));
    }
    let minutes = kind_of_appointment.minutes;
    let blocks = (minutes + data::SLOT_MINUTES - 1) / data::SLOT_MINUTES;
    let last_start = data::SLOT_FIRST + data::SLOT_MINUTES * (data::SLOTS_PER_DAY - 1);
    let taken = taken_blocks(state);
    let mut found = Vec::new();
    'search: for (day, minute) in data::slot_starts(start, SLOT_HORIZON_DAYS) {
        let fits = match time_of_day {
            1 => minute < 12 * 60,
            2 => (12 * 60..17 * 60).contains(&minute),
            3 => minute >= 17 * 60,
            _ => true,
        };
        if !fits || minute + data::SLOT_MINUTES * (blocks - 1) > last_start {
            continue;
        }
        for c in &clinicians {
            let free = (0..blocks).all(|b| {
                let m = minute + data::SLOT_MINUTES * b;
                !taken.contains(&(c.id, day, m))
                    && !data::diary_busy(state.config.seed, c.id, day, m)
            });
            if !free {
                continue;
            }
            let at = |m: i64| format!("{}T{:02}:{:02}:00Z", data::iso_date(day), m / 60, m % 60);
            found.push(
                serde_json::to_string(&Slot {
                    clinician_id: c.id,
                    practice_id: c.practice,
                    appointment_type_id: appointment_type,
                    start_time: at(minute),
                    end_time: at(minute + minutes),
                    duration: minutes,
                })
                .unwrap_or_default(),
            );
            if found.len() == SLOT_LIMIT {
                break 'search;
            }
        }
    }
    Ok((StatusCode::OK, json_array(found.iter().map(String::as_str))))
}

/// (clinician, day, slot start) of every template slot an appointment overlaps.
fn taken_blocks(state: &State) -> HashSet<(i64, Date, i64)> {
    let live = state.live();
    let mut taken = HashSet::new();
    for booking in live.appointments.values().filter(|b| b.holds_slot()) {
        let day = booking.start.date();
        let from = i64::from(booking.start.hour()) * 60 + i64::from(booking.start.minute());
        let to = from + booking.minutes.max(1);
        for k in 0..data::SLOTS_PER_DAY {
            let slot = data::SLOT_FIRST + data::SLOT_MINUTES * k;
            if slot < to && slot + data::SLOT_MINUTES > from {
                taken.insert((booking.clinician, day, slot));
            }
        }
    }
    taken
}

fn create(state: &State, body: &[u8]) -> Result<Answer, Answer> {
    let json: serde_json::Value = serde_json::from_slice(body)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| bad("body", "the body must be a JSON object"))?;
    let number = |name: &'static str, digits: u32| -> Result<i64, Answer> {
        let value = match json.get(name) {
            None | Some(serde_json::Value::Null) => {
                return Err(bad(name, &format!("{name} is required")));
            }
            Some(v) => v.as_i64(),
        };
        value
            .filter(|v| *v >= 0 && *v < 10i64.pow(digits))
            .ok_or_else(|| {
                bad(
                    name,
                    &format!("{name} must be a number of at most {digits} digits"),
                )
            })
    };
    let practice = number("practiceId", 11)?;
    let clinician = number("userId", 11)?;
    let appointment_type = number("appointmentTypeId", 11)?;
    let status = number("appointmentStatusId", 11)?;
    let minutes = number("duration", 6)?;
    let patient = number("patientId", 11)?;
    let start = match json.get("appointmentTime") {
        None | Some(serde_json::Value::Null) => {
            return Err(bad("appointmentTime", "appointmentTime is required"));
        }
        Some(v) => v
            .as_str()
            .and_then(|t| {
                OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .ok_or_else(|| {
                bad(
                    "appointmentTime",
                    "appointmentTime must be an RFC 3339 date-time",
                )
            })?
            .to_offset(time::UtcOffset::UTC),
    };
    let emergency = match json.get("emergency") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(_) => return Err(bad("emergency", "emergency must be true or false")),
    };
    let notes = match json.get("appointmentNotes") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("appointmentNotes", "appointmentNotes must be a string")),
    };
    if minutes == 0 {
        return Err(bad("duration", "duration must be at least one minute"));
    }
    if !known_status(status) {
        return Err(bad(
            "appointmentStatusId",
            "appointmentStatusId is not a known status",
        ));
    }
    if !state.aerona.practices.iter().any(|(id, _)| *id == practice) {
        return Err(not_found("practice"));
    }
    if !state.aerona.clinicians.iter().any(|c| c.id == clinician) {
        return Err(not_found("clinician"));
    }
    if !state
        .aerona
        .appointment_types
        .iter()
        .any(|t| t.id == appointment_type)
    {
        return Err(not_found("appointment type"));
    }
    if !state.aerona.patients.contains_key(&patient) {
        return Err(not_found("patient"));
    }
    let booking = Booking {
        practice,
        clinician,
        patient,
        appointment_type,
        status,
        start,
        minutes,
        emergency,
        notes,
        api_created: true,
    };
    let new_id = {
        let mut live = state.live();
        live.next_appointment += 1;
        let new_id = live.next_appointment;
        live.appointments.insert(new_id, booking.clone());
        new_id
    };
    deliver(state, "created", new_id, &booking);
    Ok((StatusCode::OK, new_id.to_string()))
}

/// The `Appointment` webhook event (the vendor documents no payload; this shape is ours).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppointmentEvent<'a> {
    event: &'static str,
    action: &'a str,
    event_id: String,
    appointment_id: i64,
    appointment_status_id: i64,
    practice_id: i64,
    patient_id: i64,
    user_id: i64,
    appointment_type_id: i64,
    appointment_time: String,
    duration: i64,
    emergency: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    appointment_notes: Option<&'a str>,
    api_created: bool,
    occurred_at: String,
}

fn deliver(state: &State, action: &str, appointment: i64, booking: &Booking) {
    let event = AppointmentEvent {
        event: "Appointment",
        action,
        event_id: state.webhooks.next_event_id(),
        appointment_id: appointment,
        appointment_status_id: booking.status,
        practice_id: booking.practice,
        patient_id: booking.patient,
        user_id: booking.clinician,
        appointment_type_id: booking.appointment_type,
        appointment_time: rfc3339(booking.start),
        duration: booking.minutes,
        emergency: booking.emergency,
        appointment_notes: booking.notes.as_deref(),
        api_created: booking.api_created,
        occurred_at: rfc3339(OffsetDateTime::now_utc()),
    };
    if let Ok(body) = serde_json::to_string(&event) {
        state.webhooks.deliver("Appointment", body);
    }
}
