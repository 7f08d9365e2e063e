//! Keeps the credentials and tokens a client holds out of every error and log line, even when
//! a vendor echoes them back in an error body, a header or a nested message.
//!
//! The client's [`Redactor`] knows its authenticator's credentials from the start and each
//! token as it is obtained. Error answers are redacted before the vendor profile reads them,
//! and every error leaving the client is redacted again (decode errors quote values).
// Times, durations and dates here come from vendors and users: no arithmetic that can panic.
#![deny(clippy::arithmetic_side_effects)]

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http::{HeaderValue, Response};

use crate::error::Error;
use crate::secret::Secret;

/// What replaces a secret.
pub const MASK: &str = "***";

/// How many tokens are remembered besides the credentials: the current ones and a few
/// predecessors a vendor may still echo. Bounds the memory and the cost of each redaction.
const TOKENS_KEPT: usize = 8;

/// Secrets shorter than this are not searched for: masking every `1` of a message would hide
/// more than it protects, and no vendor issues such tokens.
const SHORTEST: usize = 3;

/// The secrets one client holds, and the redaction of text that may contain them. Cheap to
/// clone; clones share the list.
#[derive(Clone, Default)]
pub struct Redactor {
    inner: Arc<RwLock<Known>>,
}

#[derive(Default)]
struct Known {
    credentials: Vec<String>,
    tokens: VecDeque<String>,
}

impl Known {
    fn all(&self) -> impl Iterator<Item = &str> {
        self.credentials
            .iter()
            .chain(self.tokens.iter())
            .map(String::as_str)
    }
}

/// The forms a secret takes in text: as is, and escaped inside a JSON string.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    if let Ok(quoted) = serde_json::to_string(secret) {
        let escaped = quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or_default();
        if escaped != secret {
            forms.push(escaped.to_owned());
        }
    }
    forms
}

impl Redactor {
    /// A redactor that knows no secret yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Known> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers a credential for the client's lifetime.
    pub fn add_credential(&self, secret: &Secret) {
        if secret.expose().len() < SHORTEST {
            return;
        }
        let mut known = self.write();
        for form in forms(secret.expose()) {
            if !known.credentials.contains(&form) {
                known.credentials.push(form);
            }
        }
    }

    /// Remembers a token; the oldest is forgotten beyond a few.
    pub fn add_token(&self, secret: &Secret) {
        if secret.expose().len() < SHORTEST {
            return;
        }
        {
            let known = self.inner.read().unwrap_or_else(|p| p.into_inner());
            if known.tokens.iter().any(|t| t == secret.expose()) {
                return;
            }
        }
        let mut known = self.write();
        for form in forms(secret.expose()) {
            if known.tokens.contains(&form) {
                continue;
            }
            if known.tokens.len() >= TOKENS_KEPT {
                known.tokens.pop_front();
            }
            known.tokens.push_back(form);
        }
    }

    /// `text` with every known secret replaced by [`MASK`].
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let known = self.inner.read().unwrap_or_else(|p| p.into_inner());
        let mut out = Cow::Borrowed(text);
        for secret in known.all() {
            if out.contains(secret) {
                out = Cow::Owned(out.replace(secret, MASK));
            }
        }
        out
    }

    /// A copy of an error answer (status, headers, body) with every known secret masked, for
    /// the vendor profile to read.
    pub fn masked_copy(&self, response: &Response<Bytes>) -> Response<Bytes> {
        let body = response.body();
        let text = String::from_utf8_lossy(body);
        let body = match self.text(&text) {
            Cow::Owned(clean) => Bytes::from(clean),
            Cow::Borrowed(_) => body.clone(),
        };
        let mut copy = Response::new(body);
        *copy.status_mut() = response.status();
        *copy.version_mut() = response.version();
        for (name, value) in response.headers() {
            let value = match value.to_str().map(|text| self.text(text)) {
                Ok(Cow::Owned(clean)) => {
                    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static(MASK))
                }
                _ => value.clone(),
            };
            copy.headers_mut().append(name.clone(), value);
        }
        copy
    }

    /// `err` with every known secret masked in its message, vendor messages and causes.
    pub fn error(&self, err: Error) -> Error {
        err.map_text(&|text| self.text(text).into_owned())
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = self.inner.read().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("Redactor")
            .field("credentials", &known.credentials.len())
            .field("tokens", &known.tokens.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_raw_and_json_escaped_forms_and_forgets_old_tokens() {
        let redactor = Redactor::new();
        redactor.add_credential(&Secret::new(r#"pa"ss\word"#));
        assert_eq!(
            redactor.text(r#"bad pa"ss\word and {"p":"pa\"ss\\word"}"#),
            r#"bad *** and {"p":"***"}"#
        );
        for n in 0..20 {
            redactor.add_token(&Secret::new(format!("token-{n:02}")));
        }
        assert_eq!(redactor.text("token-19 token-00"), "*** token-00");
        assert_eq!(redactor.text("pa"), "pa", "too short to search for");
    }
}
