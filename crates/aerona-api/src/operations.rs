//! One request type per Aerona operation, generated from `openapi.yaml` (see
//! `docs/codegen.md`): build it with `builder()`, which checks the spec's constraints, and run
//! it with the client. Each operation's metadata static and [`ALL_OPERATIONS`] are here too.

pub use crate::generated::operations::{
    ALL_OPERATIONS, CREATE_APPOINTMENT, CreateAppointmentRequest, CreateAppointmentRequestBuilder,
    FIND_APPOINTMENT_SLOTS, FindAppointmentSlotsRequest, FindAppointmentSlotsRequestBuilder,
    GET_INVOICE, GET_PATIENT, GET_PAYMENT, GetInvoiceRequest, GetInvoiceRequestBuilder,
    GetPatientRequest, GetPatientRequestBuilder, GetPaymentRequest, GetPaymentRequestBuilder,
    LIST_APPOINTMENT_TYPES, LIST_CLINICIANS, LOGIN, ListAppointmentTypesRequest,
    ListAppointmentTypesRequestBuilder, ListCliniciansRequest, ListCliniciansRequestBuilder,
    LoginRequest, LoginRequestBuilder, SEARCH_INVOICES, SEARCH_PAYMENTS, SearchInvoicesRequest,
    SearchInvoicesRequestBuilder, SearchPaymentsRequest, SearchPaymentsRequestBuilder,
    UPDATE_APPOINTMENT_STATUS, UpdateAppointmentStatusRequest,
    UpdateAppointmentStatusRequestBuilder,
};
