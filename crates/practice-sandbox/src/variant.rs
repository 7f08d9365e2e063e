//! The variant sandbox ([`SandboxConfig::variant`](crate::SandboxConfig::variant)): vendors
//! whose truth differs from the project's assumptions in ways a first contact with a real
//! account could find, so that `practice … probe` and the settings it suggests are tested end
//! to end:
//!
//! * Aloha's token lives at `/v1/token`, not `/token` (assumption A16); `/token` is the
//!   vendor's wrong-URL 429.
//! * Aerona's login wants a form body (`application/x-www-form-urlencoded`), not JSON
//!   (assumption A1); a JSON login is answered 415.
//! * Rows carry a string where the spec has a number (Aloha Client `officeId`, Aerona Patient
//!   `patientTypeId`) and a field the spec does not know (`preferredLanguage`, `mobileNumber`).

use http::{HeaderMap, StatusCode};

use crate::reply::json_str;

/// Where the variant's Aloha token lives.
pub(crate) const ALOHA_TOKEN_PATH: &str = "/v1/token";

/// The Client field the variant sends as a string, and the field it adds.
pub(crate) const ALOHA_QUOTED: &str = "officeId";
/// The field the variant adds to every Aloha Client.
pub(crate) const ALOHA_ADDED: (&str, &str) = ("preferredLanguage", "English");
/// The Patient field the variant sends as a string.
pub(crate) const AERONA_QUOTED: &str = "patientTypeId";
/// The field the variant adds to every Aerona Patient.
pub(crate) const AERONA_ADDED: (&str, &str) = ("mobileNumber", "07700 900000");

/// An Aloha Client row as the variant sends it.
pub(crate) fn aloha_client(json: &str) -> String {
    with_field(&quote_number(json, ALOHA_QUOTED), ALOHA_ADDED)
}

/// An Aerona Patient as the variant sends it.
pub(crate) fn aerona_patient(json: &str) -> String {
    with_field(&quote_number(json, AERONA_QUOTED), AERONA_ADDED)
}

/// The variant's Aerona login body: the form's fields, or the 415 a JSON body gets.
pub(crate) fn login_form(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, (StatusCode, String)> {
    let form = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{{\"message\":{}}}",
                json_str("The login expects application/x-www-form-urlencoded")
            ),
        ));
    }
    let fields: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect();
    Ok(serde_json::Value::Object(fields))
}

/// `json` with the number after `"field":` written as a string (the text unchanged when the
/// field is absent or not a number).
fn quote_number(json: &str, field: &str) -> String {
    let key = format!("\"{field}\":");
    let Some(at) = json.find(&key) else {
        return json.to_owned();
    };
    let start = at + key.len();
    let len = json[start..]
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+')))
        .unwrap_or(json.len() - start);
    if len == 0 {
        return json.to_owned();
    }
    format!(
        "{}\"{}\"{}",
        &json[..start],
        &json[start..start + len],
        &json[start + len..]
    )
}

/// `json` (an object) with one more string member at its end.
fn with_field(json: &str, (name, value): (&str, &str)) -> String {
    match json.trim_end().strip_suffix('}') {
        Some(open) => format!("{open},{}:{}}}", json_str(name), json_str(value)),
        None => json.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_get_a_quoted_number_and_a_new_field() {
        let row = aloha_client(r#"{"clientId":7,"officeId":12,"office":"Main"}"#);
        let value: serde_json::Value = serde_json::from_str(&row).unwrap();
        assert_eq!(value["officeId"], "12");
        assert_eq!(value["clientId"], 7);
        assert_eq!(value["preferredLanguage"], "English");
        assert_eq!(quote_number(r#"{"a":null}"#, "a"), r#"{"a":null}"#);
        assert_eq!(quote_number(r#"{"b":1}"#, "a"), r#"{"b":1}"#);
    }

    #[test]
    fn the_login_wants_a_form() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            login_form(&headers, br#"{"username":"u"}"#).unwrap_err().0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        headers.insert(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let fields = login_form(&headers, b"username=a+b&password=p%26q").unwrap();
        assert_eq!(fields["username"], "a b");
        assert_eq!(fields["password"], "p&q");
    }
}
