//! `cargo xtask release-hook`: what `cargo release` (cargo-release, configured in
//! `release.toml`) cannot do for us, run as its `pre-release-hook` after the version bump and
//! before the release commit — move the changelog's Unreleased section under the new version,
//! run the checks, and compare the public API with the last release tag
//! (`cargo semver-checks`). cargo-release does the rest: the version bump, `Cargo.lock`, the
//! commit, the tag, the publish in dependency order (skipping versions already on the
//! registry) and its dry run. See `docs/releasing.md`.
//!
//! cargo-release runs the hook once per crate, with the crate in `CRATE_NAME`; the work is
//! for the workspace, so it is done for one crate only ([`ACTS_FOR`]).

mod changelog;
mod semver;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use changelog::move_unreleased;

/// The crate whose hook does the work: the first one cargo-release releases, since every
/// other publishable crate depends on it.
const ACTS_FOR: &str = "practice-core";

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

/// The checks, in order; the first failure stops the release before its commit.
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

/// What cargo-release tells its hook, from the environment.
#[derive(Debug, PartialEq, Eq)]
struct HookEnv {
    crate_name: String,
    prev_version: String,
    new_version: String,
    dry_run: bool,
    workspace_root: PathBuf,
    /// `RELEASE_RUN_CHECKS=1`: run the checks in a dry run too.
    run_checks: bool,
    /// `RELEASE_SEMVER_BASELINE`: the git revision to compare the API with, instead of the last
    /// release tag (a first release, a rehearsal).
    semver_baseline: Option<String>,
}

impl HookEnv {
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<HookEnv, String> {
        let need = |name: &str| {
            var(name).ok_or_else(|| {
                format!(
                    "{name} is not set: `cargo xtask release-hook` is run by `cargo release` \
                     (see docs/releasing.md), not by hand"
                )
            })
        };
        Ok(HookEnv {
            crate_name: need("CRATE_NAME")?,
            prev_version: need("PREV_VERSION")?,
            new_version: need("NEW_VERSION")?,
            dry_run: need("DRY_RUN")? != "false",
            workspace_root: need("WORKSPACE_ROOT")?.into(),
            run_checks: var("RELEASE_RUN_CHECKS").is_some_and(|v| v == "1"),
            semver_baseline: var(semver::BASELINE_VAR),
        })
    }
}

/// Entry point: `args` are those after `release-hook` (none).
pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!(
            "unexpected argument {extra}: cargo release passes everything in the environment"
        ));
    }
    let env = HookEnv::from_vars(|name| std::env::var(name).ok())?;
    if env.crate_name != ACTS_FOR {
        return Ok(());
    }
    let root = &env.workspace_root;
    let dry = if env.dry_run { "dry run: " } else { "" };

    // The changelog first: an empty Unreleased section stops the release before the checks.
    let path = root.join("CHANGELOG.md");
    let moved = move_unreleased(&read(&path)?, &env.new_version, &today_utc()?)?;
    println!(
        "{dry}CHANGELOG.md: the Unreleased entries move under `{}` ({})",
        moved.heading,
        moved.links.describe(&env.new_version)
    );
    if !env.dry_run {
        write(&path, &moved.text)?;
    }

    let run_checks = !env.dry_run || env.run_checks;
    let listed = if run_checks {
        ""
    } else {
        " (listed, not run; RELEASE_RUN_CHECKS=1 runs them)"
    };
    for check in CHECKS {
        println!("{dry}check: {}{listed}", check.display());
        if run_checks {
            run_cargo(root, check.env, check.args)?;
        }
    }

    semver_check(root, &env, dry)
}

/// `cargo semver-checks` of every publishable library crate against the baseline
/// ([`semver::baseline`]: `RELEASE_SEMVER_BASELINE`, else the newest `v*` tag reachable from
/// HEAD). Run in a dry run too (it only reads). No baseline: the first release, nothing
/// published to break; skipped, and said so.
fn semver_check(root: &Path, env: &HookEnv, dry: &str) -> Result<(), String> {
    let tag = git(root, &["describe", "--tags", "--abbrev=0", "--match", "v*"]).ok();
    let Some(baseline) = semver::baseline(
        env.semver_baseline.as_deref(),
        tag.as_deref().map(str::trim),
    ) else {
        println!(
            "{dry}semver check: no release tag (v*) yet, so no published API to compare with; \
             skipped ({}=<git rev> compares with a revision anyway)",
            semver::BASELINE_VAR
        );
        return Ok(());
    };
    let rev = &baseline.rev;
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        format!(
            "the semver baseline `{rev}` ({}) is not a commit",
            baseline.why
        )
    })?;
    println!("{dry}semver check: baseline {rev} ({})", baseline.why);
    let metadata = cargo_output(root, &["metadata", "--no-deps", "--format-version", "1"])?;
    let plan = semver::plan(&semver::packages(&metadata)?, rev, |manifest| {
        git(root, &["cat-file", "-e", &format!("{rev}:{manifest}")]).is_ok()
    });
    for (name, why) in &plan.skipped {
        println!("{dry}semver check: {name} skipped: {why}");
    }
    if plan.compare.is_empty() {
        println!("{dry}semver check: no crate to compare");
        return Ok(());
    }
    let release_type = release_type(&env.prev_version, &env.new_version)?;
    let args = semver::args(&plan.compare, rev, release_type);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    println!("{dry}check: {}", show_cargo(&[], &args));
    if !semver_checks_installed() {
        let missing =
            "cargo-semver-checks is not installed (`cargo install cargo-semver-checks --locked`)";
        if env.dry_run {
            println!("{dry}{missing}: the release would refuse");
            return Ok(());
        }
        return Err(missing.into());
    }
    run_cargo(root, &[], &args)
}

/// The level of the bump from `prev` to `new` (`x.y.z`, pre-release ignored), as
/// `cargo semver-checks --release-type` takes it, by Cargo's convention: the leftmost non-zero
/// component is the major one, so 0.1.0 → 0.2.0 is `major` (may break) and 0.1.0 → 0.1.1 is
/// `minor`. cargo-semver-checks takes an explicit `--release-type` literally (`minor` on
/// 0.1.0 → 0.2.0 would refuse every break), and in a dry run the tree still holds the old
/// version, so the level must be computed here. The same version twice (a first release)
/// gives the least next change: `minor` before 1.0, `patch` after.
fn release_type(prev: &str, new: &str) -> Result<&'static str, String> {
    let parts = |v: &str| -> Result<[u64; 3], String> {
        let core = v.split(['-', '+']).next().unwrap_or(v);
        let numbers: Vec<u64> = core
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{v} is not a version x.y.z"))?;
        numbers
            .try_into()
            .map_err(|_| format!("{v} is not a version x.y.z"))
    };
    let (prev, new) = (parts(prev)?, parts(new)?);
    // Which component changes (none: the next patch, the least next change), measured from
    // the major one (the leftmost non-zero; 0.0.z counts its last).
    let changed = (0..3).find(|&i| prev[i] != new[i]).unwrap_or(2);
    let major = (0..2).find(|&i| new[i] != 0).unwrap_or(2);
    Ok(match changed.saturating_sub(major) {
        0 => "major",
        1 => "minor",
        _ => "patch",
    })
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

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let shown = format!("git {}", args.join(" "));
    let stdout = captured(Command::new("git"), root, args, &shown)?;
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// Runs a cargo command and returns what it printed, failing if it fails.
fn cargo_output(root: &Path, args: &[&str]) -> Result<String, String> {
    let shown = show_cargo(&[], args);
    let stdout = captured(Command::new(cargo()), root, args, &shown)?;
    String::from_utf8(stdout).map_err(|_| format!("`{shown}` printed invalid UTF-8"))
}

/// Runs `program` with `args` in `root`, no input, and returns its stdout; a failure to start
/// or a failed exit is an error naming `shown` (with the program's stderr).
fn captured(
    mut program: Command,
    root: &Path,
    args: &[&str],
    shown: &str,
) -> Result<Vec<u8>, String> {
    let out = program
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run `{shown}`: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "`{shown}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
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
        Err(format!(
            "`{shown}` failed; nothing is committed: fix the cause, `git checkout -- .` and run \
             `cargo release` again"
        ))
    }
}

/// Today's date in UTC, `YYYY-MM-DD`, for the changelog heading.
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
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_hook_reads_what_cargo_release_passes() {
        let base = [
            ("CRATE_NAME", "practice-core"),
            ("PREV_VERSION", "0.1.0"),
            ("NEW_VERSION", "0.2.0"),
            ("DRY_RUN", "true"),
            ("WORKSPACE_ROOT", "/ws"),
        ];
        let env = HookEnv::from_vars(vars(&base)).unwrap();
        assert_eq!(
            env,
            HookEnv {
                crate_name: "practice-core".into(),
                prev_version: "0.1.0".into(),
                new_version: "0.2.0".into(),
                dry_run: true,
                workspace_root: "/ws".into(),
                run_checks: false,
                semver_baseline: None,
            }
        );
        let mut real = base.to_vec();
        real[3] = ("DRY_RUN", "false");
        real.push(("RELEASE_RUN_CHECKS", "1"));
        real.push(("RELEASE_SEMVER_BASELINE", "04543b2"));
        let env = HookEnv::from_vars(vars(&real)).unwrap();
        assert!(!env.dry_run && env.run_checks);
        assert_eq!(env.semver_baseline.as_deref(), Some("04543b2"));
        let err = HookEnv::from_vars(vars(&base[1..])).unwrap_err();
        assert!(err.contains("CRATE_NAME is not set"), "{err}");
    }

    #[test]
    fn release_types_follow_cargos_convention() {
        // Before 1.0 the leftmost non-zero component is the major one.
        assert_eq!(release_type("0.1.0", "0.2.0").unwrap(), "major");
        assert_eq!(release_type("0.1.0", "0.1.1").unwrap(), "minor");
        assert_eq!(release_type("0.0.1", "0.0.2").unwrap(), "major");
        assert_eq!(release_type("0.9.3", "1.0.0").unwrap(), "major");
        assert_eq!(release_type("1.2.3", "1.3.0").unwrap(), "minor");
        assert_eq!(release_type("1.2.3", "1.2.4-rc.1").unwrap(), "patch");
        // A first release (the same version): the least next change.
        assert_eq!(release_type("0.1.0", "0.1.0").unwrap(), "minor");
        assert_eq!(release_type("1.0.0", "1.0.0").unwrap(), "patch");
        assert_eq!(release_type("0.0.1", "0.0.1").unwrap(), "major");
        assert!(release_type("0.1", "0.2.0").is_err());
        assert!(release_type("0.1.0", "x.2.0").is_err());
    }

    #[test]
    fn checks_show_their_environment() {
        let doc = CHECKS.last().unwrap();
        assert_eq!(
            doc.display(),
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps"
        );
        assert_eq!(CHECKS[0].display(), "cargo xtask codegen --check");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_415), "2025-11-23");
        assert_eq!(civil_from_days(19_782), "2024-02-29");
        assert_eq!(civil_from_days(-1), "1969-12-31");
    }
}
