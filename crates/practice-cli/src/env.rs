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
        Some(text) => RateLimit::parse(&text).map(Some).map_err(|err| {
            Failure::input(format!(
                "AERONA_RATE_LIMIT={text:?} is not a budget such as 300/15m (units s, m, h, d; windows up to 366 days): {}",
                err.message()
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

/// A vendor's variables that say "reach the real API": when any of them is present, even
/// empty, every one of `required` must be set. None present means the sandbox.
struct VendorVars {
    vendor: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
}

const ALOHA: VendorVars = VendorVars {
    vendor: "Aloha",
    required: &["ALOHA_CLIENT_ID", "ALOHA_SECRET_KEY"],
    optional: &["ALOHA_BASE_URL"],
};

const AERONA: VendorVars = VendorVars {
    vendor: "Aerona",
    required: &["AERONA_USERNAME", "AERONA_PASSWORD"],
    optional: &["AERONA_PIN", "AERONA_BASE_URL"],
};

impl VendorVars {
    /// `Ok(false)` when none is present (use the sandbox), `Ok(true)` when every required one
    /// is set, and invalid input naming the missing ones otherwise: a typo in one name must
    /// not quietly turn a real export into fake data.
    fn configured(&self) -> Result<bool, Failure> {
        let present = |name: &str| std::env::var_os(name).is_some();
        let mut all = self.required.iter().chain(self.optional).copied();
        let Some(first_present) = all.find(|name| present(name)) else {
            return Ok(false);
        };
        let unset: Vec<&str> = self
            .required
            .iter()
            .copied()
            .filter(|name| !present(name))
            .collect();
        let empty: Vec<&str> = self
            .required
            .iter()
            .copied()
            .filter(|name| present(name) && var(name).is_none())
            .collect();
        if unset.is_empty() && empty.is_empty() {
            return Ok(true);
        }
        let mut problems = Vec::new();
        if !unset.is_empty() {
            problems.push(format!(
                "{} {} not set",
                unset.join(" and "),
                if unset.len() == 1 { "is" } else { "are" }
            ));
        }
        if !empty.is_empty() {
            problems.push(format!(
                "{} {} empty",
                empty.join(" and "),
                if empty.len() == 1 { "is" } else { "are" }
            ));
        }
        Err(Failure::input(format!(
            "{}, but {first_present} is set: set every {} credential ({}) to reach the API, \
             or none of them (or pass --sandbox) for the built-in sandbox",
            problems.join(", and "),
            self.vendor,
            self.required.join(", ")
        )))
    }
}

/// The Aloha target from the environment; `None` when none of its variables is present.
pub fn aloha_from_env() -> Result<Option<AlohaTarget>, Failure> {
    if !ALOHA.configured()? {
        return Ok(None);
    }
    Ok(Some(AlohaTarget {
        client_id: required(ALOHA.required[0])?,
        secret_key: Secret::new(required(ALOHA.required[1])?),
        base_url: var("ALOHA_BASE_URL"),
    }))
}

/// The Aerona target from the environment; `None` when none of its variables is present.
pub fn aerona_from_env(rate_limit: Option<RateLimit>) -> Result<Option<AeronaTarget>, Failure> {
    if !AERONA.configured()? {
        return Ok(None);
    }
    Ok(Some(AeronaTarget {
        username: required(AERONA.required[0])?,
        password: Secret::new(required(AERONA.required[1])?),
        pin: var("AERONA_PIN").map(Secret::new),
        base_url: var("AERONA_BASE_URL"),
        rate_limit,
    }))
}

/// A variable `configured` has already found set; still an error, not a panic, if it is not.
fn required(name: &str) -> Result<String, Failure> {
    var(name).ok_or_else(|| Failure::input(format!("{name} is not set")))
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
