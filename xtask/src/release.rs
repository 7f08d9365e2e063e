//! `cargo xtask release <version> [--dry-run] [--run-checks]`: refuse a dirty tree, bump the
//! workspace version, move the changelog's Unreleased section under the new version, run the
//! checks, commit and tag, then publish the crates in dependency order — skipping versions
//! already on the registry, so a partial publish can be resumed by running it again.
//!
//! `--dry-run` changes nothing, publishes nothing, and prints the plan in order. It lists the
//! checks without running them unless `--run-checks` is given.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::workspace_root;

/// Entry point.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut version = None;
    let mut dry_run = false;
    let mut run_checks = false;
    for arg in args {
        match arg.as_str() {
            "--dry-run" => dry_run = true,
            "--run-checks" => run_checks = true,
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}")),
            v if version.is_none() => version = Some(v.to_owned()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    let version =
        version.ok_or("usage: cargo xtask release <version> [--dry-run] [--run-checks]")?;
    validate_version(&version)?;
    let root = workspace_root();
    let mut plan = Plan { dry_run, step: 0 };

    let dirty = git(&root, &["status", "--porcelain"])?;
    check_clean(&dirty)?;
    plan.say("the working tree is clean");

    let manifest_path = root.join("Cargo.toml");
    let manifest = read(&manifest_path)?;
    let (bumped, changes) = bump_workspace_version(&manifest, &version)?;
    for change in &changes {
        plan.say(&format!("Cargo.toml: {change}"));
    }
    let changelog_path = root.join("CHANGELOG.md");
    let today = today_utc()?;
    let changelog = move_unreleased(&read(&changelog_path)?, &version, &today)?;
    plan.say(&format!(
        "CHANGELOG.md: move [Unreleased] under `## [{version}] - {today}`"
    ));
    if !dry_run {
        write(&manifest_path, &bumped)?;
        write(&changelog_path, &changelog)?;
    }

    for check in CHECKS {
        plan.say(&format!("check: {}", check.join(" ")));
        if !dry_run || run_checks {
            run_command(&root, check)?;
        }
    }
    if dry_run && !run_checks {
        plan.note("(checks listed, not run: add --run-checks to run them in a dry run)");
    }
    match Command::new("cargo").args(["semver-checks", "--version"]).output() {
        Ok(out) if out.status.success() => {
            plan.say("check: cargo semver-checks");
            if !dry_run || run_checks {
                run_command(&root, &["cargo", "semver-checks"])?;
            }
        }
        _ => plan.note(
            "cargo-semver-checks is not installed; skipping the semver check (install with `cargo install cargo-semver-checks`)",
        ),
    }

    plan.say(&format!(
        "git commit -am \"Release {version}\" && git tag v{version}"
    ));
    if !dry_run {
        git(&root, &["commit", "-am", &format!("Release {version}")])?;
        git(&root, &["tag", &format!("v{version}")])?;
    }

    let metadata = command_output(
        &root,
        &["cargo", "metadata", "--format-version", "1", "--no-deps"],
    )?;
    let order = publish_order(&parse_members(&metadata)?)?;
    for name in &order {
        match (on_registry(name, &version), dry_run) {
            (Registry::Present, _) => plan.say(&format!(
                "{name} {version}: already on the registry, {}skip",
                if dry_run { "would " } else { "" }
            )),
            (Registry::Absent, true) => plan.say(&format!("{name} {version}: would publish")),
            (Registry::Unknown, true) => plan.say(&format!(
                "{name} {version}: registry not reachable; would publish"
            )),
            (_, false) => {
                plan.say(&format!("{name} {version}: cargo publish -p {name}"));
                run_command(&root, &["cargo", "publish", "-p", name])?;
            }
        }
    }
    if dry_run {
        println!("\ndry run: nothing was changed or published");
    }
    Ok(())
}

/// The checks a release must pass, in order.
const CHECKS: &[&[&str]] = &[
    &["cargo", "xtask", "codegen", "--check"],
    &["cargo", "fmt", "--all", "--", "--check"],
    &[
        "cargo",
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ],
    &["cargo", "test", "--workspace"],
    &["cargo", "doc", "--workspace", "--no-deps"],
];

struct Plan {
    dry_run: bool,
    step: usize,
}

impl Plan {
    fn say(&mut self, what: &str) {
        self.step += 1;
        let lead = if self.dry_run { "would" } else { "step" };
        println!("{:>2}. [{lead}] {what}", self.step);
    }

    fn note(&self, what: &str) {
        println!("    {what}");
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("could not read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("could not write {}: {e}", path.display()))
}

fn command_output(root: &Path, argv: &[&str]) -> Result<String, String> {
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run {}: {e}", argv.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            argv.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let mut argv = vec!["git"];
    argv.extend_from_slice(args);
    command_output(root, &argv)
}

fn run_command(root: &Path, argv: &[&str]) -> Result<(), String> {
    let mut command = Command::new(argv[0]);
    command.args(&argv[1..]).current_dir(root);
    if argv.get(1) == Some(&"doc") {
        command.env("RUSTDOCFLAGS", "-D warnings");
    }
    let status = command
        .status()
        .map_err(|e| format!("could not run {}: {e}", argv.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed; nothing was published",
            argv.join(" ")
        ))
    }
}

fn today_utc() -> Result<String, String> {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs()
        / 86_400;
    Ok(civil_from_days(days as i64))
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (Howard Hinnant's civil-from-days).
fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `x.y.z` with an optional `-pre` of dot-separated alphanumerics.
pub fn validate_version(version: &str) -> Result<(), String> {
    let bad = || format!("{version:?} is not a semantic version such as 0.1.0 or 1.2.0-rc.1");
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3
        || parts.iter().any(|p| {
            p.is_empty()
                || !p.bytes().all(|b| b.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0'))
        })
    {
        return Err(bad());
    }
    if let Some(pre) = pre
        && (pre.is_empty()
            || pre.split('.').any(|p| {
                p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }))
    {
        return Err(bad());
    }
    Ok(())
}

/// Refuses a dirty tree, naming the paths.
pub fn check_clean(porcelain: &str) -> Result<(), String> {
    let dirty: Vec<&str> = porcelain.lines().filter(|l| !l.trim().is_empty()).collect();
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the working tree is not clean; commit or stash first:\n{}",
            dirty.join("\n")
        ))
    }
}

/// Sets `[workspace.package] version` and the `version` of every internal (`path = "crates/…"`)
/// entry of `[workspace.dependencies]`. Returns the new text and what changed.
pub fn bump_workspace_version(
    manifest: &str,
    version: &str,
) -> Result<(String, Vec<String>), String> {
    let mut section = String::new();
    let mut out = Vec::new();
    let mut changes = Vec::new();
    let mut bumped_package = false;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_owned();
        }
        if section == "[workspace.package]"
            && trimmed.starts_with("version")
            && trimmed.contains('=')
        {
            let old = trimmed
                .split('=')
                .nth(1)
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .to_owned();
            out.push(format!("version = \"{version}\""));
            changes.push(format!("[workspace.package] version {old} -> {version}"));
            bumped_package = true;
            continue;
        }
        if section == "[workspace.dependencies]"
            && trimmed.contains("path = \"crates/")
            && trimmed.contains("version = \"")
        {
            let start = line.find("version = \"").unwrap_or(0) + "version = \"".len();
            let end = line[start..].find('"').map(|e| start + e).unwrap_or(start);
            let name = trimmed.split('=').next().unwrap_or("").trim();
            changes.push(format!(
                "[workspace.dependencies] {name} {} -> {version}",
                &line[start..end]
            ));
            out.push(format!("{}{version}{}", &line[..start], &line[end..]));
            continue;
        }
        out.push(line.to_owned());
    }
    if !bumped_package {
        return Err("no `version` under [workspace.package] in Cargo.toml".into());
    }
    let mut text = out.join("\n");
    if manifest.ends_with('\n') {
        text.push('\n');
    }
    Ok((text, changes))
}

/// Moves the body of `## [Unreleased]` under `## [version] - date`, leaving an empty Unreleased.
pub fn move_unreleased(changelog: &str, version: &str, date: &str) -> Result<String, String> {
    let heading = "## [Unreleased]";
    let start = changelog
        .find(heading)
        .ok_or("CHANGELOG.md has no `## [Unreleased]` section")?;
    let body_start = start + heading.len();
    let body_end = changelog[body_start..]
        .find("\n## [")
        .map(|i| body_start + i + 1)
        .or_else(|| {
            changelog[body_start..]
                .find("\n[")
                .map(|i| body_start + i + 1)
        })
        .unwrap_or(changelog.len());
    let body = changelog[body_start..body_end].trim();
    if body.is_empty() {
        return Err("the Unreleased section of CHANGELOG.md is empty: nothing to release".into());
    }
    if changelog.contains(&format!("## [{version}]")) {
        return Err(format!("CHANGELOG.md already has a section for {version}"));
    }
    Ok(format!(
        "{}{heading}\n\n## [{version}] - {date}\n\n{body}\n\n{}",
        &changelog[..start],
        &changelog[body_end..]
    ))
}

/// A workspace member as `cargo metadata` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The package name.
    pub name: String,
    /// Whether it may be published.
    pub publishable: bool,
    /// Names of its normal and build dependencies.
    pub deps: Vec<String>,
}

/// Reads the members out of `cargo metadata --no-deps` JSON, without a JSON crate: enough of
/// a scanner for the fields we need (`name`, `publish`, `dependencies[].name/kind`).
pub fn parse_members(metadata: &str) -> Result<Vec<Member>, String> {
    let value = mini_json::parse(metadata)?;
    let packages = value
        .get("packages")
        .and_then(mini_json::Value::as_array)
        .ok_or("no packages in cargo metadata")?;
    let mut members = Vec::new();
    for package in packages {
        let name = package
            .get("name")
            .and_then(mini_json::Value::as_str)
            .ok_or("a package without a name")?;
        let publishable = match package.get("publish") {
            Some(mini_json::Value::Array(registries)) => !registries.is_empty(),
            _ => true,
        };
        let deps = package
            .get("dependencies")
            .and_then(mini_json::Value::as_array)
            .map(|deps| {
                deps.iter()
                    .filter(|d| {
                        !matches!(
                            d.get("kind").and_then(mini_json::Value::as_str),
                            Some("dev")
                        )
                    })
                    .filter_map(|d| {
                        d.get("name")
                            .and_then(mini_json::Value::as_str)
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default();
        members.push(Member {
            name: name.to_owned(),
            publishable,
            deps,
        });
    }
    Ok(members)
}

/// Publishable members, dependencies first, ties by name.
pub fn publish_order(members: &[Member]) -> Result<Vec<String>, String> {
    let publishable: BTreeMap<&str, &Member> = members
        .iter()
        .filter(|m| m.publishable)
        .map(|m| (m.name.as_str(), m))
        .collect();
    let mut done: Vec<String> = Vec::new();
    let mut placed = BTreeSet::new();
    while placed.len() < publishable.len() {
        let ready: Vec<&str> = publishable
            .iter()
            .filter(|(name, _)| !placed.contains(*name))
            .filter(|(_, m)| {
                m.deps
                    .iter()
                    .all(|d| !publishable.contains_key(d.as_str()) || placed.contains(d.as_str()))
            })
            .map(|(name, _)| *name)
            .collect();
        if ready.is_empty() {
            return Err(
                "the workspace's publishable crates depend on each other in a cycle".into(),
            );
        }
        for name in ready {
            placed.insert(name);
            done.push(name.to_owned());
        }
    }
    Ok(done)
}

enum Registry {
    Present,
    Absent,
    Unknown,
}

fn on_registry(name: &str, version: &str) -> Registry {
    // Ask from outside the workspace: inside it, `cargo info` answers from the local packages.
    let output = Command::new("cargo")
        .args([
            "info",
            &format!("{name}@{version}"),
            "--registry",
            "crates-io",
            "--quiet",
        ])
        .current_dir(std::env::temp_dir())
        .output();
    match output {
        Ok(out) if out.status.success() => Registry::Present,
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr).to_ascii_lowercase();
            if err.contains("could not find") || err.contains("not found") {
                Registry::Absent
            } else {
                Registry::Unknown
            }
        }
        Err(_) => Registry::Unknown,
    }
}

/// A small JSON reader for `cargo metadata`, so xtask needs no JSON crate.
mod mini_json {
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(String),
        String(String),
        Array(Vec<Value>),
        Object(Vec<(String, Value)>),
    }

    impl Value {
        pub fn get(&self, key: &str) -> Option<&Value> {
            match self {
                Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        pub fn as_array(&self) -> Option<&Vec<Value>> {
            match self {
                Value::Array(items) => Some(items),
                _ => None,
            }
        }
        pub fn as_str(&self) -> Option<&str> {
            match self {
                Value::String(s) => Some(s),
                _ => None,
            }
        }
    }

    pub fn parse(text: &str) -> Result<Value, String> {
        let mut p = Parser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = p.value()?;
        p.ws();
        if p.at != p.bytes.len() {
            return Err("trailing text after JSON".into());
        }
        Ok(value)
    }

    struct Parser<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl Parser<'_> {
        fn ws(&mut self) {
            while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
                self.at += 1;
            }
        }
        fn eat(&mut self, b: u8) -> Result<(), String> {
            self.ws();
            if self.bytes.get(self.at) == Some(&b) {
                self.at += 1;
                Ok(())
            } else {
                Err(format!("expected `{}` at byte {}", b as char, self.at))
            }
        }
        fn value(&mut self) -> Result<Value, String> {
            self.ws();
            match self.bytes.get(self.at) {
                Some(b'{') => {
                    self.at += 1;
                    let mut fields = Vec::new();
                    self.ws();
                    if self.bytes.get(self.at) == Some(&b'}') {
                        self.at += 1;
                        return Ok(Value::Object(fields));
                    }
                    loop {
                        self.ws();
                        let key = self.string()?;
                        self.eat(b':')?;
                        fields.push((key, self.value()?));
                        self.ws();
                        match self.bytes.get(self.at) {
                            Some(b',') => self.at += 1,
                            Some(b'}') => {
                                self.at += 1;
                                return Ok(Value::Object(fields));
                            }
                            _ => return Err(format!("bad object at byte {}", self.at)),
                        }
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    let mut items = Vec::new();
                    self.ws();
                    if self.bytes.get(self.at) == Some(&b']') {
                        self.at += 1;
                        return Ok(Value::Array(items));
                    }
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.bytes.get(self.at) {
                            Some(b',') => self.at += 1,
                            Some(b']') => {
                                self.at += 1;
                                return Ok(Value::Array(items));
                            }
                            _ => return Err(format!("bad array at byte {}", self.at)),
                        }
                    }
                }
                Some(b'"') => self.string().map(Value::String),
                Some(b't') => self.word("true", Value::Bool(true)),
                Some(b'f') => self.word("false", Value::Bool(false)),
                Some(b'n') => self.word("null", Value::Null),
                Some(_) => {
                    let start = self.at;
                    while self
                        .bytes
                        .get(self.at)
                        .is_some_and(|b| b"+-.eE0123456789".contains(b))
                    {
                        self.at += 1;
                    }
                    if start == self.at {
                        return Err(format!("unexpected byte at {}", self.at));
                    }
                    Ok(Value::Number(
                        String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned(),
                    ))
                }
                None => Err("unexpected end of JSON".into()),
            }
        }
        fn word(&mut self, word: &str, value: Value) -> Result<Value, String> {
            if self.bytes[self.at..].starts_with(word.as_bytes()) {
                self.at += word.len();
                Ok(value)
            } else {
                Err(format!("bad literal at byte {}", self.at))
            }
        }
        fn string(&mut self) -> Result<String, String> {
            self.eat(b'"')?;
            let mut out = Vec::new();
            loop {
                match self.bytes.get(self.at) {
                    Some(b'"') => {
                        self.at += 1;
                        return String::from_utf8(out).map_err(|e| e.to_string());
                    }
                    Some(b'\\') => {
                        let escaped = *self.bytes.get(self.at + 1).ok_or("bad escape")?;
                        self.at += 2;
                        match escaped {
                            b'n' => out.push(b'\n'),
                            b't' => out.push(b'\t'),
                            b'r' => out.push(b'\r'),
                            b'b' => out.push(8),
                            b'f' => out.push(12),
                            b'u' => {
                                let hex = std::str::from_utf8(
                                    self.bytes.get(self.at..self.at + 4).ok_or("bad \\u")?,
                                )
                                .map_err(|e| e.to_string())?;
                                let code =
                                    u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                                self.at += 4;
                                let c = char::from_u32(code).unwrap_or('\u{fffd}');
                                out.extend_from_slice(c.to_string().as_bytes());
                            }
                            other => out.push(other),
                        }
                    }
                    Some(b) => {
                        out.push(*b);
                        self.at += 1;
                    }
                    None => return Err("unterminated string".into()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for good in ["0.1.0", "1.2.3", "10.0.0-rc.1", "1.0.0-alpha-2"] {
            validate_version(good).unwrap();
        }
        for bad in [
            "",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.x",
            "v1.2.3",
            "1.2.3-",
            "1.2.3-a..b",
        ] {
            assert!(validate_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dirty_trees_are_refused_by_name() {
        check_clean("").unwrap();
        let err = check_clean(" M Cargo.toml\n?? notes.txt\n").unwrap_err();
        assert!(
            err.contains("Cargo.toml") && err.contains("notes.txt"),
            "{err}"
        );
    }

    #[test]
    fn bumps_the_workspace_and_internal_dependencies() {
        let manifest = "[workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace.dependencies]\npractice-core = { path = \"crates/practice-core\", version = \"0.1.0\" }\nserde = { version = \"1\" }\n";
        let (text, changes) = bump_workspace_version(manifest, "0.2.0").unwrap();
        assert!(
            text.contains("[workspace.package]\nversion = \"0.2.0\""),
            "{text}"
        );
        assert!(
            text.contains(
                "practice-core = { path = \"crates/practice-core\", version = \"0.2.0\" }"
            )
        );
        assert!(
            text.contains("serde = { version = \"1\" }"),
            "external versions untouched"
        );
        assert_eq!(changes.len(), 2);
        assert!(bump_workspace_version("[package]\nversion = \"1.0.0\"\n", "2.0.0").is_err());
    }

    #[test]
    fn moves_unreleased_under_the_version() {
        let log = "# Changelog\n\n## [Unreleased]\n\n### Added\n- practice-core\n\n## [0.0.1] - 2026-01-01\n\n- seed\n";
        let moved = move_unreleased(log, "0.1.0", "2026-11-23").unwrap();
        assert_eq!(
            moved,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-23\n\n### Added\n- practice-core\n\n## [0.0.1] - 2026-01-01\n\n- seed\n"
        );
        let empty = "# Changelog\n\n## [Unreleased]\n\n## [0.0.1] - 2026-01-01\n";
        assert!(
            move_unreleased(empty, "0.1.0", "2026-11-23")
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            move_unreleased(log, "0.0.1", "2026-11-23").is_err(),
            "a version released twice"
        );
    }

    #[test]
    fn publish_order_is_dependencies_first_then_by_name() {
        let json = r#"{"packages":[
            {"name":"xtask","publish":[],"dependencies":[]},
            {"name":"practice-cli","publish":null,"dependencies":[{"name":"aloha-api","kind":null},{"name":"aerona-api","kind":null},{"name":"practice-sandbox","kind":null}]},
            {"name":"aloha-api","publish":null,"dependencies":[{"name":"practice-core","kind":null},{"name":"practice-sandbox","kind":"dev"}]},
            {"name":"practice-sandbox","publish":null,"dependencies":[{"name":"serde","kind":null}]},
            {"name":"aerona-api","publish":null,"dependencies":[{"name":"practice-core","kind":null}]},
            {"name":"practice-core","publish":null,"dependencies":[{"name":"reqwest","kind":null,"rename":"x\"y\\u00e9"}]}
        ],"workspace_members":[]}"#;
        let members = parse_members(json).unwrap();
        assert_eq!(
            publish_order(&members).unwrap(),
            [
                "practice-core",
                "practice-sandbox",
                "aerona-api",
                "aloha-api",
                "practice-cli"
            ]
        );
        let cycle = vec![
            Member {
                name: "a".into(),
                publishable: true,
                deps: vec!["b".into()],
            },
            Member {
                name: "b".into(),
                publishable: true,
                deps: vec!["a".into()],
            },
        ];
        assert!(publish_order(&cycle).is_err());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_415), "2025-11-23");
        assert_eq!(civil_from_days(19_782), "2024-02-29");
    }
}
