//! Which crates to publish, in which order, and which are already on the registry.
//!
//! The order is topological over what `cargo publish` needs on the registry first: normal and
//! build dependencies on other workspace members, and dev-dependencies that carry a version
//! (cargo strips path-only dev-dependencies from the published manifest, but keeps versioned
//! ones, and those must then resolve from the registry). Ties go by name, so the order is the
//! same on every machine.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A workspace member as `cargo metadata --no-deps` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// `publish` is neither `false` nor `[]`.
    pub publishable: bool,
    /// It has a `description` (crates.io refuses a crate without one).
    pub has_description: bool,
    /// It has a `license` or a `license-file` (likewise).
    pub has_license: bool,
    /// Its dependencies on other workspace members.
    pub deps: Vec<Dep>,
}

/// A dependency of one workspace member on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    /// The package depended on.
    pub name: String,
    /// A dev-dependency.
    pub dev: bool,
    /// It carries a version requirement (not only a `path`).
    pub versioned: bool,
}

/// Reads the members and their dependencies on each other out of
/// `cargo metadata --format-version 1 --no-deps`.
pub fn parse_members(metadata: &str) -> Result<Vec<Member>, String> {
    let value: Value =
        serde_json::from_str(metadata).map_err(|e| format!("cargo metadata: {e}"))?;
    let packages = value
        .get("packages")
        .and_then(Value::as_array)
        .ok_or("cargo metadata: no `packages`")?;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let names: BTreeSet<String> = packages.iter().filter_map(|p| text(p, "name")).collect();
    let mut members = Vec::new();
    for package in packages {
        let name = text(package, "name").ok_or("cargo metadata: a package without a name")?;
        let deps = package
            .get("dependencies")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|d| d.get("path").is_some())
            .filter_map(|d| {
                let name = text(d, "name").filter(|n| names.contains(n))?;
                Some(Dep {
                    name,
                    dev: text(d, "kind").as_deref() == Some("dev"),
                    versioned: text(d, "req").is_some_and(|req| req != "*"),
                })
            })
            .collect();
        members.push(Member {
            version: text(package, "version").unwrap_or_default(),
            publishable: match package.get("publish") {
                Some(Value::Array(registries)) => !registries.is_empty(),
                Some(Value::Bool(false)) => false,
                _ => true,
            },
            has_description: text(package, "description").is_some_and(|d| !d.trim().is_empty()),
            has_license: text(package, "license").is_some()
                || text(package, "license_file").is_some(),
            name,
            deps,
        });
    }
    Ok(members)
}

/// Whether `<name>@<version>` is on the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    /// It is: publishing it again would fail, so it is skipped.
    Present,
    /// It is not.
    Absent,
    /// The registry could not be asked (offline, outage).
    Unreachable,
    /// The registry was not asked (`--offline`).
    NotConsulted,
}

/// Asks the registry whether a version of a crate is published.
pub trait RegistryLookup {
    /// The state of `<name>@<version>`.
    fn lookup(&self, name: &str, version: &str) -> Registry;
}

impl<F: Fn(&str, &str) -> Registry> RegistryLookup for F {
    fn lookup(&self, name: &str, version: &str) -> Registry {
        self(name, version)
    }
}

/// One crate to publish, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishStep {
    /// The package name.
    pub name: String,
    /// What the registry said about `<name>@<version>`.
    pub registry: Registry,
}

impl PublishStep {
    /// How the dry run shows it.
    pub fn describe_dry_run(&self, version: &str) -> String {
        let name = &self.name;
        let outcome = match self.registry {
            Registry::Present => "already on the registry, would skip".to_owned(),
            Registry::Absent => format!("would publish (`cargo publish -p {name}`)"),
            Registry::Unreachable => {
                format!("registry not reachable; would publish (`cargo publish -p {name}`)")
            }
            Registry::NotConsulted => format!(
                "registry not consulted (--offline); would publish (`cargo publish -p {name}`)"
            ),
        };
        format!("publish {name} {version}: {outcome}")
    }
}

/// Refuses what would make a publish fail part-way: a publishable crate without a description
/// or license, a member whose version does not follow the workspace's, or a publishable crate
/// that needs an unpublishable one on the registry.
pub fn check_members(members: &[Member], workspace_version: &str) -> Result<(), String> {
    let publish_false: BTreeSet<&str> = members
        .iter()
        .filter(|m| !m.publishable)
        .map(|m| m.name.as_str())
        .collect();
    let mut problems = Vec::new();
    for member in members.iter().filter(|m| m.publishable) {
        let name = &member.name;
        if member.version != workspace_version {
            problems.push(format!(
                "{name} is at {} but the workspace is at {workspace_version}: use `version.workspace = true`",
                member.version
            ));
        }
        if !member.has_description {
            problems.push(format!(
                "{name} has no `description` (crates.io requires one)"
            ));
        }
        if !member.has_license {
            problems.push(format!(
                "{name} has no `license` or `license-file` (crates.io requires one)"
            ));
        }
        for dep in &member.deps {
            if publish_false.contains(dep.name.as_str()) && (!dep.dev || dep.versioned) {
                problems.push(format!(
                    "{name} depends on {}, which is `publish = false` and so never on the registry{}",
                    dep.name,
                    if dep.dev {
                        " (make the dev-dependency path-only so that cargo strips it)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the crates cannot be published as they are:\n  - {}",
            problems.join("\n  - ")
        ))
    }
}

/// The publishable members in the order to publish them, each with what the registry says
/// about `<name>@<version>`. A crate already on the registry stays in the list (to be
/// skipped), and a versioned dev-dependency on it no longer has to wait.
pub fn plan_publish(
    members: &[Member],
    version: &str,
    registry: &dyn RegistryLookup,
) -> Result<Vec<PublishStep>, String> {
    let publishable: BTreeMap<&str, &Member> = members
        .iter()
        .filter(|m| m.publishable)
        .map(|m| (m.name.as_str(), m))
        .collect();
    let state: BTreeMap<&str, Registry> = publishable
        .keys()
        .map(|name| (*name, registry.lookup(name, version)))
        .collect();
    // What each crate needs on the registry before it.
    let needs: BTreeMap<&str, BTreeSet<&str>> = publishable
        .iter()
        .map(|(name, member)| {
            let needed = member
                .deps
                .iter()
                .filter(|d| publishable.contains_key(d.name.as_str()) && d.name != **name)
                .filter(|d| !d.dev || (d.versioned && state[d.name.as_str()] != Registry::Present))
                .map(|d| d.name.as_str())
                .collect();
            (*name, needed)
        })
        .collect();

    let mut order = Vec::new();
    let mut placed = BTreeSet::new();
    while order.len() < publishable.len() {
        // The first crate by name whose needs are all placed.
        let next = needs
            .iter()
            .find(|(name, needed)| !placed.contains(*name) && needed.is_subset(&placed));
        let Some((name, _)) = next else {
            return Err(cycle_message(&needs, &placed, &publishable));
        };
        placed.insert(*name);
        order.push(PublishStep {
            name: (*name).to_owned(),
            registry: state[name],
        });
    }
    Ok(order)
}

fn cycle_message(
    needs: &BTreeMap<&str, BTreeSet<&str>>,
    placed: &BTreeSet<&str>,
    publishable: &BTreeMap<&str, &Member>,
) -> String {
    let mut waits = Vec::new();
    let mut dev = false;
    for (name, needed) in needs.iter().filter(|(n, _)| !placed.contains(*n)) {
        for dep in needed.iter().filter(|d| !placed.contains(*d)) {
            let is_dev = publishable[name]
                .deps
                .iter()
                .any(|d| d.name == *dep && d.dev)
                && !publishable[name]
                    .deps
                    .iter()
                    .any(|d| d.name == *dep && !d.dev);
            dev |= is_dev;
            waits.push(format!(
                "{name} needs {dep} on the registry first{}",
                if is_dev {
                    " (a dev-dependency with a version)"
                } else {
                    ""
                }
            ));
        }
    }
    let mut message = format!(
        "no publish order exists; the crates left wait on each other:\n  - {}",
        waits.join("\n  - ")
    );
    if dev {
        message.push_str(
            "\ncargo keeps a dev-dependency that has a version (`.workspace = true` gives it the \
             workspace's) in the published manifest, so it must be on the registry first. Make \
             such dev-dependencies on sibling crates path-only, e.g. \
             `practice-sandbox = { path = \"../practice-sandbox\" }`, and cargo strips them \
             when publishing.",
        );
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Like `cargo metadata --no-deps` of this workspace, reduced to the fields we read, with
    /// `{DEV_REQ}` standing for the `req` of the sibling dev-dependencies.
    const METADATA: &str = r#"{"packages":[
        {"name":"aerona-api","version":"0.1.0","publish":null,"description":"Aerona","license":"MIT OR Apache-2.0","license_file":null,
         "dependencies":[{"name":"practice-core","req":"^0.1.0","kind":null,"path":"/w/crates/practice-core"},
                         {"name":"serde","req":"^1","kind":null},
                         {"name":"practice-sandbox","req":"{DEV_REQ}","kind":"dev","path":"/w/crates/practice-sandbox"}]},
        {"name":"practice-core","version":"0.1.0","publish":null,"description":"core","license":"MIT","license_file":null,
         "dependencies":[{"name":"reqwest","req":"^0.12","kind":null,"rename":"http\"client\u00e9"}]},
        {"name":"practice-sandbox","version":"0.1.0","publish":null,"description":"sandbox","license":"MIT","license_file":null,
         "dependencies":[{"name":"aerona-api","req":"{DEV_REQ}","kind":"dev","path":"/w/crates/aerona-api"},
                         {"name":"aloha-api","req":"{DEV_REQ}","kind":"dev","path":"/w/crates/aloha-api"},
                         {"name":"practice-core","req":"{DEV_REQ}","kind":"dev","path":"/w/crates/practice-core"}]},
        {"name":"aloha-api","version":"0.1.0","publish":null,"description":"Aloha","license":null,"license_file":"LICENSE",
         "dependencies":[{"name":"practice-core","req":"^0.1.0","kind":null,"path":"/w/crates/practice-core"},
                         {"name":"practice-sandbox","req":"{DEV_REQ}","kind":"dev","path":"/w/crates/practice-sandbox"}]},
        {"name":"practice-bench","version":"0.1.0","publish":[],"description":"bench","license":"MIT","license_file":null,
         "dependencies":[{"name":"aerona-api","req":"^0.1.0","kind":null,"path":"/w/crates/aerona-api"}]},
        {"name":"practice-cli","version":"0.1.0","publish":null,"description":"cli","license":"MIT","license_file":null,
         "dependencies":[{"name":"aerona-api","req":"^0.1.0","kind":null,"path":"/w/crates/aerona-api"},
                         {"name":"aloha-api","req":"^0.1.0","kind":null,"path":"/w/crates/aloha-api"},
                         {"name":"practice-sandbox","req":"^0.1.0","kind":"build","path":"/w/crates/practice-sandbox"},
                         {"name":"practice-core","req":"^0.1.0","kind":null,"path":"/w/crates/practice-core"}]},
        {"name":"xtask","version":"0.1.0","publish":[],"description":"tasks","license":"MIT","license_file":null,"dependencies":[]}
    ],"workspace_members":[],"resolve":null,"version":1}"#;

    fn members(dev_req: &str) -> Vec<Member> {
        parse_members(&METADATA.replace("{DEV_REQ}", dev_req)).unwrap()
    }

    fn nothing_published(_: &str, _: &str) -> Registry {
        Registry::Absent
    }

    fn names(steps: &[PublishStep]) -> Vec<&str> {
        steps.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn reads_members_publish_flags_and_sibling_dependencies() {
        let members = members("*");
        let core = members.iter().find(|m| m.name == "practice-core").unwrap();
        assert!(core.publishable && core.has_description && core.has_license);
        assert!(core.deps.is_empty(), "only workspace members count");
        let aloha = members.iter().find(|m| m.name == "aloha-api").unwrap();
        assert!(aloha.has_license, "a license file counts");
        assert_eq!(
            aloha.deps,
            [
                Dep {
                    name: "practice-core".into(),
                    dev: false,
                    versioned: true
                },
                Dep {
                    name: "practice-sandbox".into(),
                    dev: true,
                    versioned: false
                },
            ]
        );
        let unpublishable: Vec<&str> = members
            .iter()
            .filter(|m| !m.publishable)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(unpublishable, ["practice-bench", "xtask"]);
        check_members(&members, "0.1.0").unwrap();
    }

    #[test]
    fn dependencies_first_then_by_name_and_only_publishable_crates() {
        let plan = plan_publish(&members("*"), "0.1.0", &nothing_published).unwrap();
        assert_eq!(
            names(&plan),
            [
                "practice-core",
                "aerona-api",
                "aloha-api",
                "practice-sandbox",
                "practice-cli"
            ]
        );
        assert!(plan.iter().all(|s| s.registry == Registry::Absent));
    }

    #[test]
    fn crates_already_on_the_registry_are_skipped() {
        let registry = |name: &str, version: &str| {
            if name == "practice-core" && version == "0.1.0" {
                Registry::Present
            } else {
                Registry::Absent
            }
        };
        let plan = plan_publish(&members("*"), "0.1.0", &registry).unwrap();
        assert_eq!(plan[0].name, "practice-core");
        assert_eq!(plan[0].registry, Registry::Present);
        assert_eq!(
            plan[0].describe_dry_run("0.1.0"),
            "publish practice-core 0.1.0: already on the registry, would skip"
        );
        assert_eq!(
            plan[1].describe_dry_run("0.1.0"),
            "publish aerona-api 0.1.0: would publish (`cargo publish -p aerona-api`)"
        );
        let offline = PublishStep {
            name: "aloha-api".into(),
            registry: Registry::Unreachable,
        };
        assert!(
            offline
                .describe_dry_run("0.1.0")
                .contains("registry not reachable; would publish")
        );
    }

    #[test]
    fn versioned_dev_dependencies_must_be_published_first() {
        // aerona-api and practice-sandbox need each other on the registry: no order exists.
        let err = plan_publish(&members("^0.1.0"), "0.1.0", &nothing_published).unwrap_err();
        assert!(
            err.contains("aerona-api needs practice-sandbox on the registry first (a dev-dependency with a version)"),
            "{err}"
        );
        assert!(err.contains("path-only"), "{err}");
        assert!(!err.contains("practice-core needs"), "{err}");

        // Once practice-sandbox 0.1.0 is out, the vendor crates no longer wait for it.
        let sandbox_out = |name: &str, _: &str| {
            if name == "practice-sandbox" {
                Registry::Present
            } else {
                Registry::Absent
            }
        };
        let plan = plan_publish(&members("^0.1.0"), "0.1.0", &sandbox_out).unwrap();
        assert_eq!(
            names(&plan),
            [
                "practice-core",
                "aerona-api",
                "aloha-api",
                "practice-sandbox",
                "practice-cli"
            ]
        );

        // Without a cycle, a versioned dev-dependency just moves its crate later.
        let mut chain = members("*");
        for member in &mut chain {
            if member.name == "practice-core" {
                member.deps.push(Dep {
                    name: "aloha-api".into(),
                    dev: true,
                    versioned: false,
                });
            }
            if member.name == "aerona-api" {
                member.deps.push(Dep {
                    name: "aloha-api".into(),
                    dev: true,
                    versioned: true,
                });
            }
        }
        let plan = plan_publish(&chain, "0.1.0", &nothing_published).unwrap();
        assert_eq!(
            names(&plan),
            [
                "practice-core",
                "aloha-api",
                "aerona-api",
                "practice-sandbox",
                "practice-cli"
            ]
        );
    }

    #[test]
    fn refuses_what_would_fail_part_way() {
        let mut members = members("*");
        for member in &mut members {
            match member.name.as_str() {
                "aloha-api" => member.has_description = false,
                "practice-cli" => member.deps.push(Dep {
                    name: "practice-bench".into(),
                    dev: false,
                    versioned: true,
                }),
                "practice-sandbox" => member.version = "0.0.9".into(),
                _ => {}
            }
        }
        let err = check_members(&members, "0.1.0").unwrap_err();
        assert!(err.contains("aloha-api has no `description`"), "{err}");
        assert!(
            err.contains("practice-cli depends on practice-bench, which is `publish = false`"),
            "{err}"
        );
        assert!(err.contains("practice-sandbox is at 0.0.9"), "{err}");
    }
}
