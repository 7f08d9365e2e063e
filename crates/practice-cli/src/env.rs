//! Credentials and endpoints from the environment, or the built-in sandbox.

use std::sync::Arc;

use std::time::Duration;

use aerona_api::redis::{OnFailure, RedisStore};
use practice_core::{RateLimit, Secret, WhenExhausted};
use practice_sandbox::{Sandbox, SandboxConfig};

use crate::exit::Failure;

/// Where Aloha calls go.
struct AlohaTarget {
    client_id: String,
    secret_key: Secret,
    base_url: Option<String>,
    token_path: Option<String>,
}

/// Where Aerona calls go.
struct AeronaTarget {
    username: String,
    password: Secret,
    pin: Option<Secret>,
    base_url: Option<String>,
    login_path: Option<String>,
    login_encoding: Option<aerona_api::LoginEncoding>,
}

/// A vendor's client builder with its credentials, endpoint, shared store and budget set:
/// from the environment, or for the built-in sandbox started for it. Every command that calls
/// a vendor starts from here, so they all choose between the two the same way.
pub struct Resolved<B> {
    /// The builder; a command adds its own settings before `build()`.
    pub builder: B,
    /// The sandbox started for this run, if any: keep it alive while the client is used.
    pub sandbox: Option<Sandbox>,
}

/// Aloha's client builder: the real API when its variables are set (unless `force_sandbox`,
/// `--sandbox`), else the built-in sandbox.
pub async fn aloha(force_sandbox: bool) -> Result<Resolved<aloha_api::ClientBuilder>, Failure> {
    let setup = aloha_setup(force_sandbox).await?;
    Ok(Resolved {
        builder: setup.builder(),
        sandbox: setup.sandbox,
    })
}

/// Aloha's settings, resolved as [`aloha`] resolves them, to build several clients from (the
/// probe tries more than one token path).
pub struct AlohaSetup {
    target: AlohaTarget,
    shared: Option<Arc<RedisStore>>,
    /// The sandbox started for this run, if any.
    pub sandbox: Option<Sandbox>,
}

impl AlohaSetup {
    /// A builder with the credentials, endpoint, token path and shared store set.
    pub fn builder(&self) -> aloha_api::ClientBuilder {
        let target = &self.target;
        let mut builder =
            aloha_api::Client::builder(target.client_id.clone(), target.secret_key.clone());
        if let Some(base) = &target.base_url {
            builder = builder.base_url(base.clone());
        }
        if let Some(path) = &target.token_path {
            builder = builder.token_path(path.clone());
        }
        if let Some(ca) = var(CA_FILE) {
            builder = builder.map_options(|o| o.add_ca_file(ca));
        }
        if let Some(store) = &self.shared {
            builder =
                builder.map_options(|o| o.token_store(store.clone()).quota_store(store.clone()));
        }
        builder
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.target
            .base_url
            .as_deref()
            .unwrap_or(aloha_api::DEFAULT_BASE_URL)
    }

    /// The client id, for the probe's refresh request (a credential: never printed).
    pub fn client_id(&self) -> &str {
        &self.target.client_id
    }

    /// The configured token path (`ALOHA_TOKEN_PATH`, else the default).
    pub fn token_path(&self) -> &str {
        self.target
            .token_path
            .as_deref()
            .unwrap_or(aloha_api::default_token_path())
    }
}

/// Resolves Aloha's settings (see [`aloha`]).
pub async fn aloha_setup(force_sandbox: bool) -> Result<AlohaSetup, Failure> {
    let shared = shared_store()?;
    let from_env = if force_sandbox {
        None
    } else {
        aloha_from_env()?
    };
    let (target, sandbox) = match from_env {
        Some(target) => (target, None),
        None => {
            let sandbox = start_sandbox("aloha").await?;
            let creds = sandbox.credentials();
            let target = AlohaTarget {
                client_id: creds.aloha_client_id.clone(),
                secret_key: creds.aloha_secret_key.clone().into(),
                base_url: Some(sandbox.aloha_base_url()),
                token_path: None,
            };
            (target, Some(sandbox))
        }
    };
    Ok(AlohaSetup {
        target,
        shared,
        sandbox,
    })
}

/// Aerona's client builder, as [`aloha`]; `rate_limit` (from [`aerona_rate_limit`]) replaces
/// the vendor's default budget, and a call waits for it at most one window and a minute.
pub async fn aerona(
    force_sandbox: bool,
    rate_limit: Option<RateLimit>,
) -> Result<Resolved<aerona_api::ClientBuilder>, Failure> {
    let setup = aerona_setup(force_sandbox, rate_limit).await?;
    Ok(Resolved {
        builder: setup.builder(),
        sandbox: setup.sandbox,
    })
}

/// Aerona's settings, resolved as [`aerona`] resolves them, to build several clients from
/// (the probe tries more than one login shape).
pub struct AeronaSetup {
    target: AeronaTarget,
    shared: Option<Arc<RedisStore>>,
    rate_limit: Option<RateLimit>,
    /// The sandbox started for this run, if any.
    pub sandbox: Option<Sandbox>,
}

impl AeronaSetup {
    /// A builder with the credentials, endpoint, login shape, shared store and budget set.
    pub fn builder(&self) -> aerona_api::ClientBuilder {
        let target = &self.target;
        let mut builder =
            aerona_api::Client::builder(target.username.clone(), target.password.clone());
        if let Some(pin) = &target.pin {
            builder = builder.pin(pin.clone());
        }
        if let Some(base) = &target.base_url {
            builder = builder.base_url(base.clone());
        }
        if let Some(path) = &target.login_path {
            builder = builder.login_path(path.clone());
        }
        if let Some(encoding) = target.login_encoding {
            builder = builder.login_encoding(encoding);
        }
        if let Some(ca) = var(CA_FILE) {
            builder = builder.map_options(|o| o.add_ca_file(ca));
        }
        if let Some(store) = &self.shared {
            builder =
                builder.map_options(|o| o.token_store(store.clone()).quota_store(store.clone()));
        }
        if let Some(limit) = &self.rate_limit {
            builder = builder.rate_limit(
                limit.clone(),
                WhenExhausted::wait_up_to(Duration::from_secs(16 * 60)),
            );
        }
        builder
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.target
            .base_url
            .as_deref()
            .unwrap_or(aerona_api::DEFAULT_BASE_URL)
    }

    /// The configured login path (`AERONA_LOGIN_PATH`, else the default).
    pub fn login_path(&self) -> &str {
        self.target
            .login_path
            .as_deref()
            .unwrap_or(aerona_api::default_login_path())
    }

    /// The configured login encoding (`AERONA_LOGIN_ENCODING`, else JSON).
    pub fn login_encoding(&self) -> aerona_api::LoginEncoding {
        self.target.login_encoding.unwrap_or_default()
    }
}

/// Resolves Aerona's settings (see [`aerona`]).
pub async fn aerona_setup(
    force_sandbox: bool,
    rate_limit: Option<RateLimit>,
) -> Result<AeronaSetup, Failure> {
    let shared = shared_store()?;
    let from_env = if force_sandbox {
        None
    } else {
        aerona_from_env()?
    };
    let (target, sandbox) = match from_env {
        Some(target) => (target, None),
        None => {
            let sandbox = start_sandbox("aerona").await?;
            let creds = sandbox.credentials();
            let target = AeronaTarget {
                username: creds.aerona_username.clone(),
                password: creds.aerona_password.clone().into(),
                pin: None,
                base_url: Some(sandbox.aerona_base_url()),
                login_path: None,
                login_encoding: None,
            };
            (target, Some(sandbox))
        }
    };
    Ok(AeronaSetup {
        target,
        shared,
        rate_limit,
        sandbox,
    })
}

/// Where a run of `vendor` would go, without starting anything: the built-in sandbox, or
/// the base URL its variables name (or the vendor's own). For `--dry-run`.
pub fn target(vendor: &str, force_sandbox: bool) -> Result<String, Failure> {
    let sandbox = "the built-in sandbox (no credentials set, or --sandbox)".to_owned();
    if force_sandbox {
        return Ok(sandbox);
    }
    Ok(match vendor {
        "aloha" => aloha_from_env()?.map_or(sandbox, |t| {
            t.base_url
                .unwrap_or_else(|| aloha_api::DEFAULT_BASE_URL.to_owned())
        }),
        _ => aerona_from_env()?.map_or(sandbox, |t| {
            t.base_url
                .unwrap_or_else(|| aerona_api::DEFAULT_BASE_URL.to_owned())
        }),
    })
}

/// A PEM file of certificate authorities trusted in addition to the system's store (a
/// clinic's private CA), for both vendors. `SSL_CERT_FILE` would replace the store instead.
const CA_FILE: &str = "PRACTICE_CA_FILE";

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
    optional: &["ALOHA_BASE_URL", "ALOHA_TOKEN_PATH"],
};

const AERONA: VendorVars = VendorVars {
    vendor: "Aerona",
    required: &["AERONA_USERNAME", "AERONA_PASSWORD"],
    optional: &[
        "AERONA_PIN",
        "AERONA_BASE_URL",
        "AERONA_LOGIN_PATH",
        "AERONA_LOGIN_ENCODING",
    ],
};

impl VendorVars {
    /// Every name this vendor reads.
    fn names(&self) -> impl Iterator<Item = &'static str> {
        self.required.iter().chain(self.optional).copied()
    }

    /// Names in the environment within two edits of one this vendor reads (case aside), but
    /// not one of them: `(set, meant)`. Names only, never values.
    fn near_misses(&self) -> Vec<(String, &'static str)> {
        let mut found: Vec<(String, &'static str)> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .filter(|name| !self.names().any(|known| known == name))
            .filter_map(|name| {
                let upper = name.to_ascii_uppercase();
                self.names()
                    .map(|known| (strsim::levenshtein(&upper, known), known))
                    .filter(|(edits, _)| *edits <= 2)
                    .min()
                    .map(|(_, known)| (name, known))
            })
            .collect();
        found.sort();
        found
    }

    /// `Ok(false)` when none is present (use the sandbox), `Ok(true)` when every required one
    /// is set, and invalid input naming the missing ones otherwise: a typo in one name must
    /// not quietly turn a real export into fake data.
    fn configured(&self) -> Result<bool, Failure> {
        let present = |name: &str| std::env::var_os(name).is_some();
        let misspelt = self.near_misses();
        if !misspelt.is_empty() {
            // A misspelt name would send the call elsewhere than meant: to the sandbox, or
            // with the credentials to the vendor's default address.
            return Err(Failure::input(format!(
                "{}: set every {} variable by its name ({}), or none of them (or pass \
                 --sandbox) for the built-in sandbox",
                misspelt
                    .iter()
                    .map(|(set, meant)| format!(
                        "{set} is set but not read (did you mean {meant}?)"
                    ))
                    .collect::<Vec<_>>()
                    .join(", and "),
                self.vendor,
                self.names().collect::<Vec<_>>().join(", ")
            )));
        }
        let Some(first_present) = self.names().find(|name| present(name)) else {
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
fn aloha_from_env() -> Result<Option<AlohaTarget>, Failure> {
    if !ALOHA.configured()? {
        return Ok(None);
    }
    Ok(Some(AlohaTarget {
        client_id: required(ALOHA.required[0])?,
        secret_key: Secret::new(required(ALOHA.required[1])?),
        base_url: var("ALOHA_BASE_URL"),
        token_path: var("ALOHA_TOKEN_PATH"),
    }))
}

/// The Aerona target from the environment; `None` when none of its variables is present.
fn aerona_from_env() -> Result<Option<AeronaTarget>, Failure> {
    if !AERONA.configured()? {
        return Ok(None);
    }
    Ok(Some(AeronaTarget {
        username: required(AERONA.required[0])?,
        password: Secret::new(required(AERONA.required[1])?),
        pin: var("AERONA_PIN").map(Secret::new),
        base_url: var("AERONA_BASE_URL"),
        login_path: var("AERONA_LOGIN_PATH"),
        login_encoding: var("AERONA_LOGIN_ENCODING")
            .map(|text| aerona_api::LoginEncoding::parse(&text))
            .transpose()?,
    }))
}

/// A variable `configured` has already found set; still an error, not a panic, if it is not.
fn required(name: &str) -> Result<String, Failure> {
    var(name).ok_or_else(|| Failure::input(format!("{name} is not set")))
}

/// Starts the in-process sandbox and says so on stderr in one line that fits 80 columns
/// (its address with `-v`).
async fn start_sandbox(vendor: &str) -> Result<Sandbox, Failure> {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| Failure::local(format!("could not start the built-in sandbox: {e}")))?;
    eprintln!("practice: using the built-in {vendor} sandbox: fake data (credentials: --help)");
    tracing::info!(
        "the {vendor} sandbox is at {}",
        match vendor {
            "aloha" => sandbox.aloha_base_url(),
            _ => sandbox.aerona_base_url(),
        }
    );
    Ok(sandbox)
}
