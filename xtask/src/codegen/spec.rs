//! Reads an OpenAPI 3.0 document into the little model the emitters need: models (structs,
//! enumerations, aliases) and operations, with every Rust name, type and check decided here.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use openapiv3::{
    AdditionalProperties, OpenAPI, Operation as SpecOperation, Parameter, ParameterSchemaOrContent,
    ReferenceOr, RequestBody, Response, Schema, SchemaKind, StatusCode, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::docs::Doc;
use super::names;

/// A Rust type of a field, parameter or answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `i64`.
    Int,
    /// `bool`.
    Bool,
    /// `String`.
    Str,
    /// `Decimal` through `wire::Money`.
    Money,
    /// `Date` through `wire::IsoDate`.
    IsoDate,
    /// `Date` through `wire::UsDate`.
    UsDate,
    /// `Time` through `wire::ClockTime`.
    Clock,
    /// `OffsetDateTime` through `wire::Timestamp`.
    Timestamp,
    /// `practice_core::Secret`.
    Secret,
    /// `Vec<T>`.
    List(Box<Ty>),
    /// A generated struct.
    Struct(String),
    /// A generated alias of `OpenRecord`.
    Record(String),
    /// A generated enumeration.
    Enum(String, EnumRepr),
    /// `practice_core::wire::OpenRecord`.
    OpenRecord,
    /// `practice_core::serde_json::Value`.
    Json,
}

/// How an enumeration is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    /// As an integer code.
    Int,
    /// As a string.
    Str,
}

/// Everything generated for one spec.
#[derive(Debug)]
pub struct Api {
    /// The spec's title.
    pub title: String,
    /// The spec's version.
    pub version: String,
    /// Models in spec order (inline schemas hoisted next to their first use).
    pub models: Vec<Model>,
    /// Operations in spec order.
    pub operations: Vec<Operation>,
    /// Example records per struct name, from schema and response examples.
    pub examples: BTreeMap<String, Vec<Value>>,
}

impl Api {
    /// "X API", without doubling a title that already says "API".
    pub fn api_name(&self) -> String {
        let title = self.title.trim();
        if title
            .split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("api"))
        {
            title.to_owned()
        } else {
            format!("{title} API")
        }
    }
}

/// A generated model type.
#[derive(Debug)]
pub enum Model {
    /// A record.
    Struct(StructModel),
    /// An open enumeration.
    Enum(EnumModel),
    /// A type alias.
    Alias(AliasModel),
}

/// A record with named fields.
#[derive(Debug)]
pub struct StructModel {
    /// Rust name.
    pub name: String,
    /// Docs.
    pub doc: Doc,
    /// Fields in spec order.
    pub fields: Vec<Field>,
}

/// One field or parameter.
#[derive(Debug, Clone)]
pub struct Field {
    /// The wire name.
    pub wire: String,
    /// The Rust name (unescaped).
    pub rust: String,
    /// The type.
    pub ty: Ty,
    /// Required by the spec (only request fields use it).
    pub required: bool,
    /// Docs.
    pub doc: Doc,
    /// Whether the docs start with the spec's own description.
    pub described: bool,
    /// Client-side checks.
    pub checks: Checks,
}

/// Client-side checks from the spec's constraints.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// `x-max-digits`.
    pub max_digits: Option<u32>,
    /// `minimum` (inclusive) of an integer.
    pub minimum: Option<i64>,
    /// `maximum` (inclusive) of an integer.
    pub maximum: Option<i64>,
    /// `minLength` of a string.
    pub min_length: Option<usize>,
    /// `maxLength` of a string.
    pub max_length: Option<usize>,
    /// `x-required-with`: the wire name of the field that makes this one required.
    pub required_with: Option<String>,
}

/// An open enumeration.
#[derive(Debug)]
pub struct EnumModel {
    /// Rust name.
    pub name: String,
    /// Docs.
    pub doc: Doc,
    /// Wire representation.
    pub repr: EnumRepr,
    /// Known values in spec order.
    pub variants: Vec<Variant>,
}

/// A known value of an enumeration.
#[derive(Debug)]
pub struct Variant {
    /// Rust name.
    pub name: String,
    /// The wire value.
    pub value: EnumValue,
    /// The human label (`x-enum-names`, else the value).
    pub label: String,
}

/// A wire value of an enumeration.
#[derive(Debug)]
pub enum EnumValue {
    /// An integer code.
    Int(i64),
    /// A string.
    Str(String),
}

/// A type alias.
#[derive(Debug)]
pub struct AliasModel {
    /// Rust name.
    pub name: String,
    /// Docs.
    pub doc: Doc,
    /// The aliased type.
    pub ty: Ty,
}

/// Where a request field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A member of the JSON body object.
    Body,
    /// The whole JSON body.
    WholeBody,
}

/// A field of a request struct.
#[derive(Debug, Clone)]
pub struct RequestField {
    /// The field.
    pub field: Field,
    /// Where it goes.
    pub location: Location,
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// The `operationId` (or a name derived from method and path).
    pub name: String,
    /// Name of the metadata static.
    pub const_name: String,
    /// Name of the request struct.
    pub struct_name: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Docs.
    pub doc: Doc,
    /// `x-idempotent` (default: safe methods only).
    pub idempotent: bool,
    /// Whether the request carries the vendor's token.
    pub authenticated: bool,
    /// Path, query and body fields in spec order.
    pub fields: Vec<RequestField>,
    /// `x-exactly-one-of` groups of wire names.
    pub exactly_one: Vec<Vec<String>>,
    /// The decoded answer (`None`: no content).
    pub output: Option<Ty>,
    /// Whether the answer is Aloha's `{status, message, data}` envelope.
    pub envelope: bool,
}

/// Parses a spec's YAML (or JSON) text.
pub fn parse(text: &str) -> Result<OpenAPI, String> {
    serde_yaml::from_str(text).map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))
}

/// Reads a parsed spec into an [`Api`].
pub fn lower(spec: &OpenAPI) -> Result<Api, String> {
    let mut lower = Lower {
        spec,
        components: BTreeMap::new(),
        models: Vec::new(),
        taken: BTreeSet::new(),
        resolving: BTreeSet::new(),
        examples: BTreeMap::new(),
    };
    lower.reserve_components()?;
    lower.component_models()?;
    let operations = lower.operations()?;
    Ok(Api {
        title: spec.info.title.clone(),
        version: spec.info.version.clone(),
        models: lower.models,
        operations,
        examples: lower.examples,
    })
}

/// What a component schema becomes.
#[derive(Debug, Clone)]
enum Kind {
    Struct,
    Enum(EnumRepr),
    Record,
    /// Anything else: references resolve to the schema's own type, and an alias documents it.
    Inline,
}

#[derive(Debug, Clone)]
struct Component {
    rust: String,
    kind: Kind,
}

/// A schema given by reference or inline.
#[derive(Clone, Copy)]
enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(s) => SchemaRef::Inline(s),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(s) => SchemaRef::Inline(s),
        }
    }
}

/// The properties of an object schema, merged over `allOf`.
struct ObjectShape<'a> {
    properties: Vec<(String, SchemaRef<'a>)>,
    required: BTreeSet<String>,
}

struct Lower<'a> {
    spec: &'a OpenAPI,
    components: BTreeMap<String, Component>,
    models: Vec<Model>,
    taken: BTreeSet<String>,
    resolving: BTreeSet<String>,
    examples: BTreeMap<String, Vec<Value>>,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";

impl<'a> Lower<'a> {
    fn component_schemas(
        &self,
    ) -> impl Iterator<Item = (&'a String, &'a ReferenceOr<Schema>)> + use<'a> {
        let spec: &'a OpenAPI = self.spec;
        spec.components.iter().flat_map(|c| c.schemas.iter())
    }

    /// Gives every component schema its Rust name and kind before anything refers to it.
    fn reserve_components(&mut self) -> Result<(), String> {
        for (key, schema) in self.component_schemas() {
            let rust = names::type_name(key);
            if !self.taken.insert(rust.clone()) {
                return Err(format!(
                    "schemas `{key}` and another schema both become the Rust type `{rust}`; rename one"
                ));
            }
            let kind = match schema {
                ReferenceOr::Reference { .. } => Kind::Inline,
                ReferenceOr::Item(schema) => self.classify(schema),
            };
            self.components
                .insert(key.clone(), Component { rust, kind });
        }
        Ok(())
    }

    fn classify(&self, schema: &Schema) -> Kind {
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => Kind::Struct,
            SchemaKind::Type(Type::Object(_)) => Kind::Record,
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                Kind::Enum(EnumRepr::Str)
            }
            SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
                Kind::Enum(EnumRepr::Int)
            }
            SchemaKind::AllOf { all_of } if all_of.len() > 1 => Kind::Struct,
            SchemaKind::Any(a) if !a.properties.is_empty() || !a.all_of.is_empty() => Kind::Struct,
            SchemaKind::Any(a) if a.typ.as_deref() == Some("object") => Kind::Record,
            SchemaKind::Any(a) if !a.enumeration.is_empty() => match a.typ.as_deref() {
                Some("integer") => Kind::Enum(EnumRepr::Int),
                Some("string") => Kind::Enum(EnumRepr::Str),
                _ => Kind::Inline,
            },
            _ => Kind::Inline,
        }
    }

    fn component_models(&mut self) -> Result<(), String> {
        for (key, schema) in self.component_schemas() {
            let component = self.components[key].clone();
            let context = |e: String| format!("schema `{key}`: {e}");
            match (&component.kind, schema) {
                (Kind::Struct, ReferenceOr::Item(schema)) => {
                    self.build_struct(component.rust, schema).map_err(context)?;
                }
                (Kind::Enum(repr), ReferenceOr::Item(schema)) => {
                    self.build_enum(component.rust, *repr, schema)
                        .map_err(context)?;
                }
                (Kind::Record, ReferenceOr::Item(schema)) => {
                    let doc = Doc::from_spec(
                        schema.schema_data.description.as_deref(),
                        &format!(
                            "A `{key}` object; the spec does not name its fields, so all are kept as received."
                        ),
                    );
                    let mut doc = doc;
                    doc.assumptions(&assumptions(&schema.schema_data.extensions));
                    self.models.push(Model::Alias(AliasModel {
                        name: component.rust,
                        doc,
                        ty: Ty::OpenRecord,
                    }));
                }
                _ => {
                    let ty = self.ty_of(schema.into(), key).map_err(context)?;
                    let (description, extensions) = match schema {
                        ReferenceOr::Item(s) => (
                            s.schema_data.description.as_deref(),
                            Some(&s.schema_data.extensions),
                        ),
                        ReferenceOr::Reference { .. } => (None, None),
                    };
                    let mut doc = Doc::from_spec(description, &format!("The `{key}` schema."));
                    if let Some(extensions) = extensions {
                        doc.assumptions(&assumptions(extensions));
                    }
                    self.models.push(Model::Alias(AliasModel {
                        name: component.rust,
                        doc,
                        ty,
                    }));
                }
            }
        }
        Ok(())
    }

    /// Follows `$ref`s to a component schema.
    fn deref(&self, schema: SchemaRef<'a>) -> Result<(&'a Schema, Option<&'a str>), String> {
        let mut current = schema;
        let mut name = None;
        for _ in 0..32 {
            match current {
                SchemaRef::Inline(s) => return Ok((s, name)),
                SchemaRef::Ref(r) => {
                    let key = component_key(r)?;
                    name = Some(key);
                    let found = self
                        .spec
                        .components
                        .as_ref()
                        .and_then(|c| c.schemas.get(key))
                        .ok_or_else(|| format!("`{r}` names no schema"))?;
                    current = found.into();
                }
            }
        }
        Err("a cycle of `$ref`s".to_owned())
    }

    /// The properties of an object-like schema, merging `allOf` members in order.
    fn object_shape(&self, schema: &'a Schema) -> Result<ObjectShape<'a>, String> {
        let mut shape = ObjectShape {
            properties: Vec::new(),
            required: BTreeSet::new(),
        };
        self.merge_shape(schema, &mut shape, 0)?;
        Ok(shape)
    }

    fn merge_shape(
        &self,
        schema: &'a Schema,
        shape: &mut ObjectShape<'a>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 16 {
            return Err("`allOf` nests too deeply".to_owned());
        }
        fn add<'a>(
            shape: &mut ObjectShape<'a>,
            props: &'a indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
            required: &'a [String],
        ) {
            for (wire, prop) in props {
                match shape.properties.iter_mut().find(|(w, _)| w == wire) {
                    Some(existing) => existing.1 = prop.into(),
                    None => shape.properties.push((wire.clone(), prop.into())),
                }
            }
            shape.required.extend(required.iter().cloned());
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => add(shape, &o.properties, &o.required),
            SchemaKind::AllOf { all_of } => {
                for member in all_of {
                    let (member, _) = self.deref(member.into())?;
                    self.merge_shape(member, shape, depth + 1)?;
                }
            }
            SchemaKind::Any(a) => {
                for member in &a.all_of {
                    let (member, _) = self.deref(member.into())?;
                    self.merge_shape(member, shape, depth + 1)?;
                }
                add(shape, &a.properties, &a.required);
            }
            _ => {}
        }
        Ok(())
    }

    /// A fresh type name for an inline schema.
    fn hoist_name(&mut self, hint: &str) -> String {
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

    /// The Rust type of a schema; inline objects and enumerations become new models named
    /// after `hint`.
    fn ty_of(&mut self, schema: SchemaRef<'a>, hint: &str) -> Result<Ty, String> {
        let schema = match schema {
            SchemaRef::Ref(r) => {
                let key = component_key(r)?;
                let component = self
                    .components
                    .get(key)
                    .cloned()
                    .ok_or_else(|| format!("`{r}` names no schema"))?;
                return match component.kind {
                    Kind::Struct => Ok(Ty::Struct(component.rust)),
                    Kind::Enum(repr) => Ok(Ty::Enum(component.rust, repr)),
                    Kind::Record => Ok(Ty::Record(component.rust)),
                    Kind::Inline => {
                        if !self.resolving.insert(key.to_owned()) {
                            // A schema that contains itself other than through a record.
                            return Ok(Ty::Json);
                        }
                        let target = self
                            .spec
                            .components
                            .as_ref()
                            .and_then(|c| c.schemas.get(key))
                            .ok_or_else(|| format!("`{r}` names no schema"))?;
                        let ty = self.ty_of(target.into(), key);
                        self.resolving.remove(key);
                        ty
                    }
                };
            }
            SchemaRef::Inline(schema) => schema,
        };
        let ext = &schema.schema_data.extensions;
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                let name = self.hoist_name(hint);
                self.build_enum(name.clone(), EnumRepr::Str, schema)?;
                Ty::Enum(name, EnumRepr::Str)
            }
            SchemaKind::Type(Type::String(s)) => {
                let format = match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date"),
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time"),
                    VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Some("password"),
                    VariantOrUnknownOrEmpty::Unknown(f) => Some(f.as_str()),
                    _ => None,
                };
                string_ty(format, ext)?
            }
            SchemaKind::Type(Type::Number(n)) => match &n.format {
                VariantOrUnknownOrEmpty::Unknown(f) if is_integer_format(f) => Ty::Int,
                _ => Ty::Money,
            },
            SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
                let name = self.hoist_name(hint);
                self.build_enum(name.clone(), EnumRepr::Int, schema)?;
                Ty::Enum(name, EnumRepr::Int)
            }
            SchemaKind::Type(Type::Integer(_)) => Ty::Int,
            SchemaKind::Type(Type::Boolean(_)) => Ty::Bool,
            SchemaKind::Type(Type::Array(a)) => match &a.items {
                Some(items) => {
                    Ty::List(Box::new(self.ty_of(items.into(), &format!("{hint}Item"))?))
                }
                None => Ty::List(Box::new(Ty::Json)),
            },
            SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => {
                let name = self.hoist_name(hint);
                self.build_struct(name.clone(), schema)?;
                Ty::Struct(name)
            }
            SchemaKind::Type(Type::Object(o)) => match &o.additional_properties {
                Some(AdditionalProperties::Any(false)) => Ty::Json,
                _ => Ty::OpenRecord,
            },
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                self.ty_of((&all_of[0]).into(), hint)?
            }
            SchemaKind::AllOf { .. } => {
                let name = self.hoist_name(hint);
                self.build_struct(name.clone(), schema)?;
                Ty::Struct(name)
            }
            SchemaKind::Any(a) if !a.properties.is_empty() || !a.all_of.is_empty() => {
                let name = self.hoist_name(hint);
                self.build_struct(name.clone(), schema)?;
                Ty::Struct(name)
            }
            SchemaKind::Any(a) => match a.typ.as_deref() {
                Some("object") => Ty::OpenRecord,
                Some("string") => string_ty(a.format.as_deref(), ext)?,
                Some("integer") => Ty::Int,
                Some("number") => match a.format.as_deref() {
                    Some(f) if is_integer_format(f) => Ty::Int,
                    _ => Ty::Money,
                },
                Some("boolean") => Ty::Bool,
                Some("array") => match &a.items {
                    Some(items) => {
                        Ty::List(Box::new(self.ty_of(items.into(), &format!("{hint}Item"))?))
                    }
                    None => Ty::List(Box::new(Ty::Json)),
                },
                _ => Ty::Json,
            },
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } | SchemaKind::Not { .. } => {
                Ty::Json
            }
        })
    }

    fn build_struct(&mut self, name: String, schema: &'a Schema) -> Result<(), String> {
        let shape = self.object_shape(schema)?;
        let mut doc = Doc::from_spec(
            schema
                .schema_data
                .description
                .as_deref()
                .or(schema.schema_data.title.as_deref()),
            &format!("A `{name}` record."),
        );
        doc.assumptions(&assumptions(&schema.schema_data.extensions));
        let mut fields = Vec::new();
        let mut seen = BTreeMap::new();
        for (wire, prop) in &shape.properties {
            let field = self
                .field(wire, *prop, &name, shape.required.contains(wire), None)
                .map_err(|e| format!("property `{wire}`: {e}"))?;
            if matches!(field.rust.as_str(), "unknown_fields" | "explicit_nulls") {
                return Err(format!(
                    "property `{wire}` clashes with a generated field; give it an `x-rust-name`"
                ));
            }
            if let Some(other) = seen.insert(field.rust.clone(), wire.clone()) {
                return Err(format!(
                    "properties `{other}` and `{wire}` both become the field `{}`; give one an `x-rust-name`",
                    field.rust
                ));
            }
            fields.push(field);
        }
        self.collect_schema_example(&name, schema, &shape);
        self.models
            .push(Model::Struct(StructModel { name, doc, fields }));
        Ok(())
    }

    fn collect_schema_example(&mut self, name: &str, schema: &'a Schema, shape: &ObjectShape<'a>) {
        let example = match &schema.schema_data.example {
            Some(example @ Value::Object(_)) => Some(example.clone()),
            _ => {
                let map: serde_json::Map<String, Value> = shape
                    .properties
                    .iter()
                    .filter_map(|(wire, prop)| match prop {
                        SchemaRef::Inline(s) => s
                            .schema_data
                            .example
                            .clone()
                            .map(|example| (wire.clone(), example)),
                        SchemaRef::Ref(_) => None,
                    })
                    .collect();
                (!map.is_empty()).then_some(Value::Object(map))
            }
        };
        if let Some(example) = example {
            self.examples
                .entry(name.to_owned())
                .or_default()
                .push(example);
        }
    }

    /// A field from a property or parameter schema. `outer` carries the parameter's own
    /// description and extensions, which come before the schema's.
    fn field(
        &mut self,
        wire: &str,
        schema: SchemaRef<'a>,
        parent: &str,
        required: bool,
        outer: Option<(&'a Option<String>, &'a indexmap::IndexMap<String, Value>)>,
    ) -> Result<Field, String> {
        let hint = format!("{parent}{}", wire.to_upper_camel_case());
        let ty = self.ty_of(schema, &hint)?;
        let inline = match schema {
            SchemaRef::Inline(s) => Some(s),
            SchemaRef::Ref(_) => None,
        };
        let empty = indexmap::IndexMap::new();
        let schema_ext = inline.map_or(&empty, |s| &s.schema_data.extensions);
        let outer_ext = outer.map_or(&empty, |(_, e)| e);
        // A referenced schema's own constraints apply wherever it is used.
        let target_ext = match schema {
            SchemaRef::Ref(_) => self
                .deref(schema)
                .map_or(&empty, |(s, _)| &s.schema_data.extensions),
            SchemaRef::Inline(_) => &empty,
        };
        let ext = |key: &str| {
            outer_ext
                .get(key)
                .or_else(|| schema_ext.get(key))
                .or_else(|| {
                    (key == "x-max-digits")
                        .then(|| target_ext.get(key))
                        .flatten()
                })
        };

        let rust = match ext("x-rust-name") {
            Some(Value::String(name)) => name.clone(),
            Some(other) => return Err(format!("`x-rust-name` must be a string, got {other}")),
            None => names::field(wire),
        };
        let description = outer
            .and_then(|(d, _)| d.as_deref())
            .or_else(|| inline.and_then(|s| s.schema_data.description.as_deref()));
        let mut doc = Doc::from_spec(description, &format!("The `{wire}` field."));
        let mut notes = Vec::new();
        match &ty {
            Ty::Money => notes.push("Money, kept exact to the digit.".to_owned()),
            Ty::UsDate => notes.push("On the wire as `mm-dd-yyyy`.".to_owned()),
            Ty::Clock => {
                notes.push("On the wire as `hh:mm tt`, for example `09:00 AM`.".to_owned())
            }
            _ => {}
        }

        let mut checks = Checks::default();
        if let Some(v) = ext("x-max-digits") {
            let digits = v
                .as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .ok_or_else(|| format!("`x-max-digits` must be a small integer, got {v}"))?;
            checks.max_digits = Some(digits);
            notes.push(format!("At most {digits} digits."));
        }
        if let Some(v) = ext("x-required-with") {
            let other = v
                .as_str()
                .ok_or_else(|| format!("`x-required-with` must name a parameter, got {v}"))?;
            checks.required_with = Some(other.to_owned());
            notes.push(format!("Required when `{other}` is given."));
        }
        if let Some(s) = inline {
            match &s.schema_kind {
                SchemaKind::Type(Type::Integer(i)) => {
                    checks.minimum = i.minimum.map(|m| m + i64::from(i.exclusive_minimum));
                    checks.maximum = i.maximum.map(|m| m - i64::from(i.exclusive_maximum));
                }
                SchemaKind::Type(Type::String(st)) => {
                    checks.min_length = st.min_length;
                    checks.max_length = st.max_length;
                }
                _ => {}
            }
            if let Some(min) = checks.minimum {
                notes.push(format!("At least {min}."));
            }
            if let Some(max) = checks.maximum {
                notes.push(format!("At most {max}."));
            }
            if let Some(max) = checks.max_length {
                notes.push(format!("At most {max} characters."));
            }
            if s.schema_data.deprecated {
                notes.push("Deprecated by the vendor.".to_owned());
            }
        }
        if !matches!(ty, Ty::Int | Ty::Enum(_, EnumRepr::Int)) {
            checks.max_digits = None;
        }
        if !matches!(ty, Ty::Int) {
            checks.minimum = None;
            checks.maximum = None;
        }
        if !matches!(ty, Ty::Str | Ty::Secret) {
            checks.min_length = None;
            checks.max_length = None;
        }
        if !notes.is_empty() {
            doc.own(&notes.join(" "));
        }
        let mut all_assumptions = assumptions(outer_ext);
        all_assumptions.extend(assumptions(schema_ext));
        doc.assumptions(&all_assumptions);
        Ok(Field {
            wire: wire.to_owned(),
            rust,
            ty,
            required,
            doc,
            described: description.is_some_and(|d| !d.trim().is_empty()),
            checks,
        })
    }

    fn build_enum(
        &mut self,
        name: String,
        repr: EnumRepr,
        schema: &'a Schema,
    ) -> Result<(), String> {
        let values: Vec<EnumValue> = match (&schema.schema_kind, repr) {
            (SchemaKind::Type(Type::Integer(i)), _) => i
                .enumeration
                .iter()
                .flatten()
                .map(|v| EnumValue::Int(*v))
                .collect(),
            (SchemaKind::Type(Type::String(s)), _) => s
                .enumeration
                .iter()
                .flatten()
                .map(|v| EnumValue::Str(v.clone()))
                .collect(),
            (SchemaKind::Any(a), EnumRepr::Int) => a
                .enumeration
                .iter()
                .filter_map(Value::as_i64)
                .map(EnumValue::Int)
                .collect(),
            (SchemaKind::Any(a), EnumRepr::Str) => a
                .enumeration
                .iter()
                .filter_map(Value::as_str)
                .map(|s| EnumValue::Str(s.to_owned()))
                .collect(),
            _ => return Err("not an enumeration".to_owned()),
        };
        let ext = &schema.schema_data.extensions;
        let labels: Option<Vec<String>> = match ext.get("x-enum-names") {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .ok_or("`x-enum-names` must be strings")
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(other) => return Err(format!("`x-enum-names` must be a list, got {other}")),
            None => None,
        };
        if let Some(labels) = &labels
            && labels.len() != values.len()
        {
            return Err(format!(
                "`x-enum-names` has {} names for {} values",
                labels.len(),
                values.len()
            ));
        }
        let mut variants = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, value) in values.into_iter().enumerate() {
            let label = match (&labels, &value) {
                (Some(labels), _) => labels[i].clone(),
                (None, EnumValue::Int(code)) => format!("V{code}"),
                (None, EnumValue::Str(s)) => s.clone(),
            };
            let variant_name = names::variant(&label);
            if variant_name == "Unknown" || !seen.insert(variant_name.clone()) {
                return Err(format!(
                    "enumeration value `{label}` gives the variant `{variant_name}` twice or clashes with `Unknown`; set `x-enum-names`"
                ));
            }
            variants.push(Variant {
                name: variant_name,
                value,
                label,
            });
        }
        let mut doc = Doc::from_spec(
            schema.schema_data.description.as_deref(),
            &format!("The values of `{name}`."),
        );
        doc.own("Values this version does not know are kept in `Unknown`, never rejected.");
        doc.assumptions(&assumptions(ext));
        self.models.push(Model::Enum(EnumModel {
            name,
            doc,
            repr,
            variants,
        }));
        Ok(())
    }

    fn operations(&mut self) -> Result<Vec<Operation>, String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (path, item) in self.spec.paths.iter() {
            let ReferenceOr::Item(item) = item else {
                return Err(format!(
                    "path `{path}`: `$ref` path items are not supported"
                ));
            };
            for (method, op) in item.iter() {
                let mut operation = self
                    .operation(path, method, op, &item.parameters)
                    .map_err(|e| format!("{} {path}: {e}", method.to_uppercase()))?;
                if !seen.insert(operation.struct_name.clone()) {
                    let base = operation.name.clone();
                    let mut n = 2;
                    while !seen.insert(format!(
                        "{}Request",
                        names::type_name(&format!("{base}{n}"))
                    )) {
                        n += 1;
                    }
                    operation.name = format!("{base}{n}");
                    operation.const_name = names::constant(&operation.name);
                    operation.struct_name = format!("{}Request", names::type_name(&operation.name));
                }
                out.push(operation);
            }
        }
        Ok(out)
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &'a SpecOperation,
        shared_params: &'a [ReferenceOr<Parameter>],
    ) -> Result<Operation, String> {
        let name = op
            .operation_id
            .clone()
            .unwrap_or_else(|| names::operation_from_path(method, path));
        let base = names::type_name(&name);
        let struct_name = format!("{base}Request");
        let ext = &op.extensions;

        let mut doc = Doc::default();
        if let Some(summary) = op.summary.as_deref().filter(|s| !s.trim().is_empty()) {
            doc.spec(summary);
        }
        if let Some(description) = op.description.as_deref().filter(|s| !s.trim().is_empty()) {
            doc.spec(description);
        }
        if op.summary.is_none() && op.description.is_none() {
            doc.own(&format!("The `{name}` operation."));
        }
        doc.assumptions(&assumptions(ext));
        if op.deprecated {
            doc.own("Deprecated by the vendor.");
        }
        doc.own(&format!("`{} {path}`", method.to_uppercase()));

        // Parameters: the path item's, overridden by the operation's.
        let mut params: Vec<&'a Parameter> = Vec::new();
        for p in shared_params.iter().chain(&op.parameters) {
            let p = self.parameter(p)?;
            let data = p.parameter_data_ref();
            params.retain(|q| {
                let q_data = q.parameter_data_ref();
                !(q_data.name == data.name && location_of(q) == location_of(p))
            });
            params.push(p);
        }

        let mut fields: Vec<RequestField> = Vec::new();
        let mut auth_header = false;
        for p in &params {
            let data = p.parameter_data_ref();
            let location = match p {
                Parameter::Path { .. } => Location::Path,
                Parameter::Query { .. } => Location::Query,
                Parameter::Header { .. } | Parameter::Cookie { .. } => {
                    // Headers (the vendor's auth token among them) are the stack's business.
                    let lower = data.name.to_ascii_lowercase();
                    auth_header |= lower.contains("auth") || lower.contains("token");
                    continue;
                }
            };
            let required = data.required || location == Location::Path;
            let field = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => self.field(
                    &data.name,
                    schema.into(),
                    &base,
                    required,
                    Some((&data.description, &data.extensions)),
                ),
                ParameterSchemaOrContent::Content(_) => {
                    let mut field = self.field(
                        &data.name,
                        SchemaRef::Inline(&ANY_SCHEMA),
                        &base,
                        required,
                        Some((&data.description, &data.extensions)),
                    )?;
                    field.ty = Ty::Json;
                    Ok(field)
                }
            }
            .map_err(|e| format!("parameter `{}`: {e}", data.name))?;
            fields.push(RequestField { field, location });
        }
        // Path segments the spec forgot to declare are plain strings.
        for segment in path_params(path) {
            let declared = fields
                .iter()
                .any(|f| f.location == Location::Path && f.field.wire == segment);
            if !declared {
                let mut field =
                    self.field(&segment, SchemaRef::Inline(&ANY_SCHEMA), &base, true, None)?;
                field.ty = Ty::Str;
                fields.push(RequestField {
                    field,
                    location: Location::Path,
                });
            }
        }

        if let Some(body) = &op.request_body {
            let body = self.request_body(body)?;
            self.body_fields(body, &base, &mut fields)
                .map_err(|e| format!("request body: {e}"))?;
        }

        let mut seen = BTreeMap::new();
        for f in &fields {
            if f.field.rust == "build" {
                return Err(format!(
                    "`{}` would shadow the builder's `build`; give it an `x-rust-name`",
                    f.field.wire
                ));
            }
            if let Some(other) = seen.insert(f.field.rust.clone(), f.field.wire.clone()) {
                return Err(format!(
                    "`{other}` and `{}` both become the field `{}`; give one an `x-rust-name`",
                    f.field.wire, f.field.rust
                ));
            }
        }
        let wire_names: BTreeSet<&str> = fields.iter().map(|f| f.field.wire.as_str()).collect();
        for f in &fields {
            if let Some(other) = &f.field.checks.required_with
                && !wire_names.contains(other.as_str())
            {
                return Err(format!(
                    "`x-required-with` of `{}` names `{other}`, which is not a parameter",
                    f.field.wire
                ));
            }
        }

        let exactly_one = match ext.get("x-exactly-one-of") {
            None => Vec::new(),
            Some(v) => {
                let groups: Vec<Vec<String>> = serde_json::from_value(v.clone()).map_err(|_| {
                    format!("`x-exactly-one-of` must be a list of lists of names, got {v}")
                })?;
                for name in groups.iter().flatten() {
                    if !wire_names.contains(name.as_str()) {
                        return Err(format!(
                            "`x-exactly-one-of` names `{name}`, which is not a parameter"
                        ));
                    }
                }
                groups
            }
        };

        let envelope = match ext.get("x-envelope") {
            None => false,
            Some(Value::String(s)) if s == "aloha" => true,
            Some(other) => return Err(format!("unknown `x-envelope` {other}")),
        };
        let output = self.output(op, &base, envelope)?;

        let idempotent = match ext.get("x-idempotent") {
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("`x-idempotent` must be a boolean, got {other}")),
            None => matches!(method, "get" | "head" | "options" | "trace"),
        };
        let authenticated = if ext.contains_key("x-auth") {
            false
        } else {
            match op.security.as_ref().or(self.spec.security.as_ref()) {
                Some(requirements) => requirements.iter().any(|r| !r.is_empty()),
                None => auth_header,
            }
        };
        Ok(Operation {
            const_name: names::constant(&name),
            name,
            struct_name,
            method: method.to_uppercase(),
            path: path.to_owned(),
            doc,
            idempotent,
            authenticated,
            fields,
            exactly_one,
            output,
            envelope,
        })
    }

    fn parameter(&self, p: &'a ReferenceOr<Parameter>) -> Result<&'a Parameter, String> {
        match p {
            ReferenceOr::Item(p) => Ok(p),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/parameters/")
                    .ok_or_else(|| format!("unsupported parameter reference `{reference}`"))?;
                let found = self
                    .spec
                    .components
                    .as_ref()
                    .and_then(|c| c.parameters.get(key))
                    .ok_or_else(|| format!("`{reference}` names no parameter"))?;
                self.parameter(found)
            }
        }
    }

    fn request_body(&self, b: &'a ReferenceOr<RequestBody>) -> Result<&'a RequestBody, String> {
        match b {
            ReferenceOr::Item(b) => Ok(b),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/requestBodies/")
                    .ok_or_else(|| format!("unsupported request body reference `{reference}`"))?;
                let found = self
                    .spec
                    .components
                    .as_ref()
                    .and_then(|c| c.request_bodies.get(key))
                    .ok_or_else(|| format!("`{reference}` names no request body"))?;
                self.request_body(found)
            }
        }
    }

    fn response(&self, r: &'a ReferenceOr<Response>) -> Result<&'a Response, String> {
        match r {
            ReferenceOr::Item(r) => Ok(r),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/responses/")
                    .ok_or_else(|| format!("unsupported response reference `{reference}`"))?;
                let found = self
                    .spec
                    .components
                    .as_ref()
                    .and_then(|c| c.responses.get(key))
                    .ok_or_else(|| format!("`{reference}` names no response"))?;
                self.response(found)
            }
        }
    }

    /// Inlines the JSON body's members into the request (or one `body` field when the body is
    /// not an object with properties).
    fn body_fields(
        &mut self,
        body: &'a RequestBody,
        base: &str,
        fields: &mut Vec<RequestField>,
    ) -> Result<(), String> {
        let Some(media) = json_media(&body.content) else {
            return Ok(());
        };
        let Some(schema) = &media.schema else {
            return Ok(());
        };
        let (resolved, _) = self.deref(schema.into())?;
        let shape = self.object_shape(resolved)?;
        if shape.properties.is_empty() {
            let mut field = self.field(
                "body",
                schema.into(),
                base,
                body.required,
                Some((&body.description, &body.extensions)),
            )?;
            field.doc = Doc::from_spec(body.description.as_deref(), "The request body.");
            field.described = true;
            fields.push(RequestField {
                field,
                location: Location::WholeBody,
            });
            return Ok(());
        }
        for (wire, prop) in &shape.properties {
            if let SchemaRef::Inline(s) = prop
                && s.schema_data.read_only
            {
                continue;
            }
            let field = self
                .field(
                    wire,
                    *prop,
                    &format!("{base}Body"),
                    shape.required.contains(wire),
                    None,
                )
                .map_err(|e| format!("property `{wire}`: {e}"))?;
            fields.push(RequestField {
                field,
                location: Location::Body,
            });
        }
        Ok(())
    }

    /// The decoded answer of the first success response.
    fn output(
        &mut self,
        op: &'a SpecOperation,
        base: &str,
        envelope: bool,
    ) -> Result<Option<Ty>, String> {
        let mut success: Vec<(&StatusCode, &'a ReferenceOr<Response>)> = op
            .responses
            .responses
            .iter()
            .filter(|(code, _)| match code {
                StatusCode::Code(c) => (200..300).contains(c),
                StatusCode::Range(r) => *r == 2,
            })
            .collect();
        success.sort_by_key(|(code, _)| match code {
            StatusCode::Code(c) => *c,
            StatusCode::Range(_) => 299,
        });
        let response = match success.first() {
            Some((_, r)) => Some(*r),
            None => op.responses.default.as_ref(),
        };
        let Some(response) = response else {
            return Ok(None);
        };
        let response = self.response(response)?;
        let Some(media) = json_media(&response.content) else {
            return Ok(None);
        };
        let Some(schema) = &media.schema else {
            return Ok(Some(Ty::Json));
        };
        let ty = if envelope {
            let (resolved, _) = self.deref(schema.into())?;
            let shape = self.object_shape(resolved)?;
            match shape.properties.iter().find(|(wire, _)| wire == "data") {
                Some((_, data)) => self.ty_of(*data, &format!("{base}Data"))?,
                None => {
                    return Err(
                        "`x-envelope: aloha` but the response schema has no `data` property"
                            .to_owned(),
                    );
                }
            }
        } else {
            self.ty_of(schema.into(), &format!("{base}Response"))?
        };

        // Response examples are examples of the records they hold.
        let mut examples: Vec<&Value> = media.example.iter().collect();
        for example in media.examples.values() {
            if let ReferenceOr::Item(example) = example
                && let Some(value) = &example.value
            {
                examples.push(value);
            }
        }
        for example in examples {
            let value = if envelope {
                match example.get("data") {
                    Some(data) => data,
                    None => continue,
                }
            } else {
                example
            };
            match (&ty, value) {
                (Ty::Struct(model), Value::Object(_)) => {
                    self.examples
                        .entry(model.clone())
                        .or_default()
                        .push(value.clone());
                }
                (Ty::List(inner), Value::Array(items)) => {
                    if let Ty::Struct(model) = inner.as_ref() {
                        let entry = self.examples.entry(model.clone()).or_default();
                        entry.extend(items.iter().filter(|v| v.is_object()).cloned());
                    }
                }
                _ => {}
            }
        }
        Ok(Some(ty))
    }
}

static ANY_SCHEMA: std::sync::LazyLock<Schema> = std::sync::LazyLock::new(|| Schema {
    schema_data: Default::default(),
    schema_kind: SchemaKind::Any(Default::default()),
});

fn location_of(p: &Parameter) -> u8 {
    match p {
        Parameter::Path { .. } => 0,
        Parameter::Query { .. } => 1,
        Parameter::Header { .. } => 2,
        Parameter::Cookie { .. } => 3,
    }
}

fn component_key(reference: &str) -> Result<&str, String> {
    reference
        .strip_prefix(SCHEMA_PREFIX)
        .ok_or_else(|| format!("unsupported schema reference `{reference}`"))
}

fn is_integer_format(format: &str) -> bool {
    matches!(format, "long" | "int64" | "int32" | "integer" | "int")
}

fn string_ty(format: Option<&str>, ext: &indexmap::IndexMap<String, Value>) -> Result<Ty, String> {
    match ext.get("x-wire-format") {
        Some(Value::String(f)) if f == "mm-dd-yyyy" => return Ok(Ty::UsDate),
        Some(Value::String(f)) if f == "hh:mm tt" => return Ok(Ty::Clock),
        Some(other) => return Err(format!("unknown `x-wire-format` {other}")),
        None => {}
    }
    Ok(match format {
        Some("date") => Ty::IsoDate,
        Some("date-time") => Ty::Timestamp,
        Some("password") => Ty::Secret,
        _ => Ty::Str,
    })
}

/// The `application/json` media type, or the first one with a schema.
fn json_media(
    content: &indexmap::IndexMap<String, openapiv3::MediaType>,
) -> Option<&openapiv3::MediaType> {
    content
        .iter()
        .find(|(k, _)| k.starts_with("application/json"))
        .or_else(|| content.iter().find(|(k, _)| k.contains("json")))
        .or_else(|| content.iter().find(|(_, m)| m.schema.is_some()))
        .or_else(|| content.first())
        .map(|(_, m)| m)
}

/// `x-assumption` as a list of texts.
fn assumptions(ext: &indexmap::IndexMap<String, Value>) -> Vec<String> {
    match ext.get("x-assumption") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(other) => vec![other.to_string()],
        None => Vec::new(),
    }
}

/// The `{name}` segments of a path template, in order.
pub fn path_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    out
}
