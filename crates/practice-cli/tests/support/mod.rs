//! Running the built `practice` binary from tests: a clean environment, its exit code and
//! its output as text.
#![allow(dead_code)] // each test file uses its own part

use std::process::{Command, Output};

use practice_sandbox::Sandbox;

/// Every variable the CLI reads; removed before each run so the host's own setup cannot leak in.
pub const VARS: [&str; 15] = [
    "ALOHA_CLIENT_ID",
    "ALOHA_SECRET_KEY",
    "ALOHA_BASE_URL",
    "ALOHA_TOKEN_PATH",
    "AERONA_USERNAME",
    "AERONA_PASSWORD",
    "AERONA_PIN",
    "AERONA_BASE_URL",
    "AERONA_LOGIN_PATH",
    "AERONA_LOGIN_ENCODING",
    "AERONA_RATE_LIMIT",
    "PRACTICE_REDIS_URL",
    "PRACTICE_REDIS_ON_FAILURE",
    "PRACTICE_CA_FILE",
    "NO_COLOR",
];

/// The built `practice`, with none of the variables it reads.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_practice"));
    for var in VARS {
        command.env_remove(var);
    }
    command
}

/// Runs `practice` with a clean environment plus `env`.
pub fn practice(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = command();
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    command.output().expect("the binary runs")
}

pub async fn run(args: &[&str], env: &[(&str, String)]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        practice(&args, &env)
    })
    .await
    .unwrap()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

pub fn env_for(s: &Sandbox) -> Vec<(&'static str, String)> {
    let c = s.credentials();
    vec![
        ("ALOHA_CLIENT_ID", c.aloha_client_id.clone()),
        ("ALOHA_SECRET_KEY", c.aloha_secret_key.clone()),
        ("ALOHA_BASE_URL", s.aloha_base_url()),
        ("AERONA_USERNAME", c.aerona_username.clone()),
        ("AERONA_PASSWORD", c.aerona_password.clone()),
        ("AERONA_BASE_URL", s.aerona_base_url()),
    ]
}
