//! The one `$ref` resolver: parameters, request bodies, responses and schemas are all looked
//! up in `components` the same way, one [`Component`] impl per kind saying where.

use indexmap::IndexMap;
use openapiv3::{Components, OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

/// How many `$ref`s in a row are followed before calling it a cycle.
const MAX_HOPS: usize = 32;

/// A kind of thing a `$ref` can name in `components`.
pub trait Component: Sized {
    /// The reference prefix, e.g. `#/components/parameters/`.
    const PREFIX: &'static str;
    /// What the kind is called in messages.
    const KIND: &'static str;
    /// The table of this kind in `components`.
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>>;
}

impl Component for Schema {
    const PREFIX: &'static str = "#/components/schemas/";
    const KIND: &'static str = "schema";
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.schemas
    }
}

impl Component for Parameter {
    const PREFIX: &'static str = "#/components/parameters/";
    const KIND: &'static str = "parameter";
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.parameters
    }
}

impl Component for RequestBody {
    const PREFIX: &'static str = "#/components/requestBodies/";
    const KIND: &'static str = "request body";
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.request_bodies
    }
}

impl Component for Response {
    const PREFIX: &'static str = "#/components/responses/";
    const KIND: &'static str = "response";
    fn table(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.responses
    }
}

/// A `T` given by reference or inline, whether the spec boxes it (schema properties) or not.
pub enum RefOr<'a, T> {
    /// A `$ref`.
    Ref(&'a str),
    /// The thing itself.
    Item(&'a T),
}

impl<T> Clone for RefOr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for RefOr<'_, T> {}

impl<'a, T> From<&'a ReferenceOr<T>> for RefOr<'a, T> {
    fn from(r: &'a ReferenceOr<T>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => RefOr::Ref(reference),
            ReferenceOr::Item(item) => RefOr::Item(item),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for RefOr<'a, Schema> {
    fn from(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => RefOr::Ref(reference),
            ReferenceOr::Item(item) => RefOr::Item(item),
        }
    }
}

impl<'a, T> RefOr<'a, T> {
    /// The item given inline, if it is.
    pub fn inline(self) -> Option<&'a T> {
        match self {
            RefOr::Item(item) => Some(item),
            RefOr::Ref(_) => None,
        }
    }
}

/// Follows `$ref`s, through components that are references themselves, to the item.
pub fn resolve<'a, T: Component>(
    spec: &'a OpenAPI,
    start: impl Into<RefOr<'a, T>>,
) -> Result<&'a T, String> {
    let mut current = start.into();
    for _ in 0..MAX_HOPS {
        match current {
            RefOr::Item(item) => return Ok(item),
            RefOr::Ref(reference) => {
                let (_, found) = lookup::<T>(spec, reference)?;
                current = found.into();
            }
        }
    }
    Err("a cycle of `$ref`s".to_owned())
}

/// The key a reference names, e.g. `Client` for `#/components/schemas/Client`.
pub fn key<T: Component>(reference: &str) -> Result<&str, String> {
    reference
        .strip_prefix(T::PREFIX)
        .ok_or_else(|| format!("unsupported {} reference `{reference}`", T::KIND))
}

/// The component a reference names (one hop), with its key.
pub fn lookup<'a, T: Component>(
    spec: &'a OpenAPI,
    reference: &str,
) -> Result<(&'a str, &'a ReferenceOr<T>), String> {
    let name = key::<T>(reference)?;
    spec.components
        .as_ref()
        .and_then(|c| T::table(c).get_key_value(name))
        .map(|(k, v)| (k.as_str(), v))
        .ok_or_else(|| format!("`{reference}` names no {}", T::KIND))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> OpenAPI {
        serde_yaml::from_str(
            r##"
openapi: 3.0.3
info: { title: T, version: "1" }
paths: {}
components:
  schemas:
    Id: { type: integer }
    Alias: { $ref: "#/components/schemas/Id" }
    Loop: { $ref: "#/components/schemas/Loop" }
  parameters:
    Page: { name: page, in: query, schema: { type: integer } }
    Again: { $ref: "#/components/parameters/Page" }
"##,
        )
        .unwrap()
    }

    #[test]
    fn every_kind_resolves_through_chains_and_reports_what_is_wrong() {
        let spec = spec();
        let alias = ReferenceOr::<Schema>::ref_("#/components/schemas/Alias");
        let id = resolve(&spec, &alias).unwrap();
        assert!(matches!(
            id.schema_kind,
            openapiv3::SchemaKind::Type(openapiv3::Type::Integer(_))
        ));

        let again = ReferenceOr::<Parameter>::ref_("#/components/parameters/Again");
        let page = resolve(&spec, &again).unwrap();
        assert_eq!(page.parameter_data_ref().name, "page");

        let looped = ReferenceOr::<Schema>::ref_("#/components/schemas/Loop");
        assert_eq!(resolve(&spec, &looped).err().unwrap(), "a cycle of `$ref`s");

        let missing = ReferenceOr::<Response>::ref_("#/components/responses/Nope");
        assert_eq!(
            resolve(&spec, &missing).err().unwrap(),
            "`#/components/responses/Nope` names no response"
        );
        let wrong = ReferenceOr::<RequestBody>::ref_("#/components/schemas/Id");
        assert_eq!(
            resolve(&spec, &wrong).err().unwrap(),
            "unsupported request body reference `#/components/schemas/Id`"
        );
    }
}
