//! Typed async client for the Aerona dental practice API.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use practice_core::{Error, ErrorKind};
