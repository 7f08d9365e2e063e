//! The records and enumerations the Aerona API answers with, generated from
//! `openapi.yaml` (see `docs/codegen.md`). Every field is optional; fields the spec does not
//! name are kept in `unknown_fields`, so a record serialises back to what was received.

pub use crate::generated::models::{
    AeronaError, AppointmentEvent, AppointmentStatus, AppointmentType, Clinician, ClinicianType,
    Invoice, Patient, PatientEvent, Payment, Slot, TimeOfDay, TreatmentEvent,
};
