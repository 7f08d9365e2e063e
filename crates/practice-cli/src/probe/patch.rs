//! `--spec-patch`: a unified diff of the vendor's `openapi.yaml` that corrects what the probe
//! contradicted — a property's type or format, the fields the spec lacks (scalars, in schemas
//! that name their properties), and the auth path — for `git apply` then
//! `cargo xtask codegen`. The spec is edited as text, line by line, so that the diff touches
//! only what changes.

use std::collections::BTreeMap;

use super::fields::FieldFinding;
use super::report::{Fix, Report};

/// The fixes the field findings call for, in words.
pub fn field_fixes(findings: &[FieldFinding], spec_path: &str) -> Vec<Fix> {
    let mut fixes: Vec<Fix> = findings
        .iter()
        .filter(|f| f.is_mismatch())
        .map(|f| Fix {
            about: format!("{}.{}", f.schema, f.field),
            set: None,
            action: format!(
                "{} row(s) carry {} where the spec says {}: correct components.schemas.{}.properties.{} in {spec_path} (--spec-patch writes it)",
                f.count, f.seen, f.documented, f.schema, f.field
            ),
        })
        .collect();
    let mut absent: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.is_mismatch()) {
        absent.entry(&f.schema).or_default().push(&f.field);
    }
    for (schema, names) in absent {
        fixes.push(Fix {
            about: schema.to_owned(),
            set: None,
            action: format!(
                "{} field(s) the spec lacks ({}), kept as received: describe them in components.schemas.{schema} (--spec-patch adds the scalar ones of a typed schema)",
                names.len(),
                names.join(", ")
            ),
        });
    }
    fixes
}

/// The diff for `report` against `spec` (the text of `spec_path`). Empty when nothing needs
/// correcting.
pub fn spec_patch(spec: &str, spec_path: &str, report: &Report) -> Result<String, String> {
    let edited = corrected(spec, report);
    if edited == spec {
        return Ok(String::new());
    }
    if let Err(err) = serde_yaml::from_str::<serde_yaml::Value>(&edited) {
        return Err(format!(
            "the corrected spec would not be YAML ({err}); no patch written"
        ));
    }
    let diff = similar::TextDiff::from_lines(spec, &edited);
    Ok(diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{spec_path}"), &format!("b/{spec_path}"))
        .to_string())
}

/// `spec` with the corrections `report` calls for.
fn corrected(spec: &str, report: &Report) -> String {
    let mut lines: Vec<String> = spec.lines().map(str::to_owned).collect();
    // One change per field: the form most rows showed.
    let mut changes: BTreeMap<(&str, &str), &FieldFinding> = BTreeMap::new();
    for f in &report.fields {
        let key = (f.schema.as_str(), f.field.as_str());
        if changes.get(&key).is_none_or(|old| old.count < f.count) {
            changes.insert(key, f);
        }
    }
    for ((schema, field), finding) in changes {
        let Some(block) = schema_block(&lines, schema) else {
            continue;
        };
        if finding.is_mismatch() {
            retype(&mut lines, block, field, &finding.seen);
        } else {
            add_field(&mut lines, block, field, &finding.seen);
        }
    }
    for fix in &report.fixes {
        let Some(set) = &fix.set else { continue };
        for assignment in set.split_whitespace() {
            let (name, path) = assignment.split_once('=').unwrap_or(("", ""));
            let operation = match name {
                "ALOHA_TOKEN_PATH" => "postToken",
                "AERONA_LOGIN_PATH" => "login",
                _ => continue,
            };
            move_path(&mut lines, operation, path);
        }
    }
    let mut edited = lines.join("\n");
    if spec.ends_with('\n') {
        edited.push('\n');
    }
    edited
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The line range of `components.schemas.<schema>.properties`' entries: (first, end).
fn schema_block(lines: &[String], schema: &str) -> Option<(usize, usize)> {
    let schemas = lines.iter().position(|l| l == "  schemas:")?;
    let start = lines[schemas..]
        .iter()
        .position(|l| l.trim_end() == format!("    {schema}:"))?
        + schemas;
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.trim().is_empty() && indent(l) <= 4)
        .map_or(lines.len(), |i| i + start + 1);
    let props = lines[start..end]
        .iter()
        .position(|l| l.trim_end() == "      properties:")?
        + start;
    let props_end = lines[props + 1..end]
        .iter()
        .position(|l| !l.trim().is_empty() && indent(l) <= 6)
        .map_or(end, |i| i + props + 1);
    Some((props + 1, props_end))
}

/// The JSON type and format a `seen` description stands for.
fn seen_type(seen: &str) -> (&str, Option<&str>) {
    match seen.split_once(' ') {
        Some(("string", "date")) => ("string", Some("format: date")),
        Some(("string", "date-time")) => ("string", Some("format: date-time")),
        Some(("string", "mm-dd-yyyy")) => ("string", Some("x-wire-format: mm-dd-yyyy")),
        Some(("string", "hh:mm tt")) => ("string", Some("x-wire-format: \"hh:mm tt\"")),
        Some(("string", _)) => ("string", None),
        _ => (seen, None),
    }
}

/// Keys that say how a value of the old type is read, dropped when the type changes.
const TYPE_KEYS: [&str; 4] = ["format", "x-wire-format", "x-money", "x-max-digits"];

fn retype(lines: &mut Vec<String>, (first, end): (usize, usize), field: &str, seen: &str) {
    let (kind, format) = seen_type(seen);
    let head = format!("        {field}:");
    let Some(at) = (first..end).find(|&i| lines[i].starts_with(&head)) else {
        return;
    };
    let rest = lines[at][head.len()..].trim().to_owned();
    if let Some(inner) = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        // Flow style: `{ type: integer, format: int64, description: … }`.
        if inner.contains("$ref") {
            return;
        }
        let mut entries: Vec<String> = split_entries(inner)
            .into_iter()
            .filter(|e| !TYPE_KEYS.iter().any(|k| e.starts_with(&format!("{k}:"))))
            .map(|e| {
                if e.starts_with("type:") {
                    format!("type: {kind}")
                } else {
                    e
                }
            })
            .collect();
        if let Some(format) = format {
            entries.insert(1.min(entries.len()), format.to_owned());
        }
        lines[at] = format!("{head} {{ {} }}", entries.join(", "));
        return;
    }
    // Block style: the property's own lines, indented 10.
    let stop = (at + 1..end)
        .find(|&i| !lines[i].trim().is_empty() && indent(&lines[i]) <= 8)
        .unwrap_or(end);
    let mut body: Vec<String> = lines[at + 1..stop]
        .iter()
        .filter(|l| {
            !(indent(l) == 10
                && TYPE_KEYS
                    .iter()
                    .any(|k| l.trim_start().starts_with(&format!("{k}:"))))
        })
        .map(|l| {
            if indent(l) == 10 && l.trim_start().starts_with("type:") {
                format!("          type: {kind}")
            } else {
                l.clone()
            }
        })
        .collect();
    if let Some(format) = format {
        let after = body
            .iter()
            .position(|l| l.trim_start().starts_with("type:"))
            .map_or(0, |i| i + 1);
        body.insert(after, format!("          {format}"));
    }
    lines.splice(at + 1..stop, body);
}

/// `a: 1, b: "x, y", c: d` → its entries, commas inside quotes kept.
fn split_entries(inner: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => {
                entries.push(current.trim().to_owned());
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        entries.push(current.trim().to_owned());
    }
    entries
}

fn add_field(lines: &mut Vec<String>, (first, end): (usize, usize), field: &str, seen: &str) {
    let (kind, format) = seen_type(seen);
    if !matches!(kind, "string" | "integer" | "number" | "boolean") {
        return; // Objects and arrays stay kept as received: their shape needs a person.
    }
    if (first..end).any(|i| lines[i].starts_with(&format!("        {field}:"))) {
        return;
    }
    let format = format.map(|f| format!("{f}, ")).unwrap_or_default();
    lines.insert(
        end,
        format!(
            "        {field}: {{ type: {kind}, {format}x-source: probe, description: \"Seen by `practice probe`; not in the vendor's documentation.\" }}"
        ),
    );
}

/// Moves the operation `operation_id`'s path item to `path`.
fn move_path(lines: &mut [String], operation_id: &str, path: &str) {
    let Some(op) = lines
        .iter()
        .position(|l| l.trim() == format!("operationId: {operation_id}"))
    else {
        return;
    };
    if let Some(item) = (0..op)
        .rev()
        .find(|&i| indent(&lines[i]) == 2 && lines[i].trim_end().ends_with(':'))
    {
        lines[item] = format!("  {path}:");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::report::Report;

    const SPEC: &str = "paths:\n  /token:\n    post:\n      operationId: postToken\ncomponents:\n  schemas:\n    Client:\n      type: object\n      properties:\n        clientId: { type: integer, description: The id. }\n        officeId: { type: integer, format: int64, description: \"Office, main\" }\n        since:\n          type: string\n          format: date-time\n          description: Since.\n      example:\n        clientId: 1\n    Other:\n      type: object\n";

    fn finding(field: &str, documented: &str, seen: &str) -> FieldFinding {
        FieldFinding {
            schema: "Client".into(),
            field: field.into(),
            documented: documented.into(),
            seen: seen.into(),
            count: 3,
        }
    }

    #[test]
    fn the_patch_retypes_adds_and_moves() {
        let report = Report {
            vendor: "aloha",
            base_url: "x".into(),
            requests: 1,
            assumptions: vec![],
            fields: vec![
                finding("officeId", "integer", "string"),
                finding("since", "string date-time", "string date-time without zone"),
                finding("preferredLanguage", "absent", "string"),
                finding("tags", "absent", "array"),
            ],
            fixes: vec![Fix {
                about: "A16".into(),
                set: Some("ALOHA_TOKEN_PATH=/v1/token".into()),
                action: String::new(),
            }],
        };
        let diff = spec_patch(SPEC, "crates/aloha-api/openapi.yaml", &report).unwrap();
        assert!(
            diff.starts_with(
                "--- a/crates/aloha-api/openapi.yaml\n+++ b/crates/aloha-api/openapi.yaml\n"
            ),
            "{diff}"
        );
        assert!(diff.contains("-  /token:\n+  /v1/token:"), "{diff}");
        assert!(
            diff.contains("+        officeId: { type: string, description: \"Office, main\" }"),
            "{diff}"
        );
        assert!(diff.contains("-          format: date-time"), "{diff}");
        assert!(
            diff.contains("+        preferredLanguage: { type: string, x-source: probe"),
            "{diff}"
        );
        assert!(!diff.contains("tags"), "{diff}");
        // The corrected text is YAML, with the changes where they belong.
        let edited: serde_json::Value = serde_yaml::from_str(&corrected(SPEC, &report)).unwrap();
        let props = &edited["components"]["schemas"]["Client"]["properties"];
        assert_eq!(props["officeId"]["type"], "string");
        assert!(props["officeId"].get("format").is_none());
        assert_eq!(props["since"]["type"], "string");
        assert!(props["since"].get("format").is_none());
        assert_eq!(props["preferredLanguage"]["type"], "string");
        assert!(edited["paths"].get("/v1/token").is_some());
        assert_eq!(
            edited["components"]["schemas"]["Client"]["example"]["clientId"],
            1
        );
    }

    #[test]
    fn nothing_to_correct_is_an_empty_patch() {
        let report = Report {
            vendor: "aloha",
            base_url: "x".into(),
            requests: 1,
            assumptions: vec![],
            fields: vec![],
            fixes: vec![],
        };
        assert_eq!(spec_patch(SPEC, "s.yaml", &report).unwrap(), "");
    }
}
