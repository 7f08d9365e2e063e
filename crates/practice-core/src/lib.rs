//! The shared engine of the practice-management API clients.
//!
//! `practice-core` holds what the vendor crates (`aloha-api`, `aerona-api`) share: a tower
//! stack over reqwest (transport, timeouts, tracing, quota, auth, retry), one error type, and
//! serde helpers for the vendors' wire formats. See `docs/architecture.md` for how a request
//! travels through the layers.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod auth;
pub mod base_url;
pub mod client;
pub mod decode;
pub mod error;
pub mod operation;
pub mod quota;
pub mod range;
pub mod retry;
pub mod secret;
pub mod shared_service;
mod trace;
pub mod transport;
pub mod wire;

pub use auth::{
    AuthContext, Authenticator, ClaimId, InMemoryTokenStore, RenewalClaim, RenewalPolicy, Token,
    TokenStore,
};
pub use base_url::BaseUrl;
pub use client::{ClientBuilder, HttpClient, InnerService, Timeouts, VendorProfile};
pub use error::{BoxError, Dispatch, Error, ErrorKind, Validator, VendorMessage, Violation};
pub use operation::{Endpoint, OperationMeta};
pub use quota::{
    InMemoryQuotaStore, QuotaPolicy, QuotaStore, RateLimit, ServerQuota, WhenExhausted,
};
pub use range::DateRange;
pub use retry::{RetryClassifier, RetryConfig};
pub use secret::Secret;
pub use transport::TransportConfig;

/// Re-exported so that generated code and users name the same versions.
pub use {bytes, http, reqwest, rust_decimal, serde_json, serde_with, time};
