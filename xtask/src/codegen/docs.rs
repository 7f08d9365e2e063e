//! Rustdoc text from spec text: safe for `rustdoc -D warnings` and clippy (no doctests from
//! stray code blocks, no broken intra-doc links, no bare URLs or HTML tags, no lazy list
//! continuations).

use proc_macro2::TokenStream;
use quote::quote;

/// The doc comment of one generated item, as paragraphs of lines.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    lines: Vec<String>,
    /// `#[doc(alias = "…")]` names, from the spec's `x-doc-alias`.
    aliases: Vec<String>,
}

impl Doc {
    /// A doc starting with spec text (sanitised), or with `fallback` when the text is empty.
    pub fn from_spec(text: Option<&str>, fallback: &str) -> Self {
        let mut doc = Doc::default();
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => doc.spec(text),
            None => doc.own(fallback),
        }
        doc
    }

    /// Adds a paragraph of spec text (sanitised).
    pub fn spec(&mut self, text: &str) {
        let lines = sanitize(text);
        if !lines.is_empty() {
            self.break_paragraph();
            self.lines.extend(lines);
        }
    }

    /// Adds a paragraph written by the generator (trusted markdown).
    pub fn own(&mut self, text: &str) {
        self.break_paragraph();
        self.lines.extend(text.lines().map(str::to_owned));
    }

    /// Adds the spec's `x-assumption` text, as "**Assumption:** …".
    pub fn assumptions(&mut self, assumptions: &[String]) {
        for text in assumptions {
            let mut lines = sanitize(text);
            if let Some(first) = lines.first_mut() {
                *first = format!("**Assumption:** {first}");
                self.break_paragraph();
                self.lines.extend(lines);
            }
        }
    }

    /// Adds names under which rustdoc's search finds the item (`x-doc-alias`).
    pub fn aliases(&mut self, aliases: Vec<String>) {
        self.aliases.extend(aliases);
    }

    /// Adds every paragraph of `other` but its first.
    pub fn append_after_first(&mut self, other: &Doc) {
        if let Some(blank) = other.lines.iter().position(String::is_empty) {
            self.break_paragraph();
            self.lines.extend(other.lines[blank + 1..].iter().cloned());
        }
    }

    fn break_paragraph(&mut self) {
        if !self.lines.is_empty() {
            self.lines.push(String::new());
        }
    }

    /// `#[doc = "…"]` attributes, one per line.
    pub fn tokens(&self) -> TokenStream {
        let attrs = self.lines.iter().map(|line| {
            let text = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #text])
        });
        let aliases = self
            .aliases
            .iter()
            .map(|alias| quote!(#[doc(alias = #alias)]));
        quote!(#(#attrs)* #(#aliases)*)
    }

    /// `#![doc = "…"]` attributes, one per line, for a module.
    pub fn inner_tokens(&self) -> TokenStream {
        let attrs = self.lines.iter().map(|line| {
            let text = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#![doc = #text])
        });
        quote!(#(#attrs)*)
    }
}

/// Spec text as rustdoc lines.
pub fn sanitize(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut in_list_item = false;
    for raw in text.replace('\t', "    ").lines() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix("```") {
            if in_fence {
                out.push("```".to_owned());
            } else {
                // A fence without a language would be compiled as a doctest.
                let lang = rest.trim();
                let lang = if lang.is_empty() || lang == "rust" {
                    "text"
                } else {
                    lang
                };
                out.push(format!("```{lang}"));
            }
            in_fence = !in_fence;
            in_list_item = false;
            continue;
        }
        if in_fence {
            out.push(raw.trim_end().to_owned());
            continue;
        }
        if line.is_empty() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            in_list_item = false;
            continue;
        }
        let escaped = escape_line(line);
        let is_item = is_list_item(line);
        if in_list_item && !is_item {
            // A lazy continuation of a list item: join it to the item.
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(&escaped);
            }
            continue;
        }
        in_list_item = is_item;
        out.push(escaped);
    }
    if in_fence {
        out.push("```".to_owned());
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

fn is_list_item(line: &str) -> bool {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return true;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

/// Escapes brackets and angle brackets outside code spans, and wraps bare URLs in `<…>`.
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if !in_code && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || ch == '<' || ch == '>' || ch == '`')
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '"', '\'']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        if !in_code && matches!(c, '[' | ']' | '<' | '>' | '\\') {
            if c == '>' && out.is_empty() {
                // A block quote marker at the start of a line is fine as it is.
                out.push(c);
            } else {
                out.push('\\');
                out.push(c);
            }
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_links_urls_html_and_code() {
        let lines = sanitize(
            "See [data] at https://example.com/x. Use <b>.\n    indented\n```\nlet x = 1;\n```",
        );
        assert_eq!(
            lines,
            [
                r"See \[data\] at <https://example.com/x>. Use \<b\>.",
                "indented",
                "```text",
                "let x = 1;",
                "```"
            ]
        );
    }

    #[test]
    fn joins_lazy_list_continuations() {
        let lines = sanitize("Items:\n- one\n  more\n- two\n\nAfter.");
        assert_eq!(lines, ["Items:", "- one more", "- two", "", "After."]);
    }

    #[test]
    fn leaves_code_spans_alone() {
        assert_eq!(sanitize("`a[0] <b>` [c]"), [r"`a[0] <b>` \[c\]"]);
    }
}
