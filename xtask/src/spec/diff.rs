//! Every difference between our spec and the vendor's official one that matters to the
//! generated client: operations added, removed or moved, parameters, request bodies, schema
//! properties and their types, required fields; and which of our assumptions the official
//! file settles.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::merge::METHODS;

/// One operation: `GET /v1/payments/{paymentId}` and its node.
struct Operation<'a> {
    method: String,
    path: String,
    node: &'a Value,
}

impl Operation<'_> {
    fn name(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn id(&self) -> Option<&str> {
        self.node.get("operationId").and_then(Value::as_str)
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_mapping) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(node) = item.get(method) {
                    out.push(Operation {
                        method: method.to_owned(),
                        path: path.as_str().unwrap_or("?").to_owned(),
                        node,
                    });
                }
            }
        }
    }
    out
}

/// Follows a local `$ref` (one level is enough for parameters and bodies).
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/")
            .map(|p| p.split('/').try_fold(doc, |n, key| n.get(key)))
            .and_then(|n| n)
            .unwrap_or(node),
        None => node,
    }
}

/// A schema's type in words: `integer int64`, `string date`, `$ref Payment`, `array of X`.
fn type_words(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return format!("$ref {}", reference.rsplit('/').next().unwrap_or(reference));
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Sequence(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        _ => "any".into(),
    };
    if kind == "array" {
        let items = schema
            .get("items")
            .map(type_words)
            .unwrap_or_else(|| "any".into());
        return format!("array of {items}");
    }
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{kind} {format}"),
        None => kind,
    }
}

fn parameters<'a>(doc: &'a Value, op: &'a Value) -> BTreeMap<String, &'a Value> {
    op.get("parameters")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let place = p.get("in")?.as_str()?;
            Some((format!("{place} {name}"), p))
        })
        .collect()
}

fn body_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<(String, &'a Value)> {
    let body = resolve(doc, op.get("requestBody")?);
    let (media, content) = body.get("content")?.as_mapping()?.iter().next()?;
    Some((
        media.as_str()?.to_owned(),
        resolve(doc, content.get("schema")?),
    ))
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn properties(schema: &Value) -> BTreeMap<String, &Value> {
    schema
        .get("properties")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v)))
        .collect()
}

/// Differences of two object schemas' properties and required lists, as lines under `what`.
fn schema_differences(ours: &Value, theirs: &Value, what: &str, out: &mut Vec<String>) {
    let (a, b) = (properties(ours), properties(theirs));
    for name in b.keys().filter(|k| !a.contains_key(*k)) {
        out.push(format!(
            "{what}: property {name} added ({})",
            type_words(b[name])
        ));
    }
    for name in a.keys().filter(|k| !b.contains_key(*k)) {
        if !b.is_empty() {
            out.push(format!("{what}: property {name} removed"));
        }
    }
    for (name, ours_prop) in &a {
        if let Some(theirs_prop) = b.get(name) {
            let (x, y) = (type_words(ours_prop), type_words(theirs_prop));
            if x != y {
                out.push(format!("{what}: property {name} type {x} -> {y}"));
            }
        }
    }
    let (ra, rb) = (required(ours), required(theirs));
    for name in rb.difference(&ra) {
        out.push(format!("{what}: {name} now required"));
    }
    for name in ra.difference(&rb) {
        out.push(format!("{what}: {name} no longer required"));
    }
}

/// Every difference, one line each, in a stable order.
pub fn differences(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let (a, b) = (operations(ours), operations(theirs));
    let by_id = |ops: &[Operation<'_>], id: &str| ops.iter().position(|o| o.id() == Some(id));
    let mut matched = Vec::new();
    for op in &a {
        let same = b
            .iter()
            .position(|o| o.method == op.method && o.path == op.path);
        let moved = op.id().and_then(|id| by_id(&b, id));
        match (same, moved) {
            (Some(i), _) => matched.push((op, &b[i])),
            (None, Some(i)) => {
                out.push(format!(
                    "operation {} moved: {} -> {}",
                    op.id().unwrap_or("?"),
                    op.name(),
                    b[i].name()
                ));
                matched.push((op, &b[i]));
            }
            (None, None) => out.push(format!(
                "operation removed: {} ({})",
                op.name(),
                op.id().unwrap_or("no operationId")
            )),
        }
    }
    for op in &b {
        if !matched
            .iter()
            .any(|(_, t)| t.method == op.method && t.path == op.path)
        {
            out.push(format!(
                "operation added: {} ({})",
                op.name(),
                op.id().unwrap_or("no operationId")
            ));
        }
    }
    for (x, y) in &matched {
        let what = x.id().unwrap_or("?").to_owned();
        let (pa, pb) = (parameters(ours, x.node), parameters(theirs, y.node));
        for name in pb.keys().filter(|k| !pa.contains_key(*k)) {
            out.push(format!("{what}: parameter {name} added"));
        }
        for name in pa.keys().filter(|k| !pb.contains_key(*k)) {
            out.push(format!("{what}: parameter {name} removed"));
        }
        for (name, p) in &pa {
            let Some(q) = pb.get(name) else { continue };
            let req = |p: &Value| p.get("required").and_then(Value::as_bool).unwrap_or(false);
            if req(p) != req(q) {
                out.push(format!(
                    "{what}: parameter {name} required {} -> {}",
                    req(p),
                    req(q)
                ));
            }
            let ty = |doc, p: &Value| {
                p.get("schema")
                    .map(|s| type_words(resolve(doc, s)))
                    .unwrap_or_default()
            };
            if ty(ours, p) != ty(theirs, q) {
                out.push(format!(
                    "{what}: parameter {name} type {} -> {}",
                    ty(ours, p),
                    ty(theirs, q)
                ));
            }
        }
        match (body_schema(ours, x.node), body_schema(theirs, y.node)) {
            (Some((ma, sa)), Some((mb, sb))) => {
                if ma != mb {
                    out.push(format!("{what}: request body {ma} -> {mb}"));
                }
                schema_differences(sa, sb, &format!("{what} body"), &mut out);
            }
            (None, Some((mb, _))) => out.push(format!("{what}: request body added ({mb})")),
            (Some(_), None) => out.push(format!("{what}: request body removed")),
            (None, None) => {}
        }
    }
    let (sa, sb) = (ours.pointer_schemas(), theirs.pointer_schemas());
    for name in sb.keys().filter(|k| !sa.contains_key(*k)) {
        out.push(format!("schema added: {name}"));
    }
    for name in sa.keys().filter(|k| !sb.contains_key(*k)) {
        out.push(format!(
            "schema removed: {name} (our extensions on it are dropped)"
        ));
    }
    for (name, x) in &sa {
        if let Some(y) = sb.get(name) {
            let (tx, ty) = (type_words(x), type_words(y));
            if tx != ty {
                out.push(format!("schema {name}: type {tx} -> {ty}"));
            }
            schema_differences(x, y, &format!("schema {name}"), &mut out);
        }
    }
    out
}

trait Schemas {
    fn pointer_schemas(&self) -> BTreeMap<String, Value>;
}

impl Schemas for Value {
    fn pointer_schemas(&self) -> BTreeMap<String, Value> {
        self.get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.clone())))
            .collect()
    }
}

/// Where each of our Aerona assumptions lives, and what in the official file settles it.
enum Settles {
    /// An operation (by id, in ours): settled when the official file has it, anywhere.
    Operation(&'static str),
    /// Schemas: settled when the official file gives them properties.
    Properties(&'static [&'static str]),
    /// Schemas' property types: settled when the official file types them.
    Types(&'static [&'static str]),
    /// Not something an OpenAPI document says.
    Never(&'static str),
}

const AERONA: [(&str, &str, Settles); 11] = [
    (
        "A1",
        "the login's method, path and body",
        Settles::Operation("login"),
    ),
    (
        "A2",
        "the error body",
        Settles::Properties(&["AeronaError"]),
    ),
    (
        "A3",
        "webhook payloads",
        Settles::Properties(&["PatientEvent", "AppointmentEvent", "TreatmentEvent"]),
    ),
    (
        "A4",
        "update appointment status's method and path",
        Settles::Operation("updateAppointmentStatus"),
    ),
    (
        "A5",
        "create appointment's method and path",
        Settles::Operation("createAppointment"),
    ),
    (
        "A6",
        "slot, appointment type and clinician fields",
        Settles::Properties(&["Slot", "AppointmentType", "Clinician"]),
    ),
    (
        "A7",
        "the patient's fields beyond the sample",
        Settles::Properties(&["Patient"]),
    ),
    (
        "A8",
        "the rate limit",
        Settles::Never("a rate limit is not part of an OpenAPI document"),
    ),
    (
        "A12",
        "Invoice discount (a rate or an amount)",
        Settles::Types(&["Invoice"]),
    ),
    (
        "A14",
        "record field types read from samples",
        Settles::Types(&["Payment", "Invoice", "Patient"]),
    ),
    (
        "A15",
        "what a search returns for a range",
        Settles::Never("range semantics are prose, not schema"),
    ),
];

/// One line per assumption: `A1 settled: …` or `A8 not settled: …`.
pub fn assumptions(ours: &Value, theirs: &Value) -> Vec<String> {
    let ops = operations(theirs);
    let our_ops = operations(ours);
    let schemas = theirs.pointer_schemas();
    AERONA
        .iter()
        .map(|(id, what, settles)| match settles {
            Settles::Operation(op_id) => {
                let ours = our_ops
                    .iter()
                    .find(|o| o.id() == Some(op_id))
                    .map(Operation::name);
                match ops.iter().find(|o| o.id() == Some(op_id)) {
                    Some(op) => {
                        let body = body_schema(theirs, op.node)
                            .map(|(m, _)| format!(", body {m}"))
                            .unwrap_or_default();
                        let verdict = if ours.as_deref() == Some(op.name().as_str()) {
                            "as assumed"
                        } else {
                            "differs from ours"
                        };
                        format!("{id} settled ({what}): {}{body} — {verdict}", op.name())
                    }
                    None => format!(
                        "{id} not settled ({what}): no operation {op_id} in the official file"
                    ),
                }
            }
            Settles::Properties(names) => {
                let typed: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| schemas.get(*n).is_some_and(|s| !properties(s).is_empty()))
                    .collect();
                if typed.is_empty() {
                    format!(
                        "{id} not settled ({what}): the official file describes none of {}",
                        names.join(", ")
                    )
                } else {
                    format!(
                        "{id} settled ({what}): the official file describes {}",
                        typed.join(", ")
                    )
                }
            }
            Settles::Types(names) => {
                let typed: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| {
                        schemas.get(*n).is_some_and(|s| {
                            properties(s)
                                .values()
                                .any(|p| p.get("type").is_some() || p.get("$ref").is_some())
                        })
                    })
                    .collect();
                if typed.is_empty() {
                    format!(
                        "{id} not settled ({what}): no typed {} in the official file",
                        names.join(", ")
                    )
                } else {
                    format!(
                        "{id} settled ({what}): the official file types {} (differences above)",
                        typed.join(", ")
                    )
                }
            }
            Settles::Never(why) => format!("{id} not settled ({what}): {why}"),
        })
        .collect()
}
