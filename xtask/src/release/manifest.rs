//! The version bump in the root `Cargo.toml`, done line by line so that comments, order and
//! formatting survive: `[workspace.package] version`, and the `version` of every internal
//! `[workspace.dependencies]` entry (one with `path = "crates/…"`).

/// One version that the bump changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where it is, e.g. `[workspace.package] version`.
    pub place: String,
    /// The version before.
    pub from: String,
    /// The version after.
    pub to: String,
}

impl Change {
    /// How the plan shows it.
    pub fn describe(&self) -> String {
        if self.from == self.to {
            format!("{}: already {} (unchanged)", self.place, self.to)
        } else {
            format!("{}: {} -> {}", self.place, self.from, self.to)
        }
    }
}

/// The version in `[workspace.package]`.
pub fn workspace_version(manifest: &str) -> Result<String, String> {
    let mut section = String::new();
    for line in manifest.lines() {
        if let Some(header) = section_header(line) {
            section = header;
        } else if section == "[workspace.package]"
            && let Some((start, end)) = string_value(line, "version")
        {
            return Ok(line[start..end].to_owned());
        }
    }
    Err("Cargo.toml has no `version = \"…\"` under [workspace.package]".into())
}

/// Returns the manifest with the new version, and every change made (one per version string,
/// including those already at `version`, so the plan shows them all).
pub fn bump_workspace_version(
    manifest: &str,
    version: &str,
) -> Result<(String, Vec<Change>), String> {
    let mut section = String::new();
    let mut out = String::with_capacity(manifest.len());
    let mut changes = Vec::new();
    let mut package_version = false;
    for line in manifest.split_inclusive('\n') {
        if let Some(header) = section_header(line) {
            section = header;
            out.push_str(line);
            continue;
        }
        let value = match section.as_str() {
            "[workspace.package]" => string_value(line, "version").inspect(|_| {
                package_version = true;
            }),
            "[workspace.dependencies]" => inline_table(line)
                .filter(|table| {
                    string_value(table, "path")
                        .is_some_and(|(start, end)| table[start..end].starts_with("crates/"))
                })
                .and_then(|table| {
                    let offset = line.len() - table.len();
                    string_value(table, "version")
                        .map(|(start, end)| (offset + start, offset + end))
                }),
            _ => None,
        };
        let Some((start, end)) = value else {
            out.push_str(line);
            continue;
        };
        let place = match section.as_str() {
            "[workspace.package]" => "[workspace.package] version".to_owned(),
            _ => format!("[workspace.dependencies] {}", key_of(line)),
        };
        changes.push(Change {
            place,
            from: line[start..end].to_owned(),
            to: version.to_owned(),
        });
        out.push_str(&line[..start]);
        out.push_str(version);
        out.push_str(&line[end..]);
    }
    if !package_version {
        return Err("Cargo.toml has no `version = \"…\"` under [workspace.package]".into());
    }
    Ok((out, changes))
}

/// `[name]` (comments and spaces dropped) when the line opens a table.
fn section_header(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if !trimmed.starts_with('[') {
        return None;
    }
    let end = trimmed.find(']')?;
    let close = if trimmed.starts_with("[[") {
        end + 2
    } else {
        end + 1
    };
    Some(trimmed[..close.min(trimmed.len())].replace(' ', ""))
}

/// The key of a `key = value` line.
fn key_of(line: &str) -> &str {
    line.split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
}

/// The `{ … }` of `name = { … }`, if the line is one.
fn inline_table(line: &str) -> Option<&str> {
    let (_, value) = line.split_once('=')?;
    let start = line.len() - value.len() + value.find('{')?;
    if !line[line.len() - value.len()..start].trim().is_empty() {
        return None;
    }
    Some(&line[start..])
}

/// The byte range inside the quotes of `key = "value"` in `text`, where `key` starts the text
/// or follows `{`, `,` or whitespace.
fn string_value(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find(key) {
        let at = from + found;
        from = at + key.len();
        let before = text[..at].chars().next_back();
        if !before.is_none_or(|c| c == '{' || c == ',' || c.is_whitespace()) {
            continue;
        }
        let rest = &text[from..];
        let Some(after_eq) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let Some(value) = after_eq.trim_start().strip_prefix('"') else {
            continue;
        };
        let start = text.len() - value.len();
        let end = start + value.find('"')?;
        return Some((start, end));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[workspace]
members = ["crates/*", "xtask"]

[workspace.package]
version = "0.1.0" # every crate inherits this
edition = "2024"

[workspace.dependencies]
# Our crates.
practice-core = { path = "crates/practice-core", version = "0.1.0" }
aloha-api = {version="0.1.0",path="crates/aloha-api"}
local-only = { path = "crates/local-only" }
serde = { version = "1", features = ["derive"] }
tokio-version = { version = "1" }
other-path = { path = "vendor/other", version = "3.0.0" }

[workspace.lints.rust]
unsafe_code = "forbid"
"#;

    #[test]
    fn bumps_the_workspace_and_internal_dependencies_only() {
        let (text, changes) = bump_workspace_version(MANIFEST, "0.2.0-rc.1").unwrap();
        let expected = MANIFEST
            .replace(
                "version = \"0.1.0\" # every",
                "version = \"0.2.0-rc.1\" # every",
            )
            .replace(
                "practice-core\", version = \"0.1.0\"",
                "practice-core\", version = \"0.2.0-rc.1\"",
            )
            .replace("{version=\"0.1.0\",", "{version=\"0.2.0-rc.1\",");
        assert_eq!(text, expected);
        let described: Vec<String> = changes.iter().map(Change::describe).collect();
        assert_eq!(
            described,
            [
                "[workspace.package] version: 0.1.0 -> 0.2.0-rc.1",
                "[workspace.dependencies] practice-core: 0.1.0 -> 0.2.0-rc.1",
                "[workspace.dependencies] aloha-api: 0.1.0 -> 0.2.0-rc.1",
            ]
        );
        assert_eq!(workspace_version(&text).unwrap(), "0.2.0-rc.1");
    }

    #[test]
    fn the_same_version_is_reported_unchanged() {
        let (text, changes) = bump_workspace_version(MANIFEST, "0.1.0").unwrap();
        assert_eq!(text, MANIFEST);
        assert_eq!(changes.len(), 3);
        assert_eq!(
            changes[0].describe(),
            "[workspace.package] version: already 0.1.0 (unchanged)"
        );
    }

    #[test]
    fn refuses_a_manifest_without_a_workspace_version() {
        let manifest =
            "[package]\nversion = \"1.0.0\"\n\n[workspace.package]\nedition = \"2024\"\n";
        assert!(bump_workspace_version(manifest, "2.0.0").is_err());
        assert!(workspace_version(manifest).is_err());
    }
}
