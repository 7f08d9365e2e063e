//! `GET /v1/find-appointment-slots`: free slots of the template, past the practice's own
//! diary and every appointment that holds its slot.

use std::collections::{HashMap, HashSet};

use http::StatusCode;
use serde::Serialize;
use time::Date;

use super::answers::{Answer, bad, id, not_found};
use crate::data;
use crate::params::parse_date;
use crate::reply::json_array;
use crate::state::State;

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

pub(super) fn slots(state: &State, query: &HashMap<String, String>) -> Result<Answer, Answer> {
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
