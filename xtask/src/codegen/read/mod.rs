//! Reads an OpenAPI 3.0 document into the [`ir`](super::ir) model the emitters need, with
//! every Rust name, type and check decided here.
//!
//! One concern per module: [`refs`] resolves every `$ref`; [`schemas`] turns schemas into
//! types and models; [`fields`] reads one property or parameter; [`constraints`] its
//! client-side checks; [`operations`] paths, parameters, bodies and answers; [`extensions`]
//! our `x-…` vocabulary. [`reader`] holds the state they share.

mod constraints;
mod extensions;
mod fields;
mod operations;
mod reader;
mod refs;
mod schemas;

use openapiv3::OpenAPI;

use super::ir::Api;
use reader::Reader;

/// Parses a spec's YAML (or JSON) text.
pub fn parse(text: &str) -> Result<OpenAPI, String> {
    serde_yaml::from_str(text).map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))
}

/// Reads a parsed spec into an [`Api`].
pub fn lower(spec: &OpenAPI) -> Result<Api, String> {
    let mut reader = Reader::new(spec);
    reader.reserve_components()?;
    reader.component_models()?;
    let operations = reader.operations()?;
    Ok(Api {
        title: spec.info.title.clone(),
        version: spec.info.version.clone(),
        models: reader.models,
        operations,
        examples: reader.examples,
    })
}
