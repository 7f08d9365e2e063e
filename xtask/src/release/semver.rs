//! The semver step of a release: which crates `cargo semver-checks` compares, against which
//! git revision, and the command that does it. The hook (`release.rs`) runs git and cargo; this
//! module only decides, so that it can be tested without either.

use std::path::Path;

/// The variable that names a baseline revision explicitly (a first release, a rehearsal).
pub const BASELINE_VAR: &str = "RELEASE_SEMVER_BASELINE";

/// A workspace crate, as `cargo metadata --no-deps` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    /// Its manifest, relative to the workspace root, with `/` separators (a git path).
    pub manifest: String,
    /// `publish` is not `false` (`[]` in the metadata).
    pub publishable: bool,
    /// It has a library target: the only kind of API cargo-semver-checks compares.
    pub library: bool,
}

/// The workspace's crates, from the JSON of `cargo metadata --no-deps --format-version 1`.
pub fn packages(metadata: &str) -> Result<Vec<Package>, String> {
    let bad = |what: &str| format!("unexpected `cargo metadata` output: {what}");
    let json: serde_json::Value =
        serde_json::from_str(metadata).map_err(|e| bad(&e.to_string()))?;
    let root = json["workspace_root"]
        .as_str()
        .ok_or_else(|| bad("no workspace_root"))?;
    let list = json["packages"]
        .as_array()
        .ok_or_else(|| bad("no packages"))?;
    list.iter()
        .map(|package| {
            let name = package["name"]
                .as_str()
                .ok_or_else(|| bad("a package without a name"))?;
            let manifest = package["manifest_path"]
                .as_str()
                .ok_or_else(|| bad("a package without a manifest_path"))?;
            let manifest = Path::new(manifest)
                .strip_prefix(root)
                .map_err(|_| bad(&format!("{manifest} is outside {root}")))?;
            let manifest: Vec<_> = manifest.iter().map(|part| part.to_string_lossy()).collect();
            // `publish`: null (anywhere), a list of registries, or [] (publish = false).
            let publishable = package["publish"]
                .as_array()
                .is_none_or(|registries| !registries.is_empty());
            let library = package["targets"].as_array().is_some_and(|targets| {
                targets.iter().any(|target| {
                    target["kind"].as_array().is_some_and(|kinds| {
                        kinds.iter().any(|kind| {
                            matches!(kind.as_str(), Some("lib" | "rlib" | "proc-macro"))
                        })
                    })
                })
            });
            Ok(Package {
                name: name.to_owned(),
                manifest: manifest.join("/"),
                publishable,
                library,
            })
        })
        .collect()
}

/// The revision to compare with, and why it is that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub rev: String,
    pub why: String,
}

/// The baseline: the revision named in [`BASELINE_VAR`] if set, else the newest release tag
/// (the last published version: each tag names exactly what was published), else none (the
/// first release: nothing published, nothing to break).
pub fn baseline(named: Option<&str>, last_tag: Option<&str>) -> Option<Baseline> {
    let named = named.map(str::trim).filter(|rev| !rev.is_empty());
    if let Some(rev) = named {
        return Some(Baseline {
            rev: rev.to_owned(),
            why: format!("named by {BASELINE_VAR}"),
        });
    }
    last_tag.map(|tag| Baseline {
        rev: tag.to_owned(),
        why: "the last release tag, i.e. the last published version".to_owned(),
    })
}

/// Which crates are compared, and why the others are not.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub compare: Vec<String>,
    pub skipped: Vec<(String, String)>,
}

/// Every publishable library crate that exists at the baseline is compared; `at_baseline`
/// says whether a manifest (a git path) exists in the baseline revision.
pub fn plan(packages: &[Package], rev: &str, at_baseline: impl Fn(&str) -> bool) -> Plan {
    let mut plan = Plan::default();
    for package in packages {
        let skip = if !package.publishable {
            Some("not published (publish = false)".to_owned())
        } else if !package.library {
            Some("binary only: no library API to compare".to_owned())
        } else if !at_baseline(&package.manifest) {
            Some(format!("new since {rev}: no earlier API to compare with"))
        } else {
            None
        };
        match skip {
            Some(why) => plan.skipped.push((package.name.clone(), why)),
            None => plan.compare.push(package.name.clone()),
        }
    }
    plan
}

/// The arguments of `cargo` that compare `crates` with `rev` under `release_type`.
pub fn args(crates: &[String], rev: &str, release_type: &str) -> Vec<String> {
    let mut args = vec!["semver-checks".to_owned()];
    for name in crates {
        args.push("--package".to_owned());
        args.push(name.clone());
    }
    for arg in ["--baseline-rev", rev, "--release-type", release_type] {
        args.push(arg.to_owned());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = r#"{
        "workspace_root": "/ws",
        "packages": [
            {"name": "practice-core", "manifest_path": "/ws/crates/practice-core/Cargo.toml",
             "publish": null, "targets": [{"kind": ["lib"]}, {"kind": ["test"]}]},
            {"name": "practice-cli", "manifest_path": "/ws/crates/practice-cli/Cargo.toml",
             "publish": null, "targets": [{"kind": ["bin"]}]},
            {"name": "practice-sync", "manifest_path": "/ws/crates/practice-sync/Cargo.toml",
             "publish": ["crates-io"], "targets": [{"kind": ["lib"]}]},
            {"name": "xtask", "manifest_path": "/ws/xtask/Cargo.toml",
             "publish": [], "targets": [{"kind": ["bin"]}]}
        ]
    }"#;

    #[test]
    fn packages_are_read_from_cargo_metadata() {
        let packages = packages(METADATA).unwrap();
        let core = &packages[0];
        assert_eq!(core.manifest, "crates/practice-core/Cargo.toml");
        assert!(core.publishable && core.library);
        assert!(packages[1].publishable && !packages[1].library);
        assert!(
            packages[2].publishable,
            "a list of registries is publishable"
        );
        assert!(!packages[3].publishable);
        assert!(
            super::packages("{}")
                .unwrap_err()
                .contains("workspace_root")
        );
        let outside = METADATA.replace("/ws/xtask", "/elsewhere/xtask");
        assert!(
            super::packages(&outside)
                .unwrap_err()
                .contains("outside /ws")
        );
    }

    #[test]
    fn publishable_libraries_present_at_the_baseline_are_compared() {
        let packages = packages(METADATA).unwrap();
        let plan = plan(&packages, "v0.1.0", |manifest| !manifest.contains("sync"));
        assert_eq!(plan.compare, ["practice-core"]);
        let skipped: Vec<_> = plan
            .skipped
            .iter()
            .map(|(n, why)| format!("{n}: {why}"))
            .collect();
        assert_eq!(
            skipped,
            [
                "practice-cli: binary only: no library API to compare",
                "practice-sync: new since v0.1.0: no earlier API to compare with",
                "xtask: not published (publish = false)",
            ]
        );
    }

    #[test]
    fn a_named_baseline_wins_over_the_tag_and_none_means_a_first_release() {
        let named = baseline(Some("04543b2"), Some("v0.1.0")).unwrap();
        assert_eq!(named.rev, "04543b2");
        assert!(named.why.contains(BASELINE_VAR));
        assert_eq!(baseline(Some("  "), Some("v0.1.0")).unwrap().rev, "v0.1.0");
        assert_eq!(baseline(None, None), None);
    }

    #[test]
    fn the_command_names_each_crate() {
        let crates = ["practice-core".to_owned(), "aloha-api".to_owned()];
        assert_eq!(
            args(&crates, "v0.1.0", "minor").join(" "),
            "semver-checks --package practice-core --package aloha-api --baseline-rev v0.1.0 \
             --release-type minor"
        );
    }
}
