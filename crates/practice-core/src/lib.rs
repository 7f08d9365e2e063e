//! The shared engine of the practice-management API clients.
//!
//! `practice-core` holds what the vendor crates share: a tower stack over reqwest (transport,
//! timeouts, tracing, quota, auth, retry), one error type, and serde helpers for the vendors'
//! wire formats. See `docs/architecture.md` for how a request travels through the layers.
//!
//! The folders say which is which: [`layer`] holds the tower layers (mechanism); [`options`]
//! holds the settings they are built with ([`ClientOptions`] gathers them); [`auth`],
//! [`quota`], [`retry`] and [`service`] hold the state and policies the layers consult, and
//! import no layer. The words every part speaks — [`operation`], the call clock
//! ([`deadline`]), the response reading ([`vendor`], [`headers`]), [`request`] and [`error`] —
//! live together in one folder (`src/vocabulary/`) that imports nothing else of the crate.
#![deny(missing_docs)]
#![deny(clippy::unchecked_time_subtraction)]
// docs.rs (nightly, `--cfg docsrs`) badges each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod base_url;
pub mod body;
pub mod client;
pub mod decode;
pub mod env;
mod exchange;
pub mod facade;
pub mod layer;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod mock;
pub mod options;
pub mod quota;
pub mod range;
pub mod redact;
pub mod retry;
pub mod secret;
mod send;
pub mod service;
pub mod validate;
mod vocabulary;
pub mod wire;

pub use vocabulary::{deadline, error, headers, operation, request, vendor};

pub use auth::{
    AuthContext, Authenticator, ClaimId, InMemoryTokenStore, RenewalClaim, Token, TokenStore,
};
pub use base_url::BaseUrl;
pub use body::BodyStream;
pub use client::{ClientBuilder, HttpClient, VendorBuilder};
pub use deadline::{CallClock, Phase};
pub use error::{BoxError, Dispatch, Error, ErrorKind, TransportPhase, VendorMessage};
pub use headers::ServerQuota;
/// The transport layer, kept at its former path.
pub use layer::transport;
pub use operation::{Endpoint, OperationMeta};
pub use options::{
    ClientOptions, QuotaPolicy, RateLimit, RenewalPolicy, RetryConfig, StreamLimits, Timeouts,
    TransportConfig, WhenExhausted,
};
pub use quota::{BudgetSource, BudgetStatus, InMemoryQuotaStore, QuotaStore};
pub use range::DateRange;
pub use redact::Redactor;
pub use retry::RetryClassifier;
pub use secret::Secret;
pub use service::TransportService;
pub use validate::{Validator, Violation};
pub use vendor::{Failure, ResponseReading, VendorProfile};

/// The reqwest that [`ClientOptions::reqwest_client`] takes (feature `reqwest-0_13`). The
/// version is in the name: reqwest is not part of the default, stable API.
#[cfg(feature = "reqwest-0_13")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-0_13")))]
pub use reqwest as reqwest_0_13;
/// Re-exported so that generated code and users name the same versions.
pub use {bytes, http, rust_decimal, serde_json, serde_with, time};
