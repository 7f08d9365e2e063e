//! Moving the `## [Unreleased]` section of a Keep a Changelog 1.1.0 file under a new version
//! heading, and updating the compare links at the bottom when there are any.

/// The changelog after the move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The new text.
    pub text: String,
    /// The heading that now holds the released changes, e.g. `## [0.2.0] - 2026-11-23`.
    pub heading: String,
    /// What happened to the link references.
    pub links: Links,
}

/// What the move did to the `[unreleased]: …` link reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Links {
    /// There is none: nothing to update.
    Absent,
    /// `[unreleased]` now compares from the new tag, and the new version has its own link.
    Updated,
    /// There is one, but not in a form we know how to update (left as it is).
    Unrecognized(String),
}

impl Links {
    /// How the plan shows it.
    pub fn describe(&self, version: &str) -> String {
        match self {
            Links::Absent => "no link references to update".into(),
            Links::Updated => {
                format!("[unreleased] compares from v{version}, and [{version}] gets its link")
            }
            Links::Unrecognized(url) => {
                format!("the [unreleased] link ({url}) is not a compare link; left unchanged")
            }
        }
    }
}

const UNRELEASED: &str = "## [Unreleased]";

/// Moves the body of `## [Unreleased]` under `## [version] - date`, leaving an empty
/// Unreleased section above it. Refuses an empty Unreleased section (one with no entries,
/// only blank lines or `###` headings) and a version that already has a section.
pub fn move_unreleased(changelog: &str, version: &str, date: &str) -> Result<Moved, String> {
    let lines: Vec<&str> = changelog.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end().eq_ignore_ascii_case(UNRELEASED))
        .ok_or("CHANGELOG.md has no `## [Unreleased]` section")?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## ") || link_reference(l).is_some())
        .map_or(lines.len(), |i| start + 1 + i);
    let mut body = &lines[start + 1..end];
    while body.first().is_some_and(|l| l.trim().is_empty()) {
        body = &body[1..];
    }
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body = &body[..body.len() - 1];
    }
    if body
        .iter()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(
            "the Unreleased section of CHANGELOG.md has no entries: nothing to release".into(),
        );
    }
    let version_heading = format!("## [{version}]");
    if lines.iter().any(|l| {
        l.strip_prefix(&version_heading)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    }) {
        return Err(format!("CHANGELOG.md already has a section for {version}"));
    }

    let heading = format!("{version_heading} - {date}");
    let mut out: Vec<String> = lines[..=start].iter().map(|l| (*l).to_owned()).collect();
    out.push(String::new());
    out.push(heading.clone());
    out.push(String::new());
    out.extend(body.iter().map(|l| (*l).to_owned()));
    if end < lines.len() {
        out.push(String::new());
    }
    let mut links = Links::Absent;
    for line in &lines[end..] {
        match link_reference(line) {
            Some((label, url)) if label.eq_ignore_ascii_case("unreleased") => {
                match updated_links(label, url, version) {
                    Some([unreleased, released]) => {
                        out.push(unreleased);
                        out.push(released);
                        links = Links::Updated;
                    }
                    None => {
                        out.push((*line).to_owned());
                        links = Links::Unrecognized(url.to_owned());
                    }
                }
            }
            _ => out.push((*line).to_owned()),
        }
    }
    let mut text = out.join("\n");
    if changelog.ends_with('\n') {
        text.push('\n');
    }
    Ok(Moved {
        text,
        heading,
        links,
    })
}

/// `[label]: url` → `(label, url)`.
fn link_reference(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('[')?;
    let (label, url) = rest.split_once("]:")?;
    let url = url.trim();
    (!label.is_empty() && !url.is_empty() && !url.contains(' ')).then_some((label, url))
}

/// The new `[unreleased]` line and the new version's line, from either
/// `<repo>/compare/<previous>...HEAD` or, before a first release, `<repo>/commits/<branch>`.
fn updated_links(label: &str, url: &str, version: &str) -> Option<[String; 2]> {
    let (repo, released) = if let Some((repo, range)) = url.split_once("/compare/") {
        let previous = range.strip_suffix("...HEAD")?;
        (repo, format!("{repo}/compare/{previous}...v{version}"))
    } else {
        let (repo, _) = url.split_once("/commits/")?;
        (repo, format!("{repo}/releases/tag/v{version}"))
    };
    Some([
        format!("[{label}]: {repo}/compare/v{version}...HEAD"),
        format!("[{version}]: {released}"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "https://github.com/practice-sdk/practice-sdk";

    #[test]
    fn moves_the_entries_and_updates_compare_links() {
        let log = format!(
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n- aerona-api webhooks\n\n### Fixed\n- a retry\n\n## [0.1.0] - 2026-11-01\n\n### Added\n- practice-core\n\n[unreleased]: {REPO}/compare/v0.1.0...HEAD\n[0.1.0]: {REPO}/releases/tag/v0.1.0\n"
        );
        let moved = move_unreleased(&log, "0.2.0", "2026-11-23").unwrap();
        assert_eq!(moved.heading, "## [0.2.0] - 2026-11-23");
        assert_eq!(moved.links, Links::Updated);
        assert_eq!(
            moved.text,
            format!(
                "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-23\n\n### Added\n- aerona-api webhooks\n\n### Fixed\n- a retry\n\n## [0.1.0] - 2026-11-01\n\n### Added\n- practice-core\n\n[unreleased]: {REPO}/compare/v0.2.0...HEAD\n[0.2.0]: {REPO}/compare/v0.1.0...v0.2.0\n[0.1.0]: {REPO}/releases/tag/v0.1.0\n"
            )
        );
    }

    #[test]
    fn a_first_release_gets_a_tag_link() {
        let log = format!(
            "# Changelog\n\n## [Unreleased]\n\n### Added\n- practice-core\n\n[Unreleased]: {REPO}/commits/main\n"
        );
        let moved = move_unreleased(&log, "0.1.0", "2026-11-23").unwrap();
        assert_eq!(
            moved.text,
            format!(
                "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-23\n\n### Added\n- practice-core\n\n[Unreleased]: {REPO}/compare/v0.1.0...HEAD\n[0.1.0]: {REPO}/releases/tag/v0.1.0\n"
            )
        );
    }

    #[test]
    fn without_links_the_section_is_moved_alone() {
        let log = "# Changelog\n\n## [Unreleased]\n### Added\n- practice-core\n";
        let moved = move_unreleased(log, "0.1.0", "2026-11-23").unwrap();
        assert_eq!(moved.links, Links::Absent);
        assert_eq!(
            moved.text,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-23\n\n### Added\n- practice-core\n"
        );
        let odd = "## [Unreleased]\n\n- x\n\n[unreleased]: https://example.com/x\n";
        let moved = move_unreleased(odd, "0.1.0", "2026-11-23").unwrap();
        assert!(matches!(moved.links, Links::Unrecognized(_)));
        assert!(
            moved
                .text
                .ends_with("[unreleased]: https://example.com/x\n")
        );
    }

    #[test]
    fn refuses_an_empty_unreleased_section() {
        for empty in [
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n\n- seed\n",
            "# Changelog\n\n## [Unreleased]\n\n### Added\n\n### Fixed\n\n## [0.1.0] - 2026-01-01\n",
            "# Changelog\n\n## [Unreleased]\n\n[unreleased]: https://example.com/compare/v0.1.0...HEAD\n",
            "# Changelog\n\n## [Unreleased]\n",
        ] {
            let err = move_unreleased(empty, "0.2.0", "2026-11-23").unwrap_err();
            assert!(err.contains("no entries"), "{err}");
        }
    }

    #[test]
    fn refuses_a_missing_section_and_a_version_released_twice() {
        assert!(
            move_unreleased("# Changelog\n", "0.1.0", "2026-11-23")
                .unwrap_err()
                .contains("no `## [Unreleased]`")
        );
        let log = "## [Unreleased]\n\n- x\n\n## [0.1.0] - 2026-01-01\n\n- y\n";
        assert!(
            move_unreleased(log, "0.1.0", "2026-11-23")
                .unwrap_err()
                .contains("already has a section")
        );
        move_unreleased(log, "0.1.0-rc.1", "2026-11-23").unwrap();
    }
}
