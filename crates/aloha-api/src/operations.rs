//! One request type per Aloha operation, generated from `openapi.yaml` (see
//! `docs/codegen.md`): build it with `builder()`, which checks the spec's constraints, and run
//! it with the client. Each operation's metadata static and [`ALL_OPERATIONS`] are here too.

pub use crate::generated::operations::{
    ALL_OPERATIONS, LIST_APPOINTMENTS, LIST_AUTHORIZATIONS_WITHOUT_APPOINTMENTS,
    LIST_BILLING_LEDGER, LIST_CLIENT_AUTHORIZATIONS, LIST_CLIENTS, ListAppointmentsRequest,
    ListAppointmentsRequestBuilder, ListAuthorizationsWithoutAppointmentsRequest,
    ListAuthorizationsWithoutAppointmentsRequestBuilder, ListBillingLedgerRequest,
    ListBillingLedgerRequestBuilder, ListClientAuthorizationsRequest,
    ListClientAuthorizationsRequestBuilder, ListClientsRequest, ListClientsRequestBuilder,
    POST_REFRESH_TOKEN, POST_TOKEN, PostRefreshTokenRequest, PostRefreshTokenRequestBuilder,
    PostTokenRequest, PostTokenRequestBuilder,
};
