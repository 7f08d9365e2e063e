//! Rust names from wire names.

use heck::{ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Names that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Type names the generated code uses unqualified, which a model must not shadow.
const PRELUDE_TYPES: &[&str] = &[
    "Option", "Result", "Vec", "String", "Box", "Some", "None", "Ok", "Err", "Default", "Self",
];

/// Names the generated code imports (see `emit::types`), which a model must not take.
const IMPORTED: &[&str] = &[
    "Bytes",
    "Date",
    "Decimal",
    "DeserializeAsWrap",
    "Endpoint",
    "Error",
    "Method",
    "OffsetDateTime",
    "OperationMeta",
    "RawValue",
    "Secret",
    "SerializeAsWrap",
    "Time",
    "Validator",
    "Value",
];

/// A field or parameter name: snake case of the wire name.
pub fn field(wire: &str) -> String {
    let mut name = wire.to_snake_case();
    if name.is_empty() {
        name = "field".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "n_");
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A type name: upper camel case.
pub fn type_name(raw: &str) -> String {
    let mut name = raw.to_upper_camel_case();
    if name.is_empty() {
        name = "Unnamed".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'N');
    }
    if PRELUDE_TYPES.contains(&name.as_str())
        || IMPORTED.contains(&name.as_str())
        || name == "CodeVisitor"
    {
        name.push_str("Model");
    }
    name
}

/// A variant name of an enumeration from its label.
pub fn variant(label: &str) -> String {
    let cleaned: String = label
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut name = cleaned.to_upper_camel_case();
    if name.is_empty() {
        name = "Empty".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" {
        name.push('_');
    }
    name
}

/// The name of a static: shouty snake case.
pub fn constant(raw: &str) -> String {
    raw.to_shouty_snake_case()
}

/// An operation name derived from its method and path when it has no `operationId`:
/// `GET /v1/payments/{paymentId}` becomes `getPaymentsByPaymentId`.
pub fn operation_from_path(method: &str, path: &str) -> String {
    let mut words = vec![method.to_owned()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let is_version = segment.len() > 1
            && segment.starts_with(['v', 'V'])
            && segment[1..].chars().all(|c| c.is_ascii_digit());
        if is_version {
            continue;
        }
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                words.push("by".to_owned());
                words.push(param.to_owned());
            }
            None => words.push(segment.to_owned()),
        }
    }
    words.join("_").to_lower_camel_case()
}

/// An identifier, raw when it is a keyword.
pub fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field("clientId"), "client_id");
        assert_eq!(field("client_Name"), "client_name");
        assert_eq!(field("renderingProviderNPI"), "rendering_provider_npi");
        assert_eq!(ident(&field("type")).to_string(), "r#type");
        assert_eq!(type_name("billing-ledger entry"), "BillingLedgerEntry");
        assert_eq!(type_name("Result"), "ResultModel");
        assert_eq!(variant("Failed to Attend"), "FailedToAttend");
        assert_eq!(variant("GP"), "Gp");
        assert_eq!(variant("before 12pm"), "Before12pm");
        assert_eq!(variant("1"), "V1");
        assert_eq!(constant("getPayment"), "GET_PAYMENT");
        assert_eq!(
            operation_from_path("get", "/v1/payments/{paymentId}"),
            "getPaymentsByPaymentId"
        );
        assert_eq!(
            operation_from_path("put", "/v1/appointments/{appointmentId}/status"),
            "putAppointmentsByAppointmentIdStatus"
        );
    }
}
