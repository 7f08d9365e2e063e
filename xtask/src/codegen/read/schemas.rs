//! Schemas into Rust types and models: component schemas become structs, open enumerations
//! and aliases; inline objects and enumerations are hoisted into models named after where
//! they appear.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::super::docs::Doc;
use super::super::ir::{
    AliasModel, EnumModel, EnumRepr, EnumValue, Model, StructModel, Ty, Variant,
};
use super::super::names;
use super::extensions::{self, Extensions};
use super::reader::{Kind, Reader, Reserved};
use super::refs::{self, RefOr};

/// A schema given by reference or inline.
pub type SchemaRef<'a> = RefOr<'a, Schema>;

/// The properties of an object schema, merged over `allOf`.
pub struct ObjectShape<'a> {
    /// Wire name and schema of each property, in spec order.
    pub properties: Vec<(String, SchemaRef<'a>)>,
    /// The wire names of the required properties.
    pub required: BTreeSet<String>,
}

impl<'a> Reader<'a> {
    /// Gives every component schema its Rust name and kind before anything refers to it.
    pub fn reserve_components(&mut self) -> Result<(), String> {
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
            self.components.insert(key.clone(), Reserved { rust, kind });
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

    /// The models of the component schemas, in spec order.
    pub fn component_models(&mut self) -> Result<(), String> {
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
                    doc.assumptions(&extensions::assumptions(&schema.schema_data.extensions));
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
                        doc.assumptions(&extensions::assumptions(extensions));
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

    /// The properties of an object-like schema, merging `allOf` members in order.
    pub fn object_shape(&self, schema: &'a Schema) -> Result<ObjectShape<'a>, String> {
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
                    let member = refs::resolve(self.spec, member)?;
                    self.merge_shape(member, shape, depth + 1)?;
                }
            }
            SchemaKind::Any(a) => {
                for member in &a.all_of {
                    let member = refs::resolve(self.spec, member)?;
                    self.merge_shape(member, shape, depth + 1)?;
                }
                add(shape, &a.properties, &a.required);
            }
            _ => {}
        }
        Ok(())
    }

    /// The Rust type of a schema; inline objects and enumerations become new models named
    /// after `hint`.
    pub fn ty_of(&mut self, schema: SchemaRef<'a>, hint: &str) -> Result<Ty, String> {
        let schema = match schema {
            RefOr::Ref(r) => {
                let key = refs::key::<Schema>(r)?;
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
                        let (_, target) = refs::lookup::<Schema>(self.spec, r)?;
                        let ty = self.ty_of(target.into(), key);
                        self.resolving.remove(key);
                        ty
                    }
                };
            }
            RefOr::Item(schema) => schema,
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
        doc.assumptions(&extensions::assumptions(&schema.schema_data.extensions));
        doc.aliases(extensions::doc_aliases(&schema.schema_data.extensions)?);
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
        let wire_names: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
        let table_columns = extensions::table_columns(&schema.schema_data.extensions, &wire_names)?;
        self.collect_schema_example(&name, schema, &shape);
        self.models.push(Model::Struct(StructModel {
            name,
            doc,
            fields,
            table_columns,
        }));
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
                        RefOr::Item(s) => s
                            .schema_data
                            .example
                            .clone()
                            .map(|example| (wire.clone(), example)),
                        RefOr::Ref(_) => None,
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
        let labels = extensions::enum_names(ext)?;
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
        doc.assumptions(&extensions::assumptions(ext));
        self.models.push(Model::Enum(EnumModel {
            name,
            doc,
            repr,
            variants,
        }));
        Ok(())
    }
}

/// A schema that says nothing, for parameters and path segments given without one.
pub static ANY_SCHEMA: std::sync::LazyLock<Schema> = std::sync::LazyLock::new(|| Schema {
    schema_data: Default::default(),
    schema_kind: SchemaKind::Any(Default::default()),
});
fn is_integer_format(format: &str) -> bool {
    matches!(format, "long" | "int64" | "int32" | "integer" | "int")
}

/// A string's type from its format, unless `x-wire-format` names a vendor format.
fn string_ty(format: Option<&str>, ext: &Extensions) -> Result<Ty, String> {
    if let Some(ty) = extensions::wire_format(ext)? {
        return Ok(ty);
    }
    Ok(match format {
        Some("date") => Ty::IsoDate,
        Some("date-time") => Ty::Timestamp,
        Some("password") => Ty::Secret,
        _ => Ty::Str,
    })
}
