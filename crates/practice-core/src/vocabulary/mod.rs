//! The words every part of the crate speaks, and nothing else: what an operation is
//! ([`operation`]), the call's clock and phase ([`deadline`]), what one answer says
//! ([`vendor`]'s `ResponseReading`, from [`headers`]), the request's extensions ([`request`])
//! and the one error type ([`error`]). These modules import nothing of the crate outside this
//! folder, so layers, stores and clients can all depend on them without a circle. Each is
//! public at the crate root under its own name.

pub mod deadline;
pub mod error;
pub mod headers;
pub mod operation;
pub mod request;
pub mod vendor;
