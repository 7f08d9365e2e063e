//! The merge: the vendor's official document as the base, our `x-…` extensions laid over it
//! wherever the same node exists, a 3.1 document brought to the 3.0 our generator reads, and
//! the extensions the generator requires defaulted on operations that only the official file
//! has.

use serde_yaml::Value;

/// What the merge did besides copying: notes for the report.
#[derive(Debug, Default)]
pub struct MergeNotes {
    /// Our extensions copied onto the official document, by place.
    pub kept: Vec<String>,
    /// Our extensions whose node the official document lacks: dropped.
    pub dropped: Vec<String>,
    /// What was changed to read a 3.1 document as 3.0, and defaults added.
    pub adjusted: Vec<String>,
}

/// The merged document.
pub fn merge(official: &Value, ours: &Value) -> (Value, MergeNotes) {
    let mut merged = official.clone();
    let mut notes = MergeNotes::default();
    if version(official).starts_with("3.1") {
        to_3_0(&mut merged, "", &mut notes);
        if let Some(map) = merged.as_mapping_mut() {
            map.insert("openapi".into(), "3.0.3".into());
            for key in ["jsonSchemaDialect", "webhooks"] {
                if map.remove(key).is_some() {
                    notes.adjusted.push(format!("dropped the 3.1-only `{key}`"));
                }
            }
        }
        notes
            .adjusted
            .push("read as OpenAPI 3.0.3 (from 3.1)".into());
    }
    overlay(&mut merged, ours, "", &mut notes);
    default_idempotence(&mut merged, &mut notes);
    (merged, notes)
}

/// The document's `openapi` version.
pub fn version(doc: &Value) -> String {
    match doc.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Copies every `x-…` member of `ours` onto the node at the same place in `merged`.
fn overlay(merged: &mut Value, ours: &Value, place: &str, notes: &mut MergeNotes) {
    let Some(our_map) = ours.as_mapping() else {
        return;
    };
    for (key, value) in our_map {
        let Some(name) = key.as_str() else { continue };
        let here = format!("{place}/{name}");
        if name.starts_with("x-") {
            if let Some(map) = merged.as_mapping_mut()
                && map.get(key) != Some(value)
            {
                map.insert(key.clone(), value.clone());
                notes.kept.push(here);
            }
            continue;
        }
        match merged.as_mapping_mut().and_then(|m| m.get_mut(key)) {
            Some(child) => overlay(child, value, &here, notes),
            None => collect_dropped(value, &here, notes),
        }
    }
}

/// Our extensions under a node the official document lacks.
fn collect_dropped(ours: &Value, place: &str, notes: &mut MergeNotes) {
    let Some(map) = ours.as_mapping() else { return };
    for (key, value) in map {
        let Some(name) = key.as_str() else { continue };
        let here = format!("{place}/{name}");
        if name.starts_with("x-") {
            notes.dropped.push(here);
        } else {
            collect_dropped(value, &here, notes);
        }
    }
}

/// 3.1 → 3.0: `type: [T, "null"]` becomes `type: T` with `nullable: true`; a schema's
/// `examples` list becomes its first `example`.
fn to_3_0(node: &mut Value, place: &str, notes: &mut MergeNotes) {
    match node {
        Value::Mapping(map) => {
            if let Some(Value::Sequence(types)) = map.get("type").cloned() {
                let non_null: Vec<Value> = types
                    .iter()
                    .filter(|t| t.as_str() != Some("null"))
                    .cloned()
                    .collect();
                if non_null.len() == 1 {
                    map.insert("type".into(), non_null[0].clone());
                    if non_null.len() < types.len() {
                        map.insert("nullable".into(), true.into());
                    }
                    notes
                        .adjusted
                        .push(format!("{place}: a type list read as one type"));
                }
            }
            if map.contains_key("type")
                && let Some(Value::Sequence(examples)) = map.get("examples").cloned()
            {
                map.remove("examples");
                if let Some(first) = examples.first() {
                    map.insert("example".into(), first.clone());
                }
            }
            let keys: Vec<Value> = map.keys().cloned().collect();
            for key in keys {
                let here = format!("{place}/{}", key.as_str().unwrap_or("?"));
                if let Some(child) = map.get_mut(&key) {
                    to_3_0(child, &here, notes);
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                to_3_0(item, &format!("{place}/{i}"), notes);
            }
        }
        _ => {}
    }
}

/// The generator needs `x-idempotent` on every operation: a GET the official file adds is
/// idempotent; any other new operation is not (never retried) until someone says otherwise.
fn default_idempotence(doc: &mut Value, notes: &mut MergeNotes) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_mapping_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_mapping_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(method) = method.as_str() else {
                continue;
            };
            if !METHODS.contains(&method) {
                continue;
            }
            let Some(op) = op.as_mapping_mut() else {
                continue;
            };
            if !op.contains_key("x-idempotent") {
                let idempotent = method == "get";
                op.insert("x-idempotent".into(), idempotent.into());
                notes.adjusted.push(format!(
                    "{} {}: x-idempotent: {idempotent} added ({})",
                    method.to_uppercase(),
                    path.as_str().unwrap_or("?"),
                    if idempotent {
                        "a GET"
                    } else {
                        "not a GET: never retried until reviewed"
                    }
                ));
            }
        }
    }
}

/// The operation methods of a path item.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
