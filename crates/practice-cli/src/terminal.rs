//! What reaches a terminal: colour only where it is wanted, and vendor text that cannot steer
//! the terminal (escape sequences, C1 controls, bidi overrides are shown escaped).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::IsTerminal;

/// Whether stderr gets ANSI colour: only on a terminal, and never with a non-empty
/// `NO_COLOR` (<https://no-color.org>).
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether `c` would steer a terminal or reorder what is shown: C0 controls, DEL, C1
/// controls, and the bidi marks, embeddings, overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every unsafe character written as its Rust escape (`\u{1b}`); borrowed when
/// there is nothing to escape.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steering_characters_are_escaped_and_the_rest_kept() {
        assert!(matches!(escape("Zoë Smith, 12:00"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\u{1b}]52;c;eA==\u{7}b"),
            "a\\u{1b}]52;c;eA==\\u{7}b"
        );
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape("x\u{202e}cod.exe"), "x\\u{202e}cod.exe");
        assert_eq!(
            escape("\u{2066}\u{2069}\u{200f}"),
            "\\u{2066}\\u{2069}\\u{200f}"
        );
        assert_eq!(escape("tab\there\r\n"), "tab\\u{9}here\\u{d}\\u{a}");
        assert_eq!(escape("\u{7f}"), "\\u{7f}");
    }
}
