//! The dependency-weight check of `cargo xtask bench`: which crates a vendor crate pulls in
//! (against [`FORBIDDEN`], also a unit test so CI enforces it), whether hyper's server half is
//! on, each vendor crate's clean build time, and the page's "Weight" section.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::bench_page::{cargo, shell_output};

/// The vendor crates a user depends on.
pub const VENDOR_CRATES: [&str; 2] = ["aloha-api", "aerona-api"];

/// Crates that must never be in a vendor crate's normal dependency tree: servers, CLIs, the
/// sandbox, benchmarks, test tools and Redis (an opt-in feature only).
pub const FORBIDDEN: [&str; 14] = [
    "axum",
    "clap",
    "indicatif",
    "criterion",
    "practice-sandbox",
    "practice-cli",
    "practice-bench",
    "httpmock",
    "tracing-subscriber",
    "csv",
    "redis",
    "practice-redis",
    "practice-sync",
    "sqlx",
];

pub(crate) struct Weight {
    pub(crate) krate: &'static str,
    pub(crate) crates: usize,
    pub(crate) forbidden: Vec<String>,
    pub(crate) hyper_server: bool,
    pub(crate) clean_build_s: Option<f64>,
}

/// The distinct `name version` lines of `cargo tree -e normal -p <krate> --prefix none`.
pub fn dependency_tree(root: &Path, krate: &str) -> Result<Vec<String>, String> {
    let text = shell_output(
        Command::new(cargo())
            .args(["tree", "-e", "normal", "-p", krate, "--prefix", "none"])
            .current_dir(root),
    )
    .map_err(|e| format!("cargo tree -p {krate}: {e}"))?;
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end_matches(" (*)").to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines.dedup();
    Ok(lines)
}

/// The [`FORBIDDEN`] crates named in `tree` (matched on the crate name, the first word).
pub fn forbidden_in(tree: &[String]) -> Vec<String> {
    tree.iter()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| FORBIDDEN.contains(name))
        .map(str::to_owned)
        .collect()
}

/// Whether hyper's `server` feature is enabled in `krate`'s normal tree (the client needs
/// hyper, never its server half).
pub fn hyper_server_feature(root: &Path, krate: &str) -> Result<bool, String> {
    let text = shell_output(
        Command::new(cargo())
            .args([
                "tree",
                "-e",
                "normal,features",
                "-p",
                krate,
                "-i",
                "hyper",
                "--prefix",
                "none",
            ])
            .current_dir(root),
    )
    .map_err(|e| format!("cargo tree -i hyper -p {krate}: {e}"))?;
    Ok(text.lines().any(|l| l.contains("hyper feature \"server\"")))
}

/// Seconds for `cargo build -p <krate>` into a fresh target directory under /tmp, which is
/// removed afterwards (the shared target directory is never touched).
pub(crate) fn clean_build_seconds(root: &Path, krate: &str) -> Result<f64, String> {
    let dir = std::env::temp_dir().join(format!(
        "practice-clean-build-{krate}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "$ CARGO_TARGET_DIR={} cargo build -p {krate}",
        dir.display()
    );
    let started = Instant::now();
    let status = Command::new(cargo())
        .args(["build", "-q", "-p", krate])
        .env("CARGO_TARGET_DIR", &dir)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo build -p {krate}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    if status.success() {
        Ok(seconds)
    } else {
        Err(format!("cargo build -p {krate} failed ({status})"))
    }
}

pub(crate) fn render_weight(s: &mut String, weights: &[Weight]) {
    let _ = writeln!(
        s,
        "## Weight\n\n\
         ```sh\n\
         cargo tree -e normal -p <crate> --prefix none\n\
         cargo tree -e normal,features -p <crate> -i hyper --prefix none\n\
         CARGO_TARGET_DIR=/tmp/<fresh dir> cargo build -p <crate>   # timed, dev profile\n\
         ```\n\n\
         Forbidden in a vendor crate's normal tree: {}. Enforced by `cargo test -p xtask` \
         (`bench_weight::tests::vendor_crates_carry_no_server_cli_or_bench_crates`).\n\n\
         | crate | crates in its normal tree | forbidden crates found | hyper `server` feature | clean build |\n\
         | --- | --- | --- | --- | --- |",
        FORBIDDEN.map(|c| format!("`{c}`")).join(", "),
    );
    for w in weights {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} |",
            w.krate,
            w.crates,
            if w.forbidden.is_empty() {
                "none".to_owned()
            } else {
                w.forbidden.join(", ")
            },
            if w.hyper_server { "on" } else { "off" },
            w.clean_build_s
                .map_or("not measured (--quick)".to_owned(), |t| format!("{t:.0} s")),
        );
    }
    s.push_str(
        "\nThe clean builds ran one after the other on the same machine, each in its own empty \
         target directory (so each includes every dependency).\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace_root;

    /// The dependency weight promise of the README and docs/architecture.md, enforced.
    #[test]
    fn vendor_crates_carry_no_server_cli_or_bench_crates() {
        let root = workspace_root();
        for krate in VENDOR_CRATES {
            let tree = dependency_tree(&root, krate).unwrap();
            assert!(
                tree.iter().any(|l| l.starts_with("practice-core ")),
                "{krate}: {tree:?}"
            );
            assert_eq!(forbidden_in(&tree), Vec::<String>::new(), "{krate}");
            assert!(
                !hyper_server_feature(&root, krate).unwrap(),
                "{krate} enables hyper's server half"
            );
        }
    }

    #[test]
    fn forbidden_names_match_whole_crate_names() {
        let tree = [
            "redis-protocol v1.0.0".to_owned(),
            "axum v0.8.1".to_owned(),
            "clap_lex v0.7.0".to_owned(),
        ];
        assert_eq!(forbidden_in(&tree), ["axum"]);
    }
}
