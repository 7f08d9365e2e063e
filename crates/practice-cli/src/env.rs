//! Credentials and endpoints from the environment, or the built-in sandbox.

use std::sync::Arc;

use aerona_api::redis::{OnFailure, RedisStore};
use practice_core::{RateLimit, Secret};
use practice_sandbox::{Sandbox, SandboxConfig};

use crate::exit::Failure;

/// Where Aloha calls go.
pub struct AlohaTarget {
    pub client_id: String,
    pub secret_key: Secret,
    pub base_url: Option<String>,
}

/// Where Aerona calls go.
pub struct AeronaTarget {
    pub username: String,
    pub password: Secret,
    pub pin: Option<Secret>,
    pub base_url: Option<String>,
    pub rate_limit: Option<RateLimit>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Reads `AERONA_RATE_LIMIT` first: a bad budget is invalid input, found before anything starts.
pub fn aerona_rate_limit() -> Result<Option<RateLimit>, Failure> {
    match var("AERONA_RATE_LIMIT") {
        None => Ok(None),
        Some(text) => RateLimit::parse(&text).map(Some).map_err(|_| {
            Failure::input(format!(
                "AERONA_RATE_LIMIT={text:?} is not a budget such as 300/15m (units s, m, h)"
            ))
        }),
    }
}

/// The Redis store that processes share tokens and budgets through, when `PRACTICE_REDIS_URL`
/// is set; `PRACTICE_REDIS_ON_FAILURE` is `fail` (the default) or `local`. Read before
/// anything starts: a bad setting is invalid input.
pub fn shared_store() -> Result<Option<Arc<RedisStore>>, Failure> {
    let Some(url) = var("PRACTICE_REDIS_URL") else {
        return Ok(None);
    };
    let on_failure = match var("PRACTICE_REDIS_ON_FAILURE").as_deref() {
        None | Some("fail") => OnFailure::FailClosed,
        Some("local") => OnFailure::UseLocal,
        Some(other) => {
            return Err(Failure::input(format!(
                "PRACTICE_REDIS_ON_FAILURE={other:?} is neither `fail` nor `local`"
            )));
        }
    };
    // The URL may hold a password: the message names the variable, not its value.
    let store = RedisStore::builder(url)
        .on_failure(on_failure)
        .build()
        .map_err(|e| Failure::input(format!("PRACTICE_REDIS_URL: {e}")))?;
    Ok(Some(Arc::new(store)))
}

/// The Aloha target from the environment, if its credentials are set.
pub fn aloha_from_env() -> Option<AlohaTarget> {
    Some(AlohaTarget {
        client_id: var("ALOHA_CLIENT_ID")?,
        secret_key: Secret::new(var("ALOHA_SECRET_KEY")?),
        base_url: var("ALOHA_BASE_URL"),
    })
}

/// The Aerona target from the environment, if its credentials are set.
pub fn aerona_from_env(rate_limit: Option<RateLimit>) -> Option<AeronaTarget> {
    Some(AeronaTarget {
        username: var("AERONA_USERNAME")?,
        password: Secret::new(var("AERONA_PASSWORD")?),
        pin: var("AERONA_PIN").map(Secret::new),
        base_url: var("AERONA_BASE_URL"),
        rate_limit,
    })
}

/// Starts the in-process sandbox and says so in one line on stderr.
pub async fn start_sandbox(vendor: &str) -> Result<Sandbox, Failure> {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| Failure::local(format!("could not start the built-in sandbox: {e}")))?;
    eprintln!(
        "practice: using the built-in {vendor} sandbox at {} (fake data; set credentials to reach the real API)",
        match vendor {
            "aloha" => sandbox.aloha_base_url(),
            _ => sandbox.aerona_base_url(),
        }
    );
    Ok(sandbox)
}
