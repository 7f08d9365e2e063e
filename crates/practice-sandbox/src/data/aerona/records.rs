//! Aerona's records as the sandbox writes them (the vendor's samples, plus a few fields the
//! cut-off samples hide), serialised once at generation.

use serde::Serialize;

use crate::data::format::Money;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClinicianRecord<'a> {
    pub id: i64,
    pub practice_id: i64,
    pub clinician_type_id: i64,
    pub clinician_type: &'a str,
    pub forename: &'a str,
    pub surname: &'a str,
    pub display_name: String,
    pub active: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentTypeRecord<'a> {
    pub id: i64,
    pub name: &'a str,
    pub clinician_type_id: i64,
    pub duration: i64,
    pub disabled: bool,
    pub onsite: bool,
    pub remote: bool,
    pub price: Money,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientRecord<'a> {
    pub practice_id: i64,
    pub patient_type_id: i64,
    pub source_id: u64,
    pub referrer_id: u64,
    pub gender_id: u64,
    pub title_id: i64,
    pub forename: &'a str,
    pub surname: &'a str,
    pub maiden_name: Option<&'a str>,
    pub occupation: &'a str,
    pub dob: String,
    pub known_as: &'a str,
    pub address1: String,
    pub address2: &'a str,
    pub address3: &'a str,
    // Undocumented: the vendor's sample is cut off after address3.
    pub postcode: String,
    pub mobile_phone: String,
    pub email: String,
    pub balance: Money,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRecord<'a> {
    pub id: i64,
    pub patient_id: i64,
    pub practice_id: i64,
    pub practice_name: &'a str,
    pub payment_type: String,
    pub payment_method: &'a str,
    pub amount: Money,
    pub cancellation: Money,
    pub refund: Money,
    pub refund_reference: i64,
    pub payment_note: &'a str,
    pub payment_date: String,
    pub cancellation_note: Option<&'a str>,
    pub cancellation_date: Option<String>,
    pub patient_plan: bool,
    pub patient_care_plan_id: i64,
    pub created_user_id: i64,
    pub date_modified: String,
    pub third_party_provider_name: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceRecord<'a> {
    pub id: i64,
    pub patient_id: i64,
    pub date: String,
    pub quantity: i64,
    pub date_completed: String,
    pub price: Money,
    pub status: &'a str,
    pub sale_item: &'a str,
    pub user_id: i64,
    pub discount: i64,
    pub discount_amount: Money,
    pub refund_amount: Money,
    pub refund_note: Option<&'a str>,
    pub refund_date: Option<String>,
    pub refund_method: Option<&'a str>,
    pub patient_care_plan: Option<&'a str>,
    pub vat_rate: i64,
    pub insurer_fee: Money,
    pub adjustment_type: Option<&'a str>,
    pub adjustment_note: Option<&'a str>,
    pub adjustment_amount: Money,
    pub precharge_date: String,
    pub tracking_fee: Money,
}
