//! The state of one reading of a spec: the Rust name and kind reserved for each component
//! schema, the type names taken, and the models and examples gathered so far.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde_json::Value;

use super::super::ir::{EnumRepr, Model};
use super::super::names;

/// What a component schema becomes.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A struct.
    Struct,
    /// An open enumeration.
    Enum(EnumRepr),
    /// An alias of `OpenRecord`.
    Record,
    /// Anything else: references resolve to the schema's own type, and an alias documents it.
    Inline,
}

/// The Rust name and kind reserved for a component schema.
#[derive(Debug, Clone)]
pub struct Reserved {
    /// The Rust type name.
    pub rust: String,
    /// What it becomes.
    pub kind: Kind,
}

/// One reading of a spec into models and operations.
pub struct Reader<'a> {
    /// The spec.
    pub spec: &'a OpenAPI,
    /// Per component schema key, what it becomes.
    pub components: BTreeMap<String, Reserved>,
    /// Models in the order they were made.
    pub models: Vec<Model>,
    /// Rust type names already given.
    pub taken: BTreeSet<String>,
    /// Component keys being resolved, to stop a schema that contains itself.
    pub resolving: BTreeSet<String>,
    /// Example records per struct name.
    pub examples: BTreeMap<String, Vec<Value>>,
}

impl<'a> Reader<'a> {
    /// A reading of `spec` that has not started.
    pub fn new(spec: &'a OpenAPI) -> Self {
        Reader {
            spec,
            components: BTreeMap::new(),
            models: Vec::new(),
            taken: BTreeSet::new(),
            resolving: BTreeSet::new(),
            examples: BTreeMap::new(),
        }
    }

    /// The component schemas in spec order.
    pub fn component_schemas(
        &self,
    ) -> impl Iterator<Item = (&'a String, &'a ReferenceOr<Schema>)> + use<'a> {
        let spec: &'a OpenAPI = self.spec;
        spec.components.iter().flat_map(|c| c.schemas.iter())
    }

    /// A fresh type name for an inline schema.
    pub fn hoist_name(&mut self, hint: &str) -> String {
        let base = names::type_name(hint);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}
