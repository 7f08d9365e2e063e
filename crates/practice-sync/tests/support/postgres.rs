//! A fresh PostgreSQL database per test, on the server `PRACTICE_TEST_POSTGRES_URL` names
//! (`.ci/run` starts one). The tests that use it are `#[ignore = "needs PostgreSQL: …"]`, so a
//! plain `cargo test` lists them as ignored; run with `-- --include-ignored`, a test without the
//! variable fails, it never passes unchecked.

use practice_sync::sqlx::{self, Connection as _};

/// The variable naming the server (any database on it; the tests create their own).
pub const URL_VAR: &str = "PRACTICE_TEST_POSTGRES_URL";

/// A new empty database's URL on the server [`URL_VAR`] names; panics, naming the test and
/// the variable, when it is unset or the server cannot be reached.
pub async fn fresh_database(test: &str) -> String {
    let base = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{test} needs PostgreSQL: set {URL_VAR} (such as postgres://postgres@127.0.0.1:5432/postgres)"
        )
    });
    let name = format!("sync_{}_{:08x}", std::process::id(), fastrand::u32(..));
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{test}: {URL_VAR} is not reachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let (head, _) = base
        .rsplit_once('/')
        .filter(|(head, _)| head.contains("//") && head.len() > head.find("//").unwrap_or(0) + 2)
        .unwrap_or((base.as_str(), ""));
    format!("{head}/{name}")
}
