//! Maintainer tasks, run as `cargo xtask <task>`:
//!
//! * `codegen [--check]` — regenerate each vendor crate's `src/generated/` from its
//!   `openapi.yaml`; with `--check`, fail if the checked-in code is stale.
//! * `release-hook` — cargo-release's pre-release hook (`release.toml`): the changelog move,
//!   the checks and `cargo semver-checks`; `cargo release` does the rest.
//! * `spec import <vendor> FILE [--out PATH]` — adopt the vendor's official OpenAPI document
//!   (JSON or YAML, 3.0 or 3.1) with our `x-…` extensions laid over it; prints every
//!   difference and which assumptions it settles (`spec/`).
//! * `bench [--quick]` — run every benchmark (stack overhead, large report, budget precision,
//!   the CLI's streamed report, weight and clean build times, a full sandbox sync) and rewrite
//!   `docs/benchmarks.md` with the figures; `--budget`, `--cli-report`, `--sync` or `--accounts` (fifty practices into PostgreSQL) runs one
//!   of them and rewrites only its section.

mod bench;
mod bench_accounts;
mod bench_budget;
mod bench_cli;
mod bench_page;
mod bench_services;
mod bench_sync;
mod bench_weight;
mod codegen;
mod release;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&args[1..]),
        Some("release-hook") => release::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("spec") => spec::run(&args[1..]),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask codegen [--check] | cargo xtask release-hook (run by `cargo release`) | cargo xtask bench [--quick | --budget | --cli-report | --sync | --accounts] | cargo xtask spec import aloha|aerona FILE [--out PATH]";

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
