//! Operations: each path and method with its parameters (path item's and operation's,
//! `$ref`s resolved), its JSON body's members, and the type of its first success answer.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;

use openapiv3::{
    Operation as SpecOperation, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody,
    Response, StatusCode,
};
use serde_json::Value;

use super::super::docs::Doc;
use super::super::ir::{Location, Operation, RequestField, Ty};
use super::super::names;
use super::extensions;
use super::reader::Reader;
use super::refs::{self, RefOr};
use super::schemas::ANY_SCHEMA;

impl<'a> Reader<'a> {
    /// Every operation, in spec order, with names made unique.
    pub fn operations(&mut self) -> Result<Vec<Operation>, String> {
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
        doc.assumptions(&extensions::assumptions(ext));
        if op.deprecated {
            doc.own("Deprecated by the vendor.");
        }
        doc.own(&format!("`{} {path}`", method.to_uppercase()));

        // Parameters: the path item's, overridden by the operation's.
        let mut params: Vec<&'a Parameter> = Vec::new();
        for p in shared_params.iter().chain(&op.parameters) {
            let p = refs::resolve(self.spec, p)?;
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
                        RefOr::Item(&ANY_SCHEMA),
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
                    self.field(&segment, RefOr::Item(&ANY_SCHEMA), &base, true, None)?;
                field.ty = Ty::Str;
                fields.push(RequestField {
                    field,
                    location: Location::Path,
                });
            }
        }

        if let Some(body) = &op.request_body {
            let body = refs::resolve(self.spec, body)?;
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

        let exactly_one = extensions::exactly_one_of(ext)?;
        for name in exactly_one.iter().flatten() {
            if !wire_names.contains(name.as_str()) {
                return Err(format!(
                    "`x-exactly-one-of` names `{name}`, which is not a parameter"
                ));
            }
        }

        let payload = extensions::payload(ext)?;
        let output = self.output(op, &base, payload.as_deref())?;

        let idempotent = extensions::idempotent(ext, method)?;
        let range_rows = extensions::range_rows(ext)?;
        let client_method = extensions::client_method(ext)?;
        for arg in client_method.iter().flat_map(|m| &m.args) {
            if !wire_names.contains(arg.as_str()) {
                return Err(format!(
                    "`x-client-method` of `{name}` takes `{arg}`, which is not a parameter"
                ));
            }
        }
        let authenticated = if extensions::is_auth(ext) {
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
            payload,
            range_rows,
            client_method,
        })
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
        let resolved = refs::resolve(self.spec, schema)?;
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
            if let RefOr::Item(s) = prop
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
        payload: Option<&str>,
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
        let response = refs::resolve(self.spec, response)?;
        let Some(media) = json_media(&response.content) else {
            return Ok(None);
        };
        let Some(schema) = &media.schema else {
            return Ok(Some(Ty::Json));
        };
        let ty = if let Some(member) = payload {
            let resolved = refs::resolve(self.spec, schema)?;
            let shape = self.object_shape(resolved)?;
            match shape.properties.iter().find(|(wire, _)| wire == member) {
                Some((_, data)) => {
                    self.ty_of(*data, &format!("{base}{}", member.to_upper_camel_case()))?
                }
                None => {
                    return Err(format!(
                        "`x-payload: {member}` but the response schema has no `{member}` property"
                    ));
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
            let value = if let Some(member) = payload {
                match example.get(member) {
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

fn location_of(p: &Parameter) -> u8 {
    match p {
        Parameter::Path { .. } => 0,
        Parameter::Query { .. } => 1,
        Parameter::Header { .. } => 2,
        Parameter::Cookie { .. } => 3,
    }
}
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
fn path_params(path: &str) -> Vec<String> {
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
