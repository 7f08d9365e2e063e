//! Aerona's writes: creating an appointment (which then takes its slot) and changing its
//! status, each announced to the webhook receivers as an `Appointment` event.

use http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;

use super::answers::{Answer, bad, id, known_status, not_found};
use crate::data::Booking;
use crate::params::rfc3339;
use crate::state::State;

/// `POST /v1/appointments`: the new appointment's id.
pub(super) fn create(state: &State, body: &[u8]) -> Result<Answer, Answer> {
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

/// `PUT /v1/appointments/{appointmentId}/status`: `true` if updated, `false` otherwise.
pub(super) fn update_status(
    state: &State,
    appointment: &str,
    body: &[u8],
) -> Result<Answer, Answer> {
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
    Ok((StatusCode::OK, updated.to_string()))
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
