//! The records and enumerations the Aloha API answers with, generated from
//! `openapi.yaml` (see `docs/codegen.md`). Every field is optional; fields the spec does not
//! name are kept in `unknown_fields`, so a record serialises back to what was received.

pub use crate::generated::models::{
    Appointment, AppointmentsEnvelope, AuthorizationType, AuthorizationWithoutAppointments,
    BillingLedgerEntry, Client, ClientAuthorization, ErrorDetail, TokenData, YesNo,
};
