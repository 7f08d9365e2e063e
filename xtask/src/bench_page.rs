//! What the benches share: running a command shown, reading the figures it wrote, and
//! dating and rewriting sections of `docs/benchmarks.md` (for the whole page and for a bench
//! run alone).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs `command` (a shell-free `cargo …` line, optional `VAR=value` prefixes handled by
/// `env`) in `root`, echoing it; fails if it fails.
pub(crate) fn run_shown(root: &Path, command: &str, env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ {command}");
    let words: Vec<&str> = command
        .split_whitespace()
        .filter(|w| !w.contains('='))
        .collect();
    let status = Command::new(cargo())
        .args(&words[1..])
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .map_err(|e| format!("{command}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command} failed ({status})"))
    }
}

/// `VmHWM` of a `/proc/PID/status`, in KiB.
pub(crate) fn vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A target's verdict, in bold.
pub(crate) fn met(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**not met**" }
}

/// A figure of a bench's JSON (NaN when absent, which renders as such).
pub(crate) fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

pub(crate) fn shell_output(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

pub(crate) fn read_json(path: &Path) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Rewrites the section headed `heading` of `docs/benchmarks.md` with `section`, or appends
/// it when the page has none: for a bench run alone (`--cli-report`, `--sync`).
pub(crate) fn write_section(root: &Path, heading: &str, section: &str) -> Result<(), String> {
    let path = root.join("docs/benchmarks.md");
    let page = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let page = match replace_section(&page, heading, section) {
        Some(page) => page,
        None => format!("{}\n\n{section}", page.trim_end()),
    };
    std::fs::write(&path, page).map_err(|e| format!("could not write {}: {e}", path.display()))
}

/// The heading of the page's one section measured by hand (release builds and TLS options,
/// too slow to rerun with every bench), which a full run carries over unchanged.
pub(crate) const MEASURED_BY_HAND: &str = "## Packaging (measured by hand)";

/// `page` with the sections headed `kept` that `old` (the page it replaces) has appended, in
/// that order: the sections a full run does not measure.
pub(crate) fn keep_sections(old: &str, page: String, kept: &[&str]) -> String {
    let mut page = page;
    for &heading in kept {
        let Some(start) = old.find(&format!("{heading}\n")) else {
            continue;
        };
        let rest = &old[start..];
        let end = rest[heading.len()..]
            .find("\n## ")
            .map_or(rest.len(), |i| heading.len() + i + 1);
        page = format!("{}\n\n{}", page.trim_end(), rest[..end].trim_end()) + "\n";
    }
    page
}

/// Now, in UTC to the minute, for the date a page or section gives.
pub(crate) fn utc_now() -> String {
    shell_output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "an unknown date".to_owned())
}

/// `page` with the section that starts at the line `heading` (up to the next `## `) replaced
/// by `section`.
pub(crate) fn replace_section(page: &str, heading: &str, section: &str) -> Option<String> {
    let start = page.find(&format!("{heading}\n"))?;
    let rest = &page[start + heading.len()..];
    let end = rest
        .find("\n## ")
        .map_or(page.len(), |i| start + heading.len() + i + 1);
    Some(format!("{}{section}{}", &page[..start], &page[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_run_keeps_the_section_measured_by_hand() {
        let old = format!("# T\n\n## A\nold a\n\n{MEASURED_BY_HAND}\nsizes\n\n## B\nb\n");
        let page = keep_sections(&old, "# T\n\n## A\nnew a\n".to_owned(), &[MEASURED_BY_HAND]);
        assert_eq!(
            page,
            format!("# T\n\n## A\nnew a\n\n{MEASURED_BY_HAND}\nsizes\n")
        );
        let last = format!("# T\n\n{MEASURED_BY_HAND}\nsizes\n");
        assert_eq!(
            keep_sections(&last, "# N\n".into(), &[MEASURED_BY_HAND]),
            format!("# N\n\n{MEASURED_BY_HAND}\nsizes\n")
        );
        assert_eq!(
            keep_sections("# T\n", "# N\n".into(), &[MEASURED_BY_HAND]),
            "# N\n"
        );
    }

    #[test]
    fn only_the_named_section_is_replaced() {
        let page = "# T\n\n## A\nold a\n\n## Budget precision\nold\n\n## Weight\nw\n";
        let new =
            replace_section(page, "## Budget precision", "## Budget precision\nnew\n\n").unwrap();
        assert_eq!(
            new,
            "# T\n\n## A\nold a\n\n## Budget precision\nnew\n\n## Weight\nw\n"
        );
        let last = replace_section("## Budget precision\nold\n", "## Budget precision", "x\n");
        assert_eq!(last.as_deref(), Some("x\n"));
        assert!(replace_section(page, "## Missing", "x").is_none());
    }
}
