//! A fresh PostgreSQL database per test, on the server `PRACTICE_TEST_POSTGRES_URL` names
//! (`.ci/run` starts one). Without the variable the test is skipped with a notice, except in
//! CI (`CI=true`), where it fails.

use practice_sync::sqlx::{self, Connection as _};

/// A new empty database's URL, or `None` (skip) when no server is configured.
pub async fn fresh_database(test: &str) -> Option<String> {
    let Ok(base) = std::env::var("PRACTICE_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{test}: PRACTICE_TEST_POSTGRES_URL is not set in CI");
        }
        eprintln!("SKIPPED {test}: set PRACTICE_TEST_POSTGRES_URL to run it against PostgreSQL");
        return None;
    };
    let name = format!("sync_{}_{:08x}", std::process::id(), fastrand::u32(..));
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("PRACTICE_TEST_POSTGRES_URL is reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let (head, _) = base
        .rsplit_once('/')
        .filter(|(head, _)| head.contains("//") && head.len() > head.find("//").unwrap_or(0) + 2)
        .unwrap_or((base.as_str(), ""));
    Some(format!("{head}/{name}"))
}
