//! `practice aerona …` arguments parsed into a job, every value checked before anything
//! is started or sent.

use practice_core::DateRange;
use practice_core::time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::input::{date, id, opt_id};
use crate::args::{AeronaCommand, Search, TimeOfDay};
use crate::exit::Failure;

/// Input of an Aerona command, parsed.
pub enum AeronaJob {
    Patients(Vec<i64>),
    Payment(i64),
    Payments(Option<i64>, DateRange, Option<u32>),
    Invoice(i64),
    Invoices(Option<i64>, DateRange, Option<u32>),
    Clinicians(aerona_api::operations::ListCliniciansRequest),
    AppointmentTypes(aerona_api::operations::ListAppointmentTypesRequest),
    Slots(aerona_api::operations::FindAppointmentSlotsRequest),
    Create(aerona_api::operations::CreateAppointmentRequest),
    SetStatus(i64, aerona_api::models::AppointmentStatus),
}

pub fn search_range(search: &Search) -> Result<DateRange, Failure> {
    let today = OffsetDateTime::now_utc().date();
    let first_of_month = today
        .replace_day(1)
        .map_err(|e| Failure::local(e.to_string()))?;
    let from = search
        .from
        .as_deref()
        .map(|t| date("--from", t))
        .transpose()?;
    let to = search.to.as_deref().map(|t| date("--to", t)).transpose()?;
    if from.is_none() || to.is_none() {
        eprintln!(
            "practice: no {} given; using {} as the vendor does",
            match (from, to) {
                (None, None) => "--from/--to",
                (None, Some(_)) => "--from",
                _ => "--to",
            },
            match (from, to) {
                (None, None) => "the current month so far",
                (None, Some(_)) => "the first of the current month",
                _ => "today",
            }
        );
    }
    DateRange::new(from.unwrap_or(first_of_month), to.unwrap_or(today))
        .map_err(|e| Failure::input(e.message().to_owned()))
}

fn status(text: &str) -> Result<aerona_api::models::AppointmentStatus, Failure> {
    let code = id("STATUS", text)?;
    let status = aerona_api::models::AppointmentStatus::from_code(code);
    if matches!(status, aerona_api::models::AppointmentStatus::Unknown(_)) {
        return Err(Failure::input(format!(
            "status {text:?} is not an appointment status (1-14, 16)"
        )));
    }
    Ok(status)
}

pub fn parse(command: &AeronaCommand) -> Result<AeronaJob, Failure> {
    use aerona_api::operations::*;
    Ok(match command {
        AeronaCommand::Patient { ids } => {
            AeronaJob::Patients(ids.iter().map(|t| id("ID", t)).collect::<Result<_, _>>()?)
        }
        AeronaCommand::Payment { id: text } => AeronaJob::Payment(id("ID", text)?),
        AeronaCommand::Probe(_) => {
            return Err(Failure::local(
                "`aerona probe` is run by the probe module, not as an operation",
            ));
        }
        AeronaCommand::Payments(s) => AeronaJob::Payments(
            opt_id("--patient", &s.patient)?,
            search_range(s)?,
            chunk_days(s)?,
        ),
        AeronaCommand::Invoice { id: text } => AeronaJob::Invoice(id("ID", text)?),
        AeronaCommand::Invoices(s) => AeronaJob::Invoices(
            opt_id("--patient", &s.patient)?,
            search_range(s)?,
            chunk_days(s)?,
        ),
        AeronaCommand::Clinicians {
            practice,
            appointment_type,
        } => {
            let mut b = ListCliniciansRequest::builder();
            if let Some(p) = opt_id("--practice", practice)? {
                b = b.practice_id(p);
            }
            if let Some(t) = opt_id("--appointment-type", appointment_type)? {
                b = b.appointment_type_id(t);
            }
            AeronaJob::Clinicians(b.build()?)
        }
        AeronaCommand::AppointmentTypes {
            practice,
            clinician_type,
            include_disabled,
            onsite_only,
            remote_only,
        } => {
            let mut b = ListAppointmentTypesRequest::builder()
                .include_disabled(*include_disabled)
                .onsite_only(*onsite_only)
                .remote_only(*remote_only);
            if let Some(p) = opt_id("--practice", practice)? {
                b = b.practice_id(p);
            }
            if let Some(t) = opt_id("--clinician-type", clinician_type)? {
                b = b.clinician_type_id(aerona_api::models::ClinicianType::from_code(t));
            }
            AeronaJob::AppointmentTypes(b.build()?)
        }
        AeronaCommand::Slots {
            appointment_type,
            start,
            time_of_day,
            clinician,
            clinician_type,
            practice,
        } => {
            use aerona_api::models::TimeOfDay as Tod;
            let mut b = FindAppointmentSlotsRequest::builder()
                .appointment_type_id(id("--appointment-type", appointment_type)?)
                .search_start(date("--start", start)?)
                .time_of_day(match time_of_day {
                    TimeOfDay::Any => Tod::Any,
                    TimeOfDay::Morning => Tod::Morning,
                    TimeOfDay::Afternoon => Tod::Afternoon,
                    TimeOfDay::Evening => Tod::Evening,
                });
            if let Some(c) = opt_id("--clinician", clinician)? {
                b = b.clinician_id(c);
            }
            if let Some(t) = opt_id("--clinician-type", clinician_type)? {
                b = b.clinician_type_id(aerona_api::models::ClinicianType::from_code(t));
            }
            if let Some(p) = opt_id("--practice", practice)? {
                b = b.practice_id(p);
            }
            AeronaJob::Slots(b.build()?)
        }
        AeronaCommand::CreateAppointment {
            practice,
            clinician,
            appointment_type,
            status: status_text,
            time,
            duration,
            patient,
            emergency,
            notes,
        } => {
            let at = OffsetDateTime::parse(time, &Rfc3339).map_err(|_| {
                Failure::input(format!(
                    "--time {time:?} is not an RFC 3339 timestamp such as 2024-01-19T13:30:00Z"
                ))
            })?;
            let mut b = CreateAppointmentRequest::builder()
                .practice_id(id("--practice", practice)?)
                .user_id(id("--clinician", clinician)?)
                .appointment_type_id(id("--appointment-type", appointment_type)?)
                .appointment_status_id(status(status_text)?)
                .appointment_time(at)
                .duration(id("--duration", duration)?)
                .patient_id(id("--patient", patient)?)
                .emergency(*emergency);
            if let Some(n) = notes {
                b = b.appointment_notes(n.clone());
            }
            AeronaJob::Create(b.build()?)
        }
        AeronaCommand::SetAppointmentStatus {
            appointment_id,
            status: status_text,
        } => {
            let appointment = id("APPOINTMENT_ID", appointment_id)?;
            let status = status(status_text)?;
            // Check the id as the client will, before anything starts.
            UpdateAppointmentStatusRequest::builder()
                .appointment_id(appointment)
                .appointment_status_id(status)
                .build()?;
            AeronaJob::SetStatus(appointment, status)
        }
    })
}

/// `--chunk-days N`: a whole number of days, at least 1.
fn chunk_days(search: &Search) -> Result<Option<u32>, Failure> {
    let Some(text) = search.chunk_days.as_deref() else {
        return Ok(None);
    };
    match text.trim().parse::<u32>() {
        Ok(days) if days > 0 => Ok(Some(days)),
        _ => Err(Failure::input(format!(
            "--chunk-days {text:?} is not a whole number of days of at least 1"
        ))),
    }
}
