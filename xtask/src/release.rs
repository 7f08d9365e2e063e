//! `cargo xtask release <version> [--dry-run [--run-checks] [--offline]]`: refuse a dirty tree,
//! bump the workspace version, move the changelog's Unreleased section under the new version,
//! run the checks, commit and tag, then publish the crates in dependency order — skipping
//! versions already on the registry, so that a partial publish can be resumed by running the
//! same command again at the release tag.
//!
//! `--dry-run` changes nothing, publishes nothing, and prints the plan in order. It lists the
//! checks without running them unless `--run-checks` is given. See `docs/releasing.md`.
//!
//! The pure parts (versions, the manifest bump, the changelog move, the publish order) live in
//! the submodules and are tested there; this file runs git and cargo.

mod changelog;
mod manifest;
mod publish;
mod version;

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::workspace_root;
use changelog::move_unreleased;
use manifest::{bump_workspace_version, workspace_version};
use publish::{PublishStep, Registry, RegistryLookup, check_members, parse_members, plan_publish};
use version::{Version, previous_release_tag};

const USAGE: &str = "usage: cargo xtask release <version> [--dry-run [--run-checks] [--offline]]";

/// The files a release changes and commits.
const RELEASE_FILES: [&str; 3] = ["Cargo.toml", "Cargo.lock", "CHANGELOG.md"];

const SEMVER_CHECKS_MISSING: &str = "cargo-semver-checks is not installed; skipping the semver check (install with `cargo install cargo-semver-checks`)";

/// A check a release must pass: a cargo command and the environment it needs.
struct Check {
    env: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
}

impl Check {
    fn display(&self) -> String {
        show_cargo(self.env, self.args)
    }
}

/// A cargo command as a shell would spell it.
fn show_cargo(env: &[(&str, &str)], args: &[&str]) -> String {
    let env: String = env
        .iter()
        .map(|(key, value)| format!("{key}=\"{value}\" "))
        .collect();
    format!("{env}cargo {}", args.join(" "))
}

/// The checks, in order; the first failure stops the release.
const CHECKS: &[Check] = &[
    Check {
        env: &[],
        args: &["xtask", "codegen", "--check"],
    },
    Check {
        env: &[],
        args: &["fmt", "--all", "--", "--check"],
    },
    Check {
        env: &[],
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    },
    Check {
        env: &[],
        args: &["test", "--workspace"],
    },
    Check {
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        args: &["doc", "--workspace", "--no-deps"],
    },
];

/// The command line.
#[derive(Debug, PartialEq, Eq)]
struct Options {
    version: String,
    dry_run: bool,
    run_checks: bool,
    offline: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut version = None;
        let (mut dry_run, mut run_checks, mut offline) = (false, false, false);
        for arg in args {
            match arg.as_str() {
                "--dry-run" => dry_run = true,
                "--run-checks" => run_checks = true,
                "--offline" => offline = true,
                "-h" | "--help" => return Err(USAGE.into()),
                flag if flag.starts_with('-') => {
                    return Err(format!("unknown option {flag}\n{USAGE}"));
                }
                v if version.is_none() => version = Some(v.to_owned()),
                extra => return Err(format!("unexpected argument {extra}\n{USAGE}")),
            }
        }
        let version = version.ok_or(USAGE)?;
        if !dry_run && run_checks {
            return Err("--run-checks is for --dry-run (a release always runs the checks)".into());
        }
        if !dry_run && offline {
            return Err("--offline is for --dry-run (publishing needs the registry)".into());
        }
        Ok(Options {
            version,
            dry_run,
            run_checks,
            offline,
        })
    }
}

/// Where the release stands.
#[derive(Debug, PartialEq, Eq)]
enum Stage {
    /// Nothing done yet: bump, changelog, checks, commit, tag, publish.
    Fresh,
    /// The release commit is tagged and checked out: only the publish is left (or part of it).
    Resume,
}

/// Numbered lines, as the steps are planned or taken.
#[derive(Default)]
struct Plan {
    steps: usize,
}

impl Plan {
    fn step(&mut self, what: impl AsRef<str>) {
        self.steps += 1;
        println!("{:>2}. {}", self.steps, what.as_ref());
    }
}

/// Entry point: `args` are those after `release`.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let version = Version::parse(&options.version)?;
    let root = workspace_root();
    if options.dry_run {
        println!(
            "Dry run of `cargo xtask release {version}`: what it would do, in order. Nothing is \
             written, committed, tagged or published.{}",
            if options.run_checks {
                " The checks are run (--run-checks), on the tree as it is."
            } else {
                " The checks are listed, not run (add --run-checks to run them)."
            }
        );
    } else {
        println!("Releasing {version}:");
    }
    let mut plan = Plan::default();

    check_clean(&git(&root, &["status", "--porcelain"])?)?;
    plan.step("the working tree is clean");

    let tag = version.tag();
    let head = git(&root, &["rev-parse", "HEAD"])?.trim().to_owned();
    let tagged = git(
        &root,
        &[
            "rev-parse",
            "-q",
            "--verify",
            &format!("refs/tags/{tag}^{{commit}}"),
        ],
    )
    .ok()
    .map(|commit| commit.trim().to_owned());
    let stage = release_stage(&tag, tagged.as_deref(), &head)?;

    let manifest = read(&root.join("Cargo.toml"))?;
    let current = workspace_version(&manifest)?;

    // Everything that would stop the publish part-way is refused before anything changes.
    let metadata = cargo_output(&root, &["metadata", "--format-version", "1", "--no-deps"])?;
    let members = parse_members(&metadata)?;
    check_members(&members, &current)?;
    let registry = CargoInfo {
        offline: options.offline,
    };
    let publish = plan_publish(&members, &version.to_string(), &registry)?;

    match stage {
        Stage::Fresh => prepare(&root, &options, &version, &manifest, &current, &mut plan)?,
        Stage::Resume => {
            if current != version.to_string() {
                return Err(format!(
                    "{tag} is at HEAD but Cargo.toml says {current}, not {version}"
                ));
            }
            plan.step(format!(
                "{tag} is already tagged at HEAD: the bump, changelog, checks, commit and tag \
                 are done; resuming with the publish"
            ));
        }
    }

    publish_all(&root, &options, &version, &publish, &registry, &mut plan)?;

    if options.dry_run {
        println!("\nDry run complete: nothing was written, committed, tagged or published.");
    } else {
        println!(
            "\nReleased {version}. Push the release commit and its tag: git push origin HEAD {tag}"
        );
    }
    Ok(())
}

/// Bump, changelog, checks, semver check, commit and tag.
fn prepare(
    root: &Path,
    options: &Options,
    version: &Version,
    manifest: &str,
    current: &str,
    plan: &mut Plan,
) -> Result<(), String> {
    let dry_run = options.dry_run;
    let v = version.to_string();
    let tag = version.tag();
    if *version < Version::parse(current)? {
        return Err(format!(
            "{v} is older than the workspace's version, {current}"
        ));
    }
    let (bumped, changes) = bump_workspace_version(manifest, &v)?;
    let changelog_path = root.join("CHANGELOG.md");
    let moved = move_unreleased(&read(&changelog_path)?, &v, &today_utc()?)?;

    for change in &changes {
        plan.step(format!("Cargo.toml {}", change.describe()));
    }
    plan.step(
        "Cargo.lock: record the workspace crates' new version (`cargo update --workspace --offline`)",
    );
    plan.step(format!(
        "CHANGELOG.md: move the Unreleased entries under a new `{}`, leaving an empty \
         `## [Unreleased]` above it ({})",
        moved.heading,
        moved.links.describe(&v)
    ));
    // From here on a real run has changed the tree: say how to get back.
    let bumped_tree = |e: String| {
        if dry_run {
            format!("{e}\nDry run: nothing was changed.")
        } else {
            format!(
                "{e}\nNothing was committed, tagged or published. The bump is left in {files}: \
                 fix the cause and run the release again after `git checkout -- {files}`.",
                files = RELEASE_FILES.join(" ")
            )
        }
    };
    if !dry_run {
        write(&root.join("Cargo.toml"), &bumped)?;
        write(&changelog_path, &moved.text)?;
        run_cargo(root, &[], &["update", "--workspace", "--offline"]).map_err(bumped_tree)?;
    }

    let run_checks = !dry_run || options.run_checks;
    let listed = if run_checks { "" } else { " (listed, not run)" };
    for check in CHECKS {
        plan.step(format!("check: {}{listed}", check.display()));
        if run_checks {
            run_cargo(root, check.env, check.args).map_err(bumped_tree)?;
        }
    }

    if !semver_checks_installed() {
        plan.step(SEMVER_CHECKS_MISSING);
    } else {
        let tags = git(root, &["tag", "--list", "v*"])?;
        match previous_release_tag(&tags, version) {
            None => plan.step(
                "semver check: no earlier release tag (v*) to compare with; skipping \
                 (a first release has no API to break)",
            ),
            Some(baseline) => {
                let args = ["semver-checks", "--workspace", "--baseline-rev", &baseline];
                plan.step(format!("check: cargo {}{listed}", args.join(" ")));
                if run_checks {
                    run_cargo(root, &[], &args).map_err(bumped_tree)?;
                }
            }
        }
    }

    plan.step(format!(
        "commit {} as \"Release {v}\"",
        RELEASE_FILES.join(", ")
    ));
    plan.step(format!("tag the commit {tag} (annotated, \"Release {v}\")"));
    if !dry_run {
        check_only_release_files(&git(root, &["status", "--porcelain"])?).map_err(bumped_tree)?;
        let mut add = vec!["add", "--"];
        add.extend(RELEASE_FILES);
        git(root, &add).map_err(bumped_tree)?;
        git(root, &["commit", "-q", "-m", &format!("Release {v}")]).map_err(bumped_tree)?;
        git(root, &["tag", "-a", &tag, "-m", &format!("Release {v}")])?;
    }
    Ok(())
}

/// Publishes the crates in order, skipping those already on the registry.
fn publish_all(
    root: &Path,
    options: &Options,
    version: &Version,
    steps: &[PublishStep],
    registry: &dyn RegistryLookup,
    plan: &mut Plan,
) -> Result<(), String> {
    let v = version.to_string();
    let mut published = Vec::new();
    for step in steps {
        let name = &step.name;
        if options.dry_run {
            plan.step(step.describe_dry_run(&v));
            continue;
        }
        // Ask again right before publishing: this is what makes a re-run resume.
        if registry.lookup(name, &v) == Registry::Present {
            plan.step(format!(
                "publish {name} {v}: already on the registry, skipping"
            ));
            continue;
        }
        plan.step(format!("publish {name} {v}: cargo publish -p {name}"));
        run_cargo(root, &[], &["publish", "-p", name]).map_err(|e| {
            format!(
                "{e}\n{}To resume: fix the cause, then run `cargo xtask release {v}` again with \
                 {tag} checked out; crates already on the registry are skipped.",
                if published.is_empty() {
                    "Nothing was published in this run. ".to_owned()
                } else {
                    format!(
                        "Published before it in this run: {}. ",
                        published.join(", ")
                    )
                },
                tag = version.tag(),
            )
        })?;
        published.push(name.clone());
    }
    Ok(())
}

/// Refuses a dirty tree (`git status --porcelain` output), naming the dirty paths.
fn check_clean(porcelain: &str) -> Result<(), String> {
    let dirty: Vec<&str> = porcelain.lines().filter(|l| !l.trim().is_empty()).collect();
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the working tree is not clean; commit or stash these first:\n{}",
            dirty.join("\n")
        ))
    }
}

/// Before the release commit: refuses changes (`git status --porcelain`) to anything but the
/// release files, which the checks should never have made.
fn check_only_release_files(porcelain: &str) -> Result<(), String> {
    let others: Vec<&str> = porcelain
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| {
            let path = line.get(3..).unwrap_or("");
            let path = path.rsplit_once(" -> ").map_or(path, |(_, to)| to);
            !RELEASE_FILES.contains(&path.trim_matches('"'))
        })
        .collect();
    if others.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "not committing: files other than {} changed during the release:\n{}",
            RELEASE_FILES.join(", "),
            others.join("\n")
        ))
    }
}

/// From whether the tag exists (the commit it names) and the commit checked out.
fn release_stage(tag: &str, tagged: Option<&str>, head: &str) -> Result<Stage, String> {
    match tagged {
        None => Ok(Stage::Fresh),
        Some(commit) if commit == head => Ok(Stage::Resume),
        Some(commit) => Err(format!(
            "the tag {tag} already exists, at {} rather than at HEAD ({}). To resume publishing \
             that release, `git checkout {tag}` and run this again; otherwise release a new \
             version.",
            short(commit),
            short(head)
        )),
    }
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

/// Asks crates.io with `cargo info <name>@<version>`.
struct CargoInfo {
    offline: bool,
}

impl RegistryLookup for CargoInfo {
    fn lookup(&self, name: &str, version: &str) -> Registry {
        if self.offline {
            return Registry::NotConsulted;
        }
        // From outside the workspace: inside it, `cargo info` answers from the local packages.
        let output = Command::new(cargo())
            .args([
                "info",
                &format!("{name}@{version}"),
                "--registry",
                "crates-io",
                "--quiet",
            ])
            .current_dir(std::env::temp_dir())
            .env("CARGO_HTTP_TIMEOUT", "20")
            .env("CARGO_NET_RETRY", "1")
            .stdin(Stdio::null())
            .output();
        match output {
            Ok(out) if out.status.success() => Registry::Present,
            Ok(out) if String::from_utf8_lossy(&out.stderr).contains("could not find") => {
                Registry::Absent
            }
            _ => Registry::Unreachable,
        }
    }
}

fn semver_checks_installed() -> bool {
    Command::new(cargo())
        .args(["semver-checks", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The cargo that runs us, so the checks use the same toolchain.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("could not read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("could not write {}: {e}", path.display()))
}

/// Runs a command and returns its standard output, or its standard error as the error.
fn output(command: &mut Command, shown: &str) -> Result<String, String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run `{shown}`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{shown}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    output(
        Command::new("git").args(args).current_dir(root),
        &format!("git {}", args.join(" ")),
    )
}

fn cargo_output(root: &Path, args: &[&str]) -> Result<String, String> {
    output(
        Command::new(cargo()).args(args).current_dir(root),
        &format!("cargo {}", args.join(" ")),
    )
}

/// Runs a cargo command with its output shown, failing if it fails.
fn run_cargo(root: &Path, env: &[(&str, &str)], args: &[&str]) -> Result<(), String> {
    let shown = show_cargo(env, args);
    let status = Command::new(cargo())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("could not run `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed"))
    }
}

fn today_utc() -> Result<String, String> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| format!("the clock is before 1970: {e}"))?
        .as_secs();
    let days = i64::try_from(seconds / 86_400).map_err(|e| e.to_string())?;
    Ok(civil_from_days(days))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options() {
        assert_eq!(
            Options::parse(&args("0.2.0 --dry-run --run-checks")).unwrap(),
            Options {
                version: "0.2.0".into(),
                dry_run: true,
                run_checks: true,
                offline: false,
            }
        );
        for bad in [
            "",
            "--dry-run",
            "0.2.0 0.3.0",
            "0.2.0 --force",
            "0.2.0 --run-checks",
            "0.2.0 --offline",
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn dirty_trees_are_refused_by_name() {
        check_clean("").unwrap();
        check_clean("\n").unwrap();
        let err = check_clean(" M Cargo.toml\n?? notes.txt\n").unwrap_err();
        assert!(err.contains("not clean"), "{err}");
        assert!(
            err.contains(" M Cargo.toml") && err.contains("?? notes.txt"),
            "{err}"
        );
    }

    #[test]
    fn only_the_release_files_are_committed() {
        check_only_release_files(" M Cargo.toml\n M Cargo.lock\n M CHANGELOG.md\n").unwrap();
        let err = check_only_release_files(" M Cargo.toml\n M crates/aloha-api/src/lib.rs\n")
            .unwrap_err();
        assert!(err.contains("crates/aloha-api/src/lib.rs"), "{err}");
        assert!(!err.contains(" M Cargo.toml"), "{err}");
    }

    #[test]
    fn an_existing_tag_means_resume_at_head_and_refusal_elsewhere() {
        assert_eq!(release_stage("v0.2.0", None, "abc").unwrap(), Stage::Fresh);
        assert_eq!(
            release_stage("v0.2.0", Some("abc"), "abc").unwrap(),
            Stage::Resume
        );
        let err =
            release_stage("v0.2.0", Some("0123456789abcdef"), "fedcba9876543210").unwrap_err();
        assert!(
            err.contains("git checkout v0.2.0") && err.contains("0123456789"),
            "{err}"
        );
    }

    #[test]
    fn checks_show_their_environment() {
        let shown: Vec<String> = CHECKS.iter().map(Check::display).collect();
        assert_eq!(
            shown,
            [
                "cargo xtask codegen --check",
                "cargo fmt --all -- --check",
                "cargo clippy --workspace --all-targets -- -D warnings",
                "cargo test --workspace",
                "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps",
            ]
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_415), "2025-11-23");
        assert_eq!(civil_from_days(19_782), "2024-02-29");
        assert_eq!(civil_from_days(-1), "1969-12-31");
    }
}
