//! The `--accounts FILE` of `practice sync`: TOML `[[account]]` tables, each naming its
//! vendor and the environment variables that hold its credentials. Everything is checked
//! before anything is opened or sent: a file that does not parse, an unknown key, a bad or
//! repeated name, a missing or empty variable are invalid input naming the line or the
//! variable. Credentials are read from the variables only, never from the file, and never
//! printed.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use aerona_api::redis::AccountStore;
use practice_core::{InMemoryTokenStore, TokenStore};

use super::metrics::CountingLogins;

use practice_core::{RateLimit, Secret, WhenExhausted};
use practice_sync::{Account, Source};
use serde::Deserialize;
use toml::Spanned;

use crate::exit::Failure;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    account: Vec<Entry>,
}

/// One `[[account]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Spanned<String>,
    vendor: Spanned<String>,
    client_id_env: Option<Spanned<String>>,
    secret_key_env: Option<Spanned<String>>,
    username_env: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    pin_env: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    rate_limit: Option<Spanned<String>>,
}

/// One account of the file, checked, with its client ready (nothing sent yet).
#[derive(Debug)]
pub struct Planned {
    /// The account, its client built.
    pub account: Account,
    /// Where its calls go (for the dry run).
    pub base_url: String,
    /// Its Aerona budget, when set (the account's `rate_limit`, else `AERONA_RATE_LIMIT`).
    pub rate_limit: Option<RateLimit>,
    /// The tokens its client obtained (its token store, counting), for `--metrics-addr`.
    pub logins: Arc<CountingLogins>,
}

/// Where in `path`'s `text` the byte `span` begins: `FILE:LINE`.
fn at(path: &str, text: &str, span: &Range<usize>) -> String {
    let line = text
        .get(..span.start)
        .map_or(1, |before| before.matches('\n').count() + 1);
    format!("{path}:{line}")
}

/// The Redis store an account's token and budget are shared through (`PRACTICE_REDIS_URL`):
/// the process's one store as that account sees it, its keys its own
/// (`RedisStore::for_account`); `None` for the process's own.
type Shared<'a> = &'a dyn Fn(&str) -> Result<Option<Arc<AccountStore>>, Failure>;

/// Reads and checks `path`, and builds each account's client with its credentials from
/// the variables the file names (and, with `PRACTICE_REDIS_URL`, its token and budget shared
/// with the fleet under its own keys). `env_limit` is `AERONA_RATE_LIMIT`, for Aerona
/// accounts without their own `rate_limit`.
pub fn load(path: &str, env_limit: Option<&RateLimit>) -> Result<Vec<Planned>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("--accounts: cannot read {path}: {e}")))?;
    // One connection for every account; each account's keys carry its name.
    let store = crate::env::shared_store()?;
    let shared = |account: &str| Ok(store.as_ref().map(|s| Arc::new(s.for_account(account))));
    parse(
        path,
        &text,
        env_limit,
        &|name| std::env::var(name).ok(),
        &shared,
    )
}

/// [`load`] on `text`, the variables read through `var`.
fn parse(
    path: &str,
    text: &str,
    env_limit: Option<&RateLimit>,
    var: &dyn Fn(&str) -> Option<String>,
    shared: Shared<'_>,
) -> Result<Vec<Planned>, Failure> {
    let file: File = toml::from_str(text).map_err(|e| {
        let place = e
            .span()
            .map_or_else(|| path.to_owned(), |span| at(path, text, &span));
        Failure::input(format!(
            "{place}: {} (see `practice sync --help` for the accounts file)",
            e.message().trim_end()
        ))
    })?;
    if file.account.is_empty() {
        return Err(Failure::input(format!(
            "{path}: no [[account]] table: name at least one account"
        )));
    }
    let mut seen: Vec<(&str, String)> = Vec::new();
    let mut out = Vec::with_capacity(file.account.len());
    for entry in &file.account {
        let here = at(path, text, &entry.name.span());
        let name = entry.name.get_ref().as_str();
        practice_sync::accounts::check_name(name)
            .map_err(|e| Failure::input(format!("{here}: {e}")))?;
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            return Err(Failure::input(format!(
                "{here}: the account name {name:?} is used twice (first at {first}); names must be unique"
            )));
        }
        seen.push((name, here.clone()));
        out.push(account(path, text, entry, env_limit, var, shared)?);
    }
    Ok(out)
}

/// The variable `key` names, set and not empty; `None` when the entry has no such key.
fn credential(
    name: &str,
    key: &str,
    env: Option<&Spanned<String>>,
    here: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>, Failure> {
    let Some(env) = env else { return Ok(None) };
    let variable = env.get_ref();
    match var(variable) {
        None => Err(Failure::input(format!(
            "{here}: account {name}: {variable} (its {key}) is not set"
        ))),
        Some(value) if value.trim().is_empty() => Err(Failure::input(format!(
            "{here}: account {name}: {variable} (its {key}) is empty"
        ))),
        Some(value) => Ok(Some(value)),
    }
}

/// A key of an `[[account]]` table and its value, if given.
type Key<'a> = (&'static str, &'a Option<Spanned<String>>);

fn account(
    path: &str,
    text: &str,
    entry: &Entry,
    env_limit: Option<&RateLimit>,
    var: &dyn Fn(&str) -> Option<String>,
    shared: Shared<'_>,
) -> Result<Planned, Failure> {
    let name = entry.name.get_ref().as_str();
    let here = at(path, text, &entry.name.span());
    let vendor_at = at(path, text, &entry.vendor.span());
    let (needed, foreign): (&[Key<'_>], &[Key<'_>]) = match entry.vendor.get_ref().as_str() {
        "aloha" => (
            &[
                ("client_id_env", &entry.client_id_env),
                ("secret_key_env", &entry.secret_key_env),
            ],
            &[
                ("username_env", &entry.username_env),
                ("password_env", &entry.password_env),
                ("pin_env", &entry.pin_env),
                ("rate_limit", &entry.rate_limit),
            ],
        ),
        "aerona" => (
            &[
                ("username_env", &entry.username_env),
                ("password_env", &entry.password_env),
            ],
            &[
                ("client_id_env", &entry.client_id_env),
                ("secret_key_env", &entry.secret_key_env),
            ],
        ),
        other => {
            return Err(Failure::input(format!(
                "{vendor_at}: account {name}: vendor {other:?} is neither \"aloha\" nor \"aerona\""
            )));
        }
    };
    if let Some((key, value)) = foreign.iter().find(|(_, v)| v.is_some()) {
        let place = value
            .as_ref()
            .map_or(here.clone(), |v| at(path, text, &v.span()));
        return Err(Failure::input(format!(
            "{place}: account {name}: {key} is not a key of a {} account",
            entry.vendor.get_ref()
        )));
    }
    if let Some((key, _)) = needed.iter().find(|(_, v)| v.is_none()) {
        return Err(Failure::input(format!(
            "{here}: account {name}: {key} is missing (the variable holding its {})",
            key.trim_end_matches("_env").replace('_', " ")
        )));
    }
    let get = |key: &str, env: &Option<Spanned<String>>| {
        let place = env
            .as_ref()
            .map_or(here.clone(), |v| at(path, text, &v.span()));
        credential(name, key, env.as_ref(), &place, var)
    };
    let base_url = entry.base_url.as_ref().map(|b| b.get_ref().clone());
    let ca_file = var("PRACTICE_CA_FILE").filter(|v| !v.trim().is_empty());
    let built = |e: practice_core::Error| {
        Failure::input(format!("{here}: account {name}: {}", e.message()))
    };
    let store = shared(name)?;
    // The client's token store, counted: a token put is a login (or a refresh) this process made.
    let logins = CountingLogins::new(match &store {
        Some(store) => store.clone() as Arc<dyn TokenStore>,
        None => Arc::new(InMemoryTokenStore::new()),
    });
    let planned = if entry.vendor.get_ref() == "aloha" {
        let id = get("client id", &entry.client_id_env)?.unwrap_or_default();
        let secret = get("secret key", &entry.secret_key_env)?.unwrap_or_default();
        let mut builder = aloha_api::Client::builder(id, Secret::new(secret));
        if let Some(base) = &base_url {
            builder = builder.base_url(base.clone());
        }
        if let Some(ca) = &ca_file {
            builder = builder.map_options(|o| o.add_ca_file(ca.clone()));
        }
        builder = builder.map_options(|o| match &store {
            Some(store) => o.token_store(logins.clone()).quota_store(store.clone()),
            None => o.token_store(logins.clone()),
        });
        Planned {
            account: account_named(name, Source::Aloha(builder.build().map_err(built)?))?,
            base_url: base_url.unwrap_or_else(|| aloha_api::DEFAULT_BASE_URL.to_owned()),
            rate_limit: None,
            logins,
        }
    } else {
        let user = get("username", &entry.username_env)?.unwrap_or_default();
        let password = get("password", &entry.password_env)?.unwrap_or_default();
        let pin = get("PIN", &entry.pin_env)?;
        let rate_limit = match &entry.rate_limit {
            Some(text_limit) => Some(RateLimit::parse(text_limit.get_ref()).map_err(|e| {
                Failure::input(format!(
                    "{}: account {name}: rate_limit {:?} is not a budget such as 300/15m: {}",
                    at(path, text, &text_limit.span()),
                    text_limit.get_ref(),
                    e.message()
                ))
            })?),
            None => env_limit.cloned(),
        };
        let mut builder = aerona_api::Client::builder(user, Secret::new(password));
        if let Some(pin) = pin {
            builder = builder.pin(Secret::new(pin));
        }
        if let Some(base) = &base_url {
            builder = builder.base_url(base.clone());
        }
        if let Some(ca) = &ca_file {
            builder = builder.map_options(|o| o.add_ca_file(ca.clone()));
        }
        builder = builder.map_options(|o| match &store {
            Some(store) => o.token_store(logins.clone()).quota_store(store.clone()),
            None => o.token_store(logins.clone()),
        });
        if let Some(limit) = &rate_limit {
            builder = builder.rate_limit(
                limit.clone(),
                WhenExhausted::wait_up_to(Duration::from_secs(16 * 60)),
            );
        }
        Planned {
            account: account_named(name, Source::Aerona(builder.build().map_err(built)?))?,
            base_url: base_url.unwrap_or_else(|| aerona_api::DEFAULT_BASE_URL.to_owned()),
            rate_limit,
            logins,
        }
    };
    Ok(planned)
}

fn account_named(name: &str, source: Source) -> Result<Account, Failure> {
    Account::new(name, source).map_err(|e| Failure::input(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "N_ID" | "N_SECRET" | "S_USER" | "S_PASS" => Some(format!("value-of-{name}")),
            "EMPTY" => Some("  ".into()),
            _ => None,
        }
    }

    fn check(text: &str) -> Result<Vec<Planned>, String> {
        parse("fleet.toml", text, None, &vars, &|_| Ok(None)).map_err(|f| f.message)
    }

    const GOOD: &str = r#"
[[account]]
name = "north"
vendor = "aloha"
client_id_env = "N_ID"
secret_key_env = "N_SECRET"
base_url = "http://127.0.0.1:9/"

[[account]]
name = "smile"
vendor = "aerona"
username_env = "S_USER"
password_env = "S_PASS"
rate_limit = "300/15m"
"#;

    #[test]
    fn a_good_file_gives_its_accounts() {
        let planned = check(GOOD).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<_> = planned.iter().map(|p| p.account.name()).collect();
        assert_eq!(names, ["north", "smile"]);
        assert_eq!(planned[0].base_url, "http://127.0.0.1:9/");
        assert!(planned[1].rate_limit.is_some());
        // No credential in the Debug form.
        let shown = format!("{planned:?}");
        assert!(!shown.contains("value-of-"), "{shown}");
    }

    #[test]
    fn mistakes_name_their_line_or_variable() {
        let cases: &[(&str, &str)] = &[
            ("[[account]\nname = 1", "fleet.toml:1:"),
            (&GOOD.replace("base_url", "base_uri"), "fleet.toml:7:"),
            (
                &GOOD.replace("\"smile\"", "\"north\""),
                "fleet.toml:10: the account name \"north\" is used twice (first at fleet.toml:3)",
            ),
            (
                &GOOD.replace("\"smile\"", "\"Smile\""),
                "fleet.toml:10: account name",
            ),
            (
                &GOOD.replace("\"aerona\"", "\"aeronaa\""),
                "fleet.toml:11: account smile: vendor \"aeronaa\"",
            ),
            (
                &GOOD.replace("N_SECRET", "MISSING_SECRET"),
                "fleet.toml:6: account north: MISSING_SECRET (its secret key) is not set",
            ),
            (
                &GOOD.replace("S_PASS", "EMPTY"),
                "fleet.toml:13: account smile: EMPTY (its password) is empty",
            ),
            (
                &GOOD.replace("300/15m", "lots"),
                "fleet.toml:14: account smile: rate_limit \"lots\"",
            ),
            (
                &GOOD.replace("password_env = \"S_PASS\"\n", ""),
                "fleet.toml:10: account smile: password_env is missing",
            ),
            (
                &GOOD.replace("username_env", "client_id_env"),
                "fleet.toml:12: account smile: client_id_env is not a key of a aerona account",
            ),
            ("", "fleet.toml: no [[account]] table"),
        ];
        for (text, expected) in cases {
            let err = check(text)
                .err()
                .unwrap_or_else(|| panic!("accepted: {text}"));
            assert!(
                err.starts_with(expected),
                "{err:?} should start {expected:?}"
            );
            assert!(!err.contains("value-of-"), "{err}");
        }
    }
}
