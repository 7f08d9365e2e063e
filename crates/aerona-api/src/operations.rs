//! One request type per Aerona operation, generated from `openapi.yaml` (see
//! `docs/codegen.md`): build it with `builder()`, which checks the spec's constraints, and run
//! it with the client. Each operation's metadata static and [`ALL_OPERATIONS`] are here too.

pub use crate::generated::operations::*;
