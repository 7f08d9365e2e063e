//! Typed async client for the Aloha Customer API.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use practice_core::{Error, ErrorKind};
