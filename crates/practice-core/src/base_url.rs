//! Base URLs: https only (plain http for loopback hosts alone), joined to operation paths
//! without losing a path prefix.

use std::fmt;
use std::net::IpAddr;

use http::uri::{self, Authority, PathAndQuery, Scheme, Uri};
use url::Url;

use crate::error::Error;

/// A vendor base URL such as `https://api.example.com/customer`.
///
/// ```
/// use practice_core::BaseUrl;
/// let base = BaseUrl::parse("https://api.example.com/customer/").unwrap();
/// assert_eq!(base.uri("/v1/report/clients", &[]).unwrap(),
///            "https://api.example.com/customer/v1/report/clients");
/// assert!(BaseUrl::parse("http://api.example.com").is_err());
/// assert!(BaseUrl::parse("http://127.0.0.1:8080/vendor").is_ok());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
    // The parts every request URI shares, parsed once: forming a request's URI then only
    // appends its path and query (the url crate's `set_path` re-parsed the whole path on
    // every request; see docs/performance.md).
    scheme: Scheme,
    authority: Authority,
    /// The base's path without a trailing slash (`""` for none), already percent-encoded.
    prefix: String,
}

impl BaseUrl {
    /// Parses and checks a base URL: `https`, or `http` to a loopback host (tests, the
    /// sandbox). Query strings and fragments are refused.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut url = Url::parse(text.trim())
            .map_err(|e| Error::configuration(format!("invalid base URL {text:?}: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(Error::configuration(format!(
                    "base URL {text:?} must use https (plain http is allowed for loopback hosts only)"
                )));
            }
            other => {
                return Err(Error::configuration(format!(
                    "base URL {text:?} has unsupported scheme {other:?}"
                )));
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::configuration(format!(
                "base URL {text:?} must not carry a query or fragment"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::configuration("base URL must not carry credentials"));
        }
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&prefix);
        let unusable =
            || Error::configuration(format!("base URL {text:?} cannot form request URIs"));
        let scheme = Scheme::try_from(url.scheme()).map_err(|_| unusable())?;
        let authority =
            Authority::try_from(&url[url::Position::BeforeHost..url::Position::AfterPort])
                .map_err(|_| unusable())?;
        PathAndQuery::try_from(format!("{prefix}/")).map_err(|_| unusable())?;
        Ok(BaseUrl {
            url,
            scheme,
            authority,
            prefix,
        })
    }

    /// The request URI of an operation: the base, then `path` (which starts with `/` and has
    /// its parameters percent-encoded already), then `query` form-encoded in the given order.
    pub fn uri(&self, path: &str, query: &[(&str, String)]) -> Result<Uri, Error> {
        let path = path.trim_start_matches('/');
        let mut text = String::with_capacity(self.prefix.len() + 1 + path.len() + 24 * query.len());
        text.push_str(&self.prefix);
        text.push('/');
        text.push_str(path);
        if !query.is_empty() {
            text.push('?');
            let start = text.len();
            let mut pairs = url::form_urlencoded::Serializer::for_suffix(text, start);
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            text = pairs.finish();
        }
        let path_and_query = PathAndQuery::try_from(text).map_err(unformable)?;
        let mut parts = uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path_and_query);
        Uri::from_parts(parts).map_err(unformable)
    }

    /// The base as text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The base URL to use after the server redirected a request to `location`: the new
    /// scheme, host and port with this base's path prefix. A redirect from http to https
    /// keeps the operation's path, so `location` itself is an operation's URL, not a base.
    /// `None` when `location` is unreadable or leaves the prefix (then only it can be named).
    pub(crate) fn moved_to(&self, location: &str) -> Option<String> {
        let to = self.url.join(location).ok()?;
        to.host_str()?;
        let inside = to.path() == self.prefix
            || to
                .path()
                .strip_prefix(self.prefix.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
        inside.then(|| format!("{}{}", &to[..url::Position::BeforePath], self.prefix))
    }
}

/// A request URI that cannot be formed from the base and an operation's path and query.
fn unformable(source: impl Into<crate::error::BoxError>) -> Error {
    Error::invalid_request("could not form the request URL").with_source(source)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.url)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

/// A path setting under the base URL (a vendor's login or token path): it starts with `/`,
/// and carries no query, fragment, space or control character. The error names the setting
/// and gives `example`, never the text (a path pasted from elsewhere may hold a secret).
///
/// ```
/// use practice_core::base_url::check_path;
/// assert_eq!(check_path("the token path", "/v1/token", " /v1/token ").unwrap(), "/v1/token");
/// assert!(check_path("the token path", "/v1/token", "v1/token?x=1").is_err());
/// ```
pub fn check_path(setting: &str, example: &str, path: &str) -> Result<String, Error> {
    let path = path.trim();
    let bad = !path.starts_with('/')
        || path.contains("//")
        || path
            .chars()
            .any(|c| c == '?' || c == '#' || c.is_whitespace() || c.is_control());
    if bad {
        return Err(Error::configuration(format!(
            "{setting} must be a path under the base URL such as {example} (starting with /, without ? or #)"
        )));
    }
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_redirect_advises_the_base_url_not_the_operation_url() {
        let base = BaseUrl::parse("http://127.0.0.1:8080/customer").unwrap();
        assert_eq!(
            base.moved_to("https://api.example.com/customer/token")
                .as_deref(),
            Some("https://api.example.com/customer")
        );
        assert_eq!(
            base.moved_to("https://api.example.com:8443/customer/v1/x?y=1")
                .as_deref(),
            Some("https://api.example.com:8443/customer")
        );
        // Relative locations resolve against the base.
        assert_eq!(
            base.moved_to("/customer/token").as_deref(),
            Some("http://127.0.0.1:8080/customer")
        );
        // Outside the prefix, no base can be told from it.
        assert_eq!(base.moved_to("https://api.example.com/other/token"), None);
        assert_eq!(base.moved_to("https://api.example.com/customerx"), None);
        let bare = BaseUrl::parse("http://localhost:9").unwrap();
        assert_eq!(
            bare.moved_to("https://secure.example/things/1").as_deref(),
            Some("https://secure.example")
        );
    }

    #[test]
    fn keeps_a_path_prefix() {
        for base in [
            "https://h/customer",
            "https://h/customer/",
            "https://h/customer//",
        ] {
            let uri = BaseUrl::parse(base).unwrap().uri("/token", &[]).unwrap();
            assert_eq!(uri, "https://h/customer/token", "{base}");
        }
        let uri = BaseUrl::parse("https://customerapi.alohaaba.com")
            .unwrap()
            .uri(
                "/v1/report/appointments",
                &[("startDate", "2024-01-01".into())],
            )
            .unwrap();
        assert_eq!(
            uri,
            "https://customerapi.alohaaba.com/v1/report/appointments?startDate=2024-01-01"
        );
    }

    /// The URI is formed by hand for speed; it must be exactly what the url crate makes of
    /// the same base, path and query (`set_path`, then `query_pairs_mut`).
    #[test]
    fn forms_the_same_uri_as_the_url_crate() {
        let bases = [
            "https://h",
            "https://h/",
            "https://H.example.COM:8443/customer/",
            "http://127.0.0.1:9/AeronaAPI",
            "http://[::1]:80/a/b%20c/",
            "https://h/caf%C3%A9",
        ];
        let query: Vec<(&str, String)> = vec![
            ("startDate", "2024-01-01".into()),
            ("name", "O'Brien & Sons = 100%".into()),
            ("q", "a+b c/d?e#f".into()),
            ("unicode", "Zoë Ünal 東京".into()),
            ("empty", String::new()),
        ];
        for base in bases {
            let parsed = BaseUrl::parse(base).unwrap();
            for path in ["/v1/payments/187941", "token", "/v1/a%2Fb/%20x"] {
                for query in [&query[..0], &query[..1], &query[..]] {
                    let mut expected = parsed.url.clone();
                    let prefix = expected.path().trim_end_matches('/').to_owned();
                    expected.set_path(&format!("{prefix}/{}", path.trim_start_matches('/')));
                    if !query.is_empty() {
                        let mut pairs = expected.query_pairs_mut();
                        for (k, v) in query {
                            pairs.append_pair(k, v);
                        }
                    }
                    let uri = parsed.uri(path, query).unwrap();
                    assert_eq!(
                        uri.to_string(),
                        expected.as_str(),
                        "{base} {path} {query:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn enforces_https_except_on_loopback() {
        for bad in [
            "http://example.com",
            "http://10.0.0.1/x",
            "ftp://h",
            "https://u:p@h",
            "https://h?x=1",
        ] {
            let err = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Configuration, "{bad}");
            assert!(!err.to_string().contains(":p@"), "no credentials echoed");
        }
        for good in [
            "http://localhost:1/a",
            "http://127.0.0.2:9",
            "http://[::1]:80/p",
            "https://h",
        ] {
            BaseUrl::parse(good).unwrap();
        }
    }
}
