//! `cargo xtask spec import <vendor> FILE [--out PATH]`: adopt the vendor's official OpenAPI
//! document (JSON or YAML, 3.0 or 3.1). The official file becomes the base, our `x-…`
//! extensions are laid over it where the same node exists, and the result is written to the
//! vendor crate's `openapi.yaml` (or `--out`). Every difference that matters to the generated
//! client is printed — operations added, removed or moved, parameters, request bodies, types,
//! required fields — with the extensions kept and dropped, and which of our assumptions the
//! official file settles. Then: review, `cargo xtask codegen`, and correct docs/assumptions.md.

mod diff;
mod merge;

use std::path::{Path, PathBuf};

use serde_yaml::Value;

/// Runs `spec …`.
pub fn run(args: &[String]) -> Result<(), String> {
    let usage = "usage: cargo xtask spec import aloha|aerona FILE [--out PATH]";
    let (vendor, file, out) = match args {
        [cmd, vendor, file] if cmd == "import" => (vendor, file, None),
        [cmd, vendor, file, flag, out] if cmd == "import" && flag == "--out" => {
            (vendor, file, Some(PathBuf::from(out)))
        }
        _ => return Err(usage.to_owned()),
    };
    let ours_path = match vendor.as_str() {
        "aloha" | "aerona" => {
            crate::workspace_root().join(format!("crates/{vendor}-api/openapi.yaml"))
        }
        other => return Err(format!("unknown vendor {other:?}; {usage}")),
    };
    let report = import(
        &ours_path,
        Path::new(file),
        out.as_deref().unwrap_or(&ours_path),
        vendor == "aerona",
    )?;
    print!("{report}");
    Ok(())
}

/// Reads both documents, writes the merged one to `out`, and returns the report.
pub fn import(
    ours_path: &Path,
    official_path: &Path,
    out: &Path,
    aerona: bool,
) -> Result<String, String> {
    let read = |path: &Path| -> Result<Value, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("could not read {}: {e}", path.display()))?;
        // YAML 1.2 reads JSON as well.
        serde_yaml::from_str(&text)
            .map_err(|e| format!("{} is neither JSON nor YAML: {e}", path.display()))
    };
    let ours = read(ours_path)?;
    let official = read(official_path)?;
    let version = merge::version(&official);
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        return Err(format!(
            "{} is not an OpenAPI 3.0 or 3.1 document (openapi: {version:?})",
            official_path.display()
        ));
    }
    let (merged, notes) = merge::merge(&official, &ours);
    let yaml = serde_yaml::to_string(&merged)
        .map_err(|e| format!("could not write the merged spec: {e}"))?;
    let header = format!(
        "# Merged by `cargo xtask spec import` from the vendor's official OpenAPI {version} document\n# ({}), with this project's `x-…` extensions laid over it (docs/codegen.md).\n",
        official_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
    );
    std::fs::write(out, header + &yaml)
        .map_err(|e| format!("could not write {}: {e}", out.display()))?;

    let mut report = format!(
        "wrote {}\n\nDifferences (ours -> official):\n",
        out.display()
    );
    let differences = diff::differences(&ours, &official);
    if differences.is_empty() {
        report.push_str("  none\n");
    }
    for line in differences {
        report.push_str(&format!("  {line}\n"));
    }
    report.push_str(&format!("\nOur extensions: {} kept", notes.kept.len()));
    if notes.dropped.is_empty() {
        report.push_str(", none dropped\n");
    } else {
        report.push_str(&format!(
            ", {} dropped (their node is not in the official file):\n",
            notes.dropped.len()
        ));
        for place in &notes.dropped {
            report.push_str(&format!("  {place}\n"));
        }
    }
    for line in &notes.adjusted {
        report.push_str(&format!("  adjusted: {line}\n"));
    }
    if aerona {
        report.push_str("\nAssumptions (docs/assumptions.md):\n");
        for line in diff::assumptions(&ours, &official) {
            report.push_str(&format!("  {line}\n"));
        }
    }
    report.push_str("\nNext: review the merged spec, run `cargo xtask codegen`, and update docs/assumptions.md.\n");
    Ok(report)
}

#[cfg(test)]
mod tests;
