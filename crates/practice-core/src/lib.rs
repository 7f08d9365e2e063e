//! The shared engine of the practice-management API clients.
//!
//! `practice-core` holds what the vendor crates (`aloha-api`, `aerona-api`) share: a tower
//! stack over reqwest (transport, timeouts, tracing, quota, auth, retry), one error type, and
//! serde helpers for the vendors' wire formats. See `docs/architecture.md` for how a request
//! travels through the layers.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod base_url;
pub mod decode;
pub mod error;
pub mod operation;
pub mod secret;
pub mod wire;

pub use base_url::BaseUrl;
pub use error::{BoxError, Dispatch, Error, ErrorKind, Validator, VendorMessage, Violation};
pub use operation::{Endpoint, OperationMeta};
pub use secret::Secret;

/// Re-exported so that generated code and users name the same versions.
pub use {bytes, http, rust_decimal, serde_json, serde_with, time};
