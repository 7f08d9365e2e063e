//! Shared fixtures of the benchmarks: a local Aerona-like server on loopback.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::net::SocketAddr;

/// The Aerona payment sample, as served.
pub const PAYMENT: &str = r#"{"id":187941,"patientId":426709,"practiceId":9876,"practiceName":"My Dentist Inc.","paymentType":"1","paymentMethod":"Credit Card","amount":140.50,"cancellation":140.5,"refund":25,"refundReference":1,"paymentNote":"Paid in full.","paymentDate":"2022-01-19T13:34:21Z","cancellationNote":"Cancelled by patient.","cancellationDate":"2022-01-22T10:22:56Z","patientPlan":false,"patientCarePlanId":1254,"createdUserId":34567,"dateModified":"2022-01-24T08:25:34Z","thirdPartyProviderName":"My Insurance Co."}"#;

/// Serves `POST /AeronaAPI/v1/login` (token header) and `GET /AeronaAPI/v1/payments/{id}`
/// (the payment sample) on 127.0.0.1; returns the address.
pub async fn serve_payments() -> SocketAddr {
    use axum::routing::{get, post};
    let app = axum::Router::new()
        .route(
            "/AeronaAPI/v1/login",
            post(|| async { ([("aerona-auth-token", "bench-token")], "") }),
        )
        .route(
            "/AeronaAPI/v1/payments/{id}",
            get(|| async { ([("content-type", "application/json")], PAYMENT) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}
