//! Reading request parameters (query strings, dates) and writing timestamps.

use std::collections::HashMap;

/// The query string's parameters, decoded (`+` and `%XX`); the last of repeated names wins.
pub(crate) fn query_map(query: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// RFC 3339, whole seconds, UTC.
pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_decoded() {
        let q = query_map(Some(
            "fromDate=2024-01-01&note=a+b%20c&flag&empty=&x=%E2%82%AC",
        ));
        assert_eq!(q["fromDate"], "2024-01-01");
        assert_eq!(q["note"], "a b c");
        assert_eq!(q["flag"], "");
        assert_eq!(q["empty"], "");
        assert_eq!(q["x"], "€");
        assert!(query_map(None).is_empty());
        assert!(query_map(Some("")).is_empty());
    }
}
