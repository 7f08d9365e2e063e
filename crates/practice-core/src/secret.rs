//! Credentials and tokens, held so that `Debug` and `Display` never show them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A secret string (password, secret key, token). `Debug` prints `Secret(***)`; the value is
/// reachable only through [`Secret::expose`], which marks every place it leaves the type.
///
/// `Secret` deliberately does not implement `serde::Serialize`: a struct of yours holding one
/// would otherwise write the plain value wherever it is serialised (logs, caches, error
/// reports), and writing `"***"` instead would silently corrupt a round trip. Serialise
/// `secret.expose()` explicitly where the value must leave. It does implement `Deserialize`,
/// so configuration files can carry credentials in.
///
/// ```compile_fail
/// fn serialisable<T: serde::Serialize>() {}
/// serialisable::<practice_core::Secret>(); // does not compile: Secret is not Serialize
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The secret text. Call it only to put the secret on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// Serialises the plain value, for `#[serde(serialize_with = "...")]` on a field that must
/// carry the secret (a request body, a shared token store). The attribute marks the one place
/// the value leaves, as [`Secret::expose`] does.
pub fn serialize_exposed<S: serde::Serializer>(
    secret: &Secret,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

/// [`serialize_exposed`] for an optional secret (`None` is written as `null`).
pub fn serialize_exposed_option<S: serde::Serializer>(
    secret: &Option<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose()),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_serialises_the_value_only_when_it_says_so() {
        #[derive(serde::Serialize)]
        struct Body {
            #[serde(serialize_with = "serialize_exposed")]
            password: Secret,
            #[serde(serialize_with = "serialize_exposed_option")]
            pin: Option<Secret>,
        }
        let body = Body {
            password: Secret::new("pw"),
            pin: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"password":"pw","pin":null}"#
        );
    }

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2-secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(s.expose(), "hunter2-secret");
    }
}
