//! Base URLs: https only (plain http for loopback hosts alone), joined to operation paths
//! without losing a path prefix.

use std::fmt;
use std::net::IpAddr;

use url::Url;

use crate::error::Error;

/// A vendor base URL such as `https://api.alohaaba.com/customer`.
///
/// ```
/// use practice_core::BaseUrl;
/// let base = BaseUrl::parse("https://api.alohaaba.com/customer/").unwrap();
/// assert_eq!(base.join("/v1/report/clients", &[]).as_str(),
///            "https://api.alohaaba.com/customer/v1/report/clients");
/// assert!(BaseUrl::parse("http://api.alohaaba.com").is_err());
/// assert!(BaseUrl::parse("http://127.0.0.1:8080/aloha").is_ok());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
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
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        Ok(BaseUrl { url })
    }

    /// The base joined with an operation path (which starts with `/`) and a query.
    pub fn join(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.url.clone();
        let prefix = url.path().trim_end_matches('/');
        let joined = format!("{prefix}/{}", path.trim_start_matches('/'));
        url.set_path(&joined);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    /// The base as text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn keeps_a_path_prefix() {
        for base in [
            "https://h/customer",
            "https://h/customer/",
            "https://h/customer//",
        ] {
            let url = BaseUrl::parse(base).unwrap().join("/token", &[]);
            assert_eq!(url.as_str(), "https://h/customer/token", "{base}");
        }
        let url = BaseUrl::parse("https://customerapi.alohaaba.com")
            .unwrap()
            .join(
                "/v1/report/appointments",
                &[("startDate", "2024-01-01".into())],
            );
        assert_eq!(
            url.as_str(),
            "https://customerapi.alohaaba.com/v1/report/appointments?startDate=2024-01-01"
        );
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
