//! Semantic versions as a release takes them: `x.y.z` with an optional `-pre`, compared by
//! the rules of semver 2.0.0 (§11), and the release tags (`v<version>`) they are given.

use std::cmp::Ordering;
use std::fmt;

/// A version `major.minor.patch[-pre]` (build metadata, `+…`, is not accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<String>,
}

impl Version {
    /// Parses `x.y.z` or `x.y.z-pre`, refusing anything else with a message that says why.
    pub fn parse(text: &str) -> Result<Version, String> {
        let bad = |why: &str| {
            format!("{text:?} is not a semantic version such as 0.1.0 or 1.2.0-rc.1: {why}")
        };
        if text.contains('+') {
            return Err(bad("build metadata (`+…`) is not used for releases"));
        }
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let numbers: Vec<&str> = core.split('.').collect();
        if numbers.len() != 3 {
            return Err(bad("expected three numbers, major.minor.patch"));
        }
        let mut parsed = [0u64; 3];
        for (slot, number) in parsed.iter_mut().zip(&numbers) {
            if !is_numeric(number) {
                return Err(bad("each of major, minor and patch is a number"));
            }
            if has_leading_zero(number) {
                return Err(bad("numbers have no leading zeros"));
            }
            *slot = number.parse().map_err(|_| bad("a number is too large"))?;
        }
        let pre = match pre {
            None => Vec::new(),
            Some(pre) => {
                let identifiers: Vec<String> = pre.split('.').map(str::to_owned).collect();
                for identifier in &identifiers {
                    if identifier.is_empty()
                        || !identifier
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    {
                        return Err(bad(
                            "the pre-release is dot-separated identifiers of [0-9A-Za-z-]",
                        ));
                    }
                    if is_numeric(identifier) && has_leading_zero(identifier) {
                        return Err(bad("numeric pre-release identifiers have no leading zeros"));
                    }
                }
                identifiers
            }
        };
        let [major, minor, patch] = parsed;
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// The git tag of this release.
    pub fn tag(&self) -> String {
        format!("v{self}")
    }
}

fn is_numeric(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn has_leading_zero(number: &str) -> bool {
    number.len() > 1 && number.starts_with('0')
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        Ok(())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release comes before its release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_pre(&self.pre, &other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Semver §11.4: numeric identifiers numerically and below alphanumeric ones, alphanumeric
/// ones in ASCII order, and a shorter list first when one is a prefix of the other.
fn compare_pre(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (is_numeric(x), is_numeric(y)) {
            // No leading zeros, so the longer number is the larger one.
            (true, true) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// The newest release tag (`v<version>`, one per line as `git tag --list` prints them) older
/// than `version`: the baseline the semver check compares against.
pub fn previous_release_tag(tags: &str, version: &Version) -> Option<String> {
    tags.lines()
        .filter_map(|tag| {
            let parsed = Version::parse(tag.trim().strip_prefix('v')?).ok()?;
            (parsed < *version).then_some(parsed)
        })
        .max()
        .map(|v| v.tag())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn accepts_release_and_pre_release_versions() {
        for good in [
            "0.1.0",
            "1.2.3",
            "10.0.0-rc.1",
            "1.0.0-alpha-2",
            "1.0.0-0.3.7",
        ] {
            assert_eq!(v(good).to_string(), good);
        }
    }

    #[test]
    fn refuses_anything_else_with_a_reason() {
        for bad in [
            "",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.x",
            "v1.2.3",
            "1.2.3-",
            "1.2.3-a..b",
            "1.2.3-01",
            "1.2.3-rc_1",
            "1.2.3+build.5",
            " 1.2.3",
            "99999999999999999999.0.0",
        ] {
            let err = Version::parse(bad).unwrap_err();
            assert!(err.contains("is not a semantic version"), "{bad}: {err}");
        }
        assert!(
            Version::parse("1.2.3+b")
                .unwrap_err()
                .contains("build metadata")
        );
    }

    #[test]
    fn orders_as_semver_says() {
        let ascending = [
            "0.9.0",
            "0.10.0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn the_previous_tag_is_the_newest_older_release() {
        let tags = "v0.1.0\nv0.2.0-rc.1\nv0.2.0\nv0.10.0\nnot-a-tag\nv0.3.0\n";
        assert_eq!(
            previous_release_tag(tags, &v("0.3.0")).as_deref(),
            Some("v0.2.0")
        );
        assert_eq!(
            previous_release_tag(tags, &v("0.2.0")).as_deref(),
            Some("v0.2.0-rc.1")
        );
        assert_eq!(previous_release_tag(tags, &v("0.1.0")), None);
        assert_eq!(previous_release_tag("", &v("0.1.0")), None);
    }
}
