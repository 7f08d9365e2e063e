//! Emits code from the [`ir`](super::ir) model with `quote`: [`models`] writes `models.rs`;
//! [`operations`] writes `operations.rs` (request structs and builders), with the
//! `Endpoint` impls from [`endpoint`]; [`builder`] writes `builder.rs`, the setters every
//! vendor builder shares; [`client`] writes `client.rs`, the client methods the spec asks
//! for; [`types`] knows how each type is spelled and which `practice_core::wire` adapter it
//! goes through; [`examples`] writes the round trip of the
//! spec's example records; [`reexports`] writes the test that holds the
//! hand-written re-export lists to the generated names; [`sql`] writes the sync
//! database's schema from every vendor's models.

pub mod builder;
pub mod client;
mod endpoint;
pub mod examples;
pub mod models;
pub mod operations;
pub mod reexports;
pub mod sql;
pub mod types;
