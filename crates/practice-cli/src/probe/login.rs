//! The login shapes the probe tries (the configured one, then the spec's
//! `x-probe-alternatives`), and what one attempt's answer says about its shape.

use practice_core::http::Method;
use serde_json::Value;

use super::recorder::Exchange;

/// A login shape: where it goes and how its body is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The path under the base URL.
    pub path: String,
    /// `json` or `form`.
    pub encoding: &'static str,
}

impl Shape {
    /// `POST /v1/login (json)`.
    pub fn describe(&self) -> String {
        format!("POST {} ({})", self.path, self.encoding)
    }
}

/// The configured shape first, then the spec's alternatives for `operation_id` (each given as
/// a change of `path` or `encoding` from the configured one), without repeats: three at most.
pub fn candidates(spec: &Value, operation_id: &str, configured: Shape) -> Vec<Shape> {
    let mut shapes = vec![configured.clone()];
    let alternatives = spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(|item| item.get("post"))
        .find(|op| op.get("operationId").and_then(Value::as_str) == Some(operation_id))
        .and_then(|op| op.get("x-probe-alternatives"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for alternative in alternatives {
        let mut shape = configured.clone();
        if let Some(path) = alternative.get("path").and_then(Value::as_str) {
            shape.path = path.to_owned();
        }
        match alternative.get("encoding").and_then(Value::as_str) {
            Some("form") => shape.encoding = "form",
            Some("json") => shape.encoding = "json",
            _ => {}
        }
        if !shapes.contains(&shape) {
            shapes.push(shape);
        }
    }
    shapes.truncate(3);
    shapes
}

/// What one login attempt's answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The shape works: a 2xx with what a token answer carries.
    Worked,
    /// No login went out (a token shared through Redis was used): the shape is untested.
    NotSent,
    /// Not this shape: the status, and in words why.
    WrongShape(u16, String),
    /// 401 or 403: the credentials are refused; stop.
    Refused(u16),
    /// A genuine rate limit.
    RateLimited,
    /// No answer, or a server failure.
    Failed(String),
}

/// Reads the login exchange (the first `POST` among `exchanges`) of an attempt. `carries`
/// tells whether a 2xx answer holds a token (a header or a body member).
pub fn classify(exchanges: &[Exchange], carries: impl Fn(&Exchange) -> bool) -> Attempt {
    let Some(login) = exchanges.iter().find(|e| e.method == Method::POST) else {
        return Attempt::NotSent;
    };
    let Some(status) = login.status else {
        return Attempt::Failed("the login got no answer (network)".into());
    };
    match status {
        200..=299 if carries(login) => Attempt::Worked,
        200..=299 => Attempt::WrongShape(status, format!("answered {status} without a token")),
        401 | 403 => Attempt::Refused(status),
        429 if is_wrong_url(login) => {
            Attempt::WrongShape(status, "answered 429 \"not the correct URL\"".into())
        }
        429 => Attempt::RateLimited,
        400 | 404 | 405 | 415 | 422 => Attempt::WrongShape(status, format!("answered {status}")),
        _ => Attempt::Failed(format!("the login answered {status}")),
    }
}

/// Aloha's quirk: a wrong URL is a 429 whose budget is not spent and whose message says so.
fn is_wrong_url(exchange: &Exchange) -> bool {
    let remaining = exchange
        .headers
        .get("x-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let text = String::from_utf8_lossy(&exchange.body).to_ascii_lowercase();
    !text.contains("ratelimiterror") && (remaining.is_some_and(|r| r > 0) || text.contains("url"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use practice_core::bytes::Bytes;
    use practice_core::http::HeaderMap;

    fn exchange(status: u16, body: &str) -> Exchange {
        Exchange {
            method: Method::POST,
            path: "/x/token".into(),
            status: Some(status),
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn statuses_say_shape_or_credential() {
        let yes = |_: &Exchange| true;
        assert_eq!(classify(&[exchange(200, "{}")], yes), Attempt::Worked);
        assert!(matches!(
            classify(&[exchange(200, "{}")], |_| false),
            Attempt::WrongShape(200, _)
        ));
        assert_eq!(classify(&[exchange(401, "{}")], yes), Attempt::Refused(401));
        assert_eq!(classify(&[exchange(403, "{}")], yes), Attempt::Refused(403));
        assert!(matches!(
            classify(&[exchange(415, "{}")], yes),
            Attempt::WrongShape(415, _)
        ));
        assert!(matches!(
            classify(
                &[exchange(
                    429,
                    r#"{"errors":[{"name":"NotFound","message":"You are not hitting the correct URL"}]}"#
                )],
                yes
            ),
            Attempt::WrongShape(429, _)
        ));
        assert_eq!(
            classify(
                &[exchange(429, r#"{"errors":[{"name":"RateLimitError"}]}"#)],
                yes
            ),
            Attempt::RateLimited
        );
        assert!(matches!(
            classify(&[exchange(500, "")], yes),
            Attempt::Failed(_)
        ));
        assert_eq!(classify(&[], yes), Attempt::NotSent);
    }

    #[test]
    fn candidates_come_from_the_spec_and_stop_at_three() {
        let spec: Value = serde_yaml::from_str(
            "paths:\n  /v1/login:\n    post:\n      operationId: login\n      x-probe-alternatives:\n        - { encoding: form }\n        - { path: /v1/auth/login }\n        - { path: /v2/login }\n",
        )
        .unwrap();
        let configured = Shape {
            path: "/v1/login".into(),
            encoding: "json",
        };
        let shapes = candidates(&spec, "login", configured.clone());
        assert_eq!(shapes.len(), 3);
        assert_eq!(shapes[0], configured);
        assert_eq!(
            shapes[1],
            Shape {
                path: "/v1/login".into(),
                encoding: "form"
            }
        );
        assert_eq!(
            shapes[2],
            Shape {
                path: "/v1/auth/login".into(),
                encoding: "json"
            }
        );
        // A configured shape equal to an alternative is tried once.
        let shapes = candidates(
            &spec,
            "login",
            Shape {
                path: "/v1/login".into(),
                encoding: "form",
            },
        );
        assert_eq!(
            shapes
                .iter()
                .filter(|s| s.encoding == "form" && s.path == "/v1/login")
                .count(),
            1
        );
    }
}
