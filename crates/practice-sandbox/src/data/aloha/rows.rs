//! Aloha's report rows as the vendor writes them (field names, casing, absent and `null`
//! fields), serialised once at generation.

use serde::Serialize;

use crate::data::format::{Money, Opt};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientRow<'a> {
    pub client_id: i64,
    pub first_name: &'a str,
    pub last_name: &'a str,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub alias_name: Opt<String>,
    pub image_url: Option<String>,
    pub office_id: i64,
    pub office: &'a str,
    pub is_active: bool,
    pub street: String,
    pub city: &'a str,
    pub state: &'a str,
    pub zip: String,
    pub in_active_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_note: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentRow<'a> {
    pub appointment_id: i64,
    pub client_id: i64,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub claim_id: Opt<String>,
    pub appointment_date: String,
    pub appointment_start: String,
    pub appointment_end: String,
    pub client_name: &'a str,
    pub staff_name: String,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub gender: Opt<&'a str>,
    pub appointment_location: &'a str,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub patient_address: Opt<String>,
    pub insured_id: String,
    pub office: &'a str,
    #[serde(rename = "renderingProviderNPI")]
    pub rendering_provider_npi: String,
    pub rendering_provider: &'a str,
    pub diagnostic_codes: &'a str,
    pub diagnostic_codes2: Option<&'a str>,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub diagnostic_codes3: Opt<&'a str>,
    pub payer_name: &'a str,
    pub authorization_number: String,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub charge_line_time_zone: Opt<&'a str>,
    pub office_time_zone: &'a str,
    pub service_facility: &'a str,
    pub service_facility_address: &'a str,
    pub client_city: &'a str,
    pub billing_address: &'a str,
    pub canceled_type: &'a str,
    pub service_name: &'a str,
    #[serde(rename = "billingProviderNPI")]
    pub billing_provider_npi: &'a str,
    pub billing_provider: &'a str,
    pub billing_code: &'a str,
    pub additional_code: Option<&'a str>,
    pub modifier: Option<&'a str>,
    pub modifier2: Option<&'a str>,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub modifier3: Opt<&'a str>,
    pub place_of_service: Option<i64>,
    pub units: i64,
    pub unit_size: &'a str,
    pub charge: Money,
    pub charge_rate: Money,
    pub contract_rate: Money,
    pub contract_amount: Money,
    #[serde(skip_serializing_if = "Opt::is_absent")]
    pub dob: Opt<String>,
    pub referring_provider_name: &'a str,
    #[serde(rename = "referringProviderNPI")]
    pub referring_provider_npi: Option<&'a str>,
    pub billing_minutes: i64,
    pub billing_hours: Money,
    pub completed: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_note: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerRow<'a> {
    pub invoice_id: i64,
    pub date_of_service: String,
    pub client_id: i64,
    pub client_name: &'a str,
    pub office: &'a str,
    pub billing_code: &'a str,
    pub modifiers: &'a str,
    pub place_of_service: i64,
    pub billed_amount: Money,
    pub billed_units: i64,
    pub contract_amount: Money,
    pub primary_payer: &'a str,
    pub primary_payment: Money,
    pub client_payment: Money,
    pub client_balance: Money,
    pub payer_balance: Money,
    pub adjustments: Money,
    pub rendering_provider: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationRow {
    pub start_date: String,
    pub end_date: String,
    pub scheduled_appointments: i64,
    pub completed_appointments: i64,
    pub scheduled_hours: Money,
    pub completed_hours: Money,
    pub range_type: &'static str,
}

/// The vendor's odd casing, kept on the wire.
#[derive(Serialize)]
pub struct AuthorizationWithoutRow<'a> {
    pub office: &'a str,
    #[serde(rename = "client_Name")]
    pub client_name: &'a str,
    #[serde(rename = "payer_Name")]
    pub payer_name: &'a str,
    #[serde(rename = "iD_with_Payer")]
    pub id_with_payer: String,
    #[serde(rename = "authorization_Number")]
    pub authorization_number: String,
    #[serde(rename = "referring_Provider")]
    pub referring_provider: &'a str,
    #[serde(rename = "service_Name")]
    pub service_name: &'a str,
    #[serde(rename = "allowed_Limit")]
    pub allowed_limit: i64,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub frequency: &'a str,
    #[serde(rename = "startDate")]
    pub start_date: String,
    #[serde(rename = "endDate")]
    pub end_date: String,
    #[serde(rename = "start_Date1")]
    pub start_date1: String,
    #[serde(rename = "end_Date1")]
    pub end_date1: String,
    #[serde(rename = "rendering_Provider")]
    pub rendering_provider: &'a str,
    #[serde(rename = "placeOfService")]
    pub place_of_service: &'a str,
    #[serde(rename = "service_Facility")]
    pub service_facility: &'a str,
    #[serde(rename = "diagnostic_Codes")]
    pub diagnostic_codes: &'a str,
    #[serde(rename = "diagnostic_Codes2")]
    pub diagnostic_codes2: &'a str,
    #[serde(rename = "diagnostic_Codes3")]
    pub diagnostic_codes3: &'a str,
    #[serde(rename = "client_Id")]
    pub client_id: i64,
    #[serde(rename = "payer_Id")]
    pub payer_id: i64,
    #[serde(rename = "authorizationGroupService_Id")]
    pub authorization_group_service_id: i64,
    #[serde(rename = "sandboxNote", skip_serializing_if = "Option::is_none")]
    pub sandbox_note: Option<&'a str>,
}
