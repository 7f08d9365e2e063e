//! One field of a struct or request, from a property or parameter: its Rust name and type,
//! its docs, and its checks.

use heck::ToUpperCamelCase;

use super::super::docs::Doc;
use super::super::ir::{Field, Ty};
use super::super::names;
use super::constraints;
use super::extensions::{self, Extensions};
use super::reader::Reader;
use super::refs::{self, RefOr};
use super::schemas::SchemaRef;

impl<'a> Reader<'a> {
    /// A field from a property or parameter schema. `outer` carries the parameter's own
    /// description and extensions, which come before the schema's.
    pub fn field(
        &mut self,
        wire: &str,
        schema: SchemaRef<'a>,
        parent: &str,
        required: bool,
        outer: Option<(&'a Option<String>, &'a Extensions)>,
    ) -> Result<Field, String> {
        let hint = format!("{parent}{}", wire.to_upper_camel_case());
        let ty = self.ty_of(schema, &hint)?;
        let inline = schema.inline();
        let empty = Extensions::new();
        let schema_ext = inline.map_or(&empty, |s| &s.schema_data.extensions);
        let outer_ext = outer.map_or(&empty, |(_, e)| e);
        // A referenced schema's own constraints apply wherever it is used.
        let target_ext = match schema {
            RefOr::Ref(_) => {
                refs::resolve(self.spec, schema).map_or(&empty, |s| &s.schema_data.extensions)
            }
            RefOr::Item(_) => &empty,
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
            Some(value) => extensions::rust_name(value)?,
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

        let checks = constraints::checks(&ty, ext, inline, &mut notes)?;
        if inline.is_some_and(|s| s.schema_data.deprecated) {
            notes.push("Deprecated by the vendor.".to_owned());
        }
        if !notes.is_empty() {
            doc.own(&notes.join(" "));
        }
        let mut all_assumptions = extensions::assumptions(outer_ext);
        all_assumptions.extend(extensions::assumptions(schema_ext));
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
}
