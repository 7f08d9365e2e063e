//! `practice sync --accounts FILE`: five accounts of both vendors, each on its own sandbox
//! (distinct seeds: distinct data, overlapping record ids), sync exactly, each row under its
//! own account; a wrong secret fails alone (the exit code rule, the JSON status); input
//! mistakes exit 2 naming the line or the variable with nothing sent; `--dry-run` plans every
//! account and sends nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use practice_core::DateRange;
use practice_sandbox::{Sandbox, SandboxConfig};
use practice_sync::Db;
use practice_sync::sqlx::{self, Row as _};

const FROM: &str = "2024-03-01";
const TO: &str = "2024-04-30";

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "practice-accounts-{name}-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

async fn sandbox(seed: u64) -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox")
}

/// The binary with only `env` in its environment.
async fn practice(args: &[&str], env: &[(String, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_practice"));
    cmd.args(args).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("the binary runs")
}

/// Variables and their values.
type Env = Vec<(String, String)>;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An `[[account]]` table: `vendor` on sandbox `s`, its credentials in variables prefixed
/// with the upper-cased name (set in `env`; `secret` replaces the right one when given).
fn account(
    name: &str,
    vendor: &str,
    s: &Sandbox,
    secret: Option<&str>,
    env: &mut Vec<(String, String)>,
) -> String {
    let c = s.credentials();
    let up = name.to_uppercase();
    if vendor == "aloha" {
        env.push((format!("{up}_ID"), c.aloha_client_id.clone()));
        env.push((
            format!("{up}_SECRET"),
            secret.map_or(c.aloha_secret_key.clone(), str::to_owned),
        ));
        format!(
            "[[account]]\nname = \"{name}\"\nvendor = \"aloha\"\nclient_id_env = \"{up}_ID\"\nsecret_key_env = \"{up}_SECRET\"\nbase_url = \"{}\"\n\n",
            s.aloha_base_url()
        )
    } else {
        env.push((format!("{up}_USER"), c.aerona_username.clone()));
        env.push((
            format!("{up}_PASS"),
            secret.map_or(c.aerona_password.clone(), str::to_owned),
        ));
        format!(
            "[[account]]\nname = \"{name}\"\nvendor = \"aerona\"\nusername_env = \"{up}_USER\"\npassword_env = \"{up}_PASS\"\nbase_url = \"{}\"\nrate_limit = \"300/15m\"\n\n",
            s.aerona_base_url()
        )
    }
}

fn write(dir: &Path, text: &str) -> String {
    let path = dir.join("fleet.toml");
    std::fs::write(&path, text).expect("write the file");
    path.display().to_string()
}

fn all_requests(s: &Sandbox) -> u64 {
    s.stats().values().sum()
}

fn data_requests(s: &Sandbox) -> u64 {
    s.stats()
        .into_iter()
        .filter(|(op, _)| !op.contains("Token") && !op.contains("login"))
        .map(|(_, n)| n)
        .sum()
}

/// `account`'s rows of `table`: row key → record.
async fn stored(db: &Db, account: &str, table: &str) -> BTreeMap<String, serde_json::Value> {
    sqlx::query(&format!(
        "SELECT row_key, record FROM {table} WHERE account = '{account}'"
    ))
    .fetch_all(db.pool())
    .await
    .expect("read")
    .iter()
    .map(|r| {
        let record: String = r.get(1);
        (r.get(0), serde_json::from_str(&record).expect("JSON"))
    })
    .collect()
}

fn sorted<T: serde::Serialize>(records: &[T]) -> Vec<serde_json::Value> {
    let mut out: Vec<_> = records
        .iter()
        .map(|r| serde_json::to_value(r).expect("JSON"))
        .collect();
    out.sort_by_cached_key(|v| v.to_string());
    out
}

fn values(rows: &BTreeMap<String, serde_json::Value>) -> Vec<serde_json::Value> {
    let mut out: Vec<_> = rows.values().cloned().collect();
    out.sort_by_cached_key(|v| v.to_string());
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn five_accounts_of_both_vendors_sync_exactly_each_under_its_name() {
    let sandboxes = [sandbox(2024).await, sandbox(7).await, sandbox(99).await];
    let [a, b, c] = &sandboxes;
    let dir = dir("five");
    let mut env = Vec::new();
    let mut text = String::new();
    let plan = [
        ("north", "aloha", a),
        ("south", "aloha", b),
        ("east", "aloha", c),
        ("smile", "aerona", a),
        ("grin", "aerona", b),
    ];
    for (name, vendor, s) in plan {
        text.push_str(&account(name, vendor, s, None, &mut env));
    }
    let file = write(&dir, &text);
    let url = format!("sqlite://{}", dir.join("m.db").display());
    let args = [
        "sync",
        "--accounts",
        &file,
        "--db",
        &url,
        "--from",
        FROM,
        "--to",
        TO,
        "--format",
        "json",
    ];
    let out = practice(&args, &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let accounts = json["accounts"].as_array().expect("accounts");
    let names: Vec<&str> = accounts.iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["north", "south", "east", "smile", "grin"]);
    let mut requests = BTreeMap::<usize, u64>::new();
    for ((name, vendor, s), entry) in plan.iter().zip(accounts) {
        assert_eq!(entry["vendor"], *vendor);
        assert_eq!(entry["status"], "ok", "{entry}");
        assert!(entry["error"].is_null());
        assert!(entry["rows"].as_u64().unwrap_or(0) > 50, "{name}: {entry}");
        let at = sandboxes
            .iter()
            .position(|x| std::ptr::eq(x, *s))
            .unwrap_or(0);
        *requests.entry(at).or_default() += entry["requests"].as_u64().unwrap_or(0);
        assert_eq!(entry.as_object().map(|o| o.len()), Some(6), "{entry}");
    }
    // Each sandbox saw exactly its accounts' data requests.
    for (i, s) in sandboxes.iter().enumerate() {
        assert_eq!(data_requests(s), requests[&i], "sandbox {i}");
    }

    let db = Db::connect(&url).await.expect("open");
    let range = DateRange::parse(FROM, TO).expect("range");
    for (name, vendor, s) in plan {
        let creds = s.credentials();
        if vendor == "aloha" {
            let client = aloha_api::Client::builder(
                creds.aloha_client_id.clone(),
                creds.aloha_secret_key.clone(),
            )
            .base_url(s.aloha_base_url())
            .build()
            .expect("a client");
            assert_eq!(
                values(&stored(&db, name, "aloha_appointments").await),
                sorted(&client.appointments(range).await.expect("appointments")),
                "{name}"
            );
            assert_eq!(
                values(&stored(&db, name, "aloha_clients").await),
                sorted(&client.clients().await.expect("clients")),
                "{name}"
            );
        } else {
            let client = aerona_api::Client::builder(
                creds.aerona_username.clone(),
                creds.aerona_password.clone(),
            )
            .base_url(s.aerona_base_url())
            .build()
            .expect("a client");
            assert_eq!(
                values(&stored(&db, name, "aerona_invoices").await),
                sorted(&client.search_invoices(None, range).await.expect("invoices")),
                "{name}"
            );
        }
    }
    // The ids collide across accounts, their records do not mix.
    let north = stored(&db, "north", "aloha_appointments").await;
    let south = stored(&db, "south", "aloha_appointments").await;
    let shared: BTreeSet<&String> = north.keys().filter(|k| south.contains_key(*k)).collect();
    assert!(!shared.is_empty(), "colliding ids");
    assert!(shared.iter().any(|k| north[*k] != south[*k]));
    let accounts: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT account FROM sync_coverage ORDER BY account")
            .fetch_all(db.pool())
            .await
            .expect("accounts");
    assert_eq!(accounts, ["east", "grin", "north", "smile", "south"]);
    db.close().await;
    for s in sandboxes {
        s.stop().await;
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_fails_alone_and_sets_the_exit_code() {
    let s = sandbox(2024).await;
    let dir = dir("wrong");
    let mut env = Vec::new();
    let text = [
        account("north", "aloha", &s, None, &mut env),
        account("bad", "aloha", &s, Some("wrong-secret-0815"), &mut env),
        account("smile", "aerona", &s, None, &mut env),
    ]
    .concat();
    let file = write(&dir, &text);
    let url = format!("sqlite://{}", dir.join("m.db").display());
    let json_args = [
        "sync",
        "--accounts",
        &file,
        "--db",
        &url,
        "--from",
        FROM,
        "--to",
        TO,
        "--format",
        "json",
    ];
    let out = practice(&json_args, &env).await;
    // Aloha refuses the secret: 3 (rejected), the code of the first failed account.
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let status: Vec<&str> = json["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["status"].as_str())
        .collect();
    assert_eq!(status, ["ok", "failed", "ok"]);
    let bad = &json["accounts"][1];
    assert!(
        bad["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{bad}"
    );
    assert_eq!(bad["rows"], 0);
    let everything = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(!everything.contains("wrong-secret-0815"), "{everything}");
    assert!(
        stderr(&out).contains("1 of 3 accounts failed; the first, bad"),
        "{}",
        stderr(&out)
    );

    // The text summary: a line per account.
    let out = practice(&json_args[..json_args.len() - 2], &env).await;
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    for line in [
        "north (aloha): ok, ",
        "bad (aloha): failed, 0 requests",
        "smile (aerona): ok, ",
    ] {
        assert!(err.lines().any(|l| l.starts_with(line)), "{line}: {err}");
    }
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn input_mistakes_exit_2_naming_the_line_or_variable_and_send_nothing() {
    let s = sandbox(2024).await;
    let dir = dir("mistakes");
    let mut env = Vec::new();
    let good = [
        account("north", "aloha", &s, None, &mut env),
        account("smile", "aerona", &s, None, &mut env),
    ]
    .concat();
    let db = dir.join("m.db");
    let url = format!("sqlite://{}", db.display());
    let unset: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| k != "SMILE_PASS")
        .cloned()
        .collect();
    let mut redis = env.clone();
    redis.push(("PRACTICE_REDIS_URL".into(), "redis://127.0.0.1:1".into()));
    redis.push(("PRACTICE_REDIS_ON_FAILURE".into(), "sometimes".into()));
    // (the file, an extra argument, the environment, what the message must say)
    let cases: Vec<(String, Vec<&str>, &Env, &str)> = vec![
        (
            good.replace(
                "[[account]]\nname = \"smile\"",
                "[[account]\nname = \"smile\"",
            ),
            vec![],
            &env,
            "fleet.toml:8:",
        ),
        (
            good.replace("\"smile\"", "\"north\""),
            vec![],
            &env,
            "fleet.toml:9: the account name \"north\" is used twice (first at ",
        ),
        (
            good.replace("rate_limit", "rate_limits"),
            vec![],
            &env,
            "fleet.toml:14:",
        ),
        (
            good.clone(),
            vec![],
            &unset,
            "SMILE_PASS (its password) is not set",
        ),
        (
            good.clone(),
            vec!["aloha"],
            &env,
            "--accounts syncs the accounts its file names",
        ),
        (
            good.clone(),
            vec!["--sandbox"],
            &env,
            "--sandbox does not combine with --accounts",
        ),
        (
            good.clone(),
            vec![],
            &redis,
            "PRACTICE_REDIS_ON_FAILURE=\"sometimes\" is neither",
        ),
    ];
    for (text, extra, env, expected) in cases {
        let file = write(&dir, &text);
        let mut args = vec!["sync", "--accounts", &file, "--db", &url];
        match extra.first() {
            Some(&"--sandbox") => args.insert(0, "--sandbox"),
            // The vendor's own `--db` too, so that clap accepts the subcommand.
            Some(vendor) => args.extend([*vendor, "--db", &url]),
            None => {}
        }
        let out = practice(&args, env).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{expected}: {err}");
        assert!(err.contains(expected), "{expected}: {err}");
        // No secret in the message.
        for (_, value) in env
            .iter()
            .filter(|(k, _)| k.ends_with("_SECRET") || k.ends_with("_PASS"))
        {
            assert!(!err.contains(value.as_str()), "{err}");
        }
    }
    assert_eq!(all_requests(&s), 0, "nothing sent, not even a login");
    assert!(!db.exists(), "nothing created");
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_plans_every_account_and_sends_nothing() {
    let s = sandbox(2024).await;
    let dir = dir("dry");
    let mut env = Vec::new();
    let text = [
        account("north", "aloha", &s, None, &mut env),
        account("smile", "aerona", &s, None, &mut env),
    ]
    .concat();
    let file = write(&dir, &text);
    let db = dir.join("m.db");
    let url = format!("sqlite://{}", db.display());
    let args = [
        "sync",
        "--accounts",
        &file,
        "--db",
        &url,
        "--from",
        FROM,
        "--to",
        TO,
        "--dry-run",
    ];
    let out = practice(&args, &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("account north (aloha):"), "{plan}");
    assert!(plan.contains("account smile (aerona):"), "{plan}");
    assert!(
        plan.contains(&format!("plan against {}", s.aloha_base_url())),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("plan against {}", s.aerona_base_url())),
        "{plan}"
    );
    assert!(
        plan.contains("aloha_appointments") && plan.contains("aerona_payments"),
        "{plan}"
    );
    assert_eq!(all_requests(&s), 0);
    assert!(!db.exists());
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[path = "../../practice-sync/tests/support/postgres.rs"]
mod postgres;
#[path = "../../practice-redis/tests/support/redis_server.rs"]
mod redis_server;

/// Two `practice sync --accounts` processes on one PostgreSQL and Redis share the work: each
/// (account, month) is fetched once, each account logs in once for the fleet (its token under
/// its own Redis keys), and both end with every account done.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL (PRACTICE_TEST_POSTGRES_URL) and redis-server on PATH: run with `cargo test -- --include-ignored`"]
async fn two_processes_on_postgres_and_redis_fetch_each_account_window_once() {
    let url = postgres::fresh_database("two_account_processes").await;
    let redis = redis_server::RedisServer::start();
    let (a, b) = (sandbox(2024).await, sandbox(7).await);
    let dir = dir("fleet");
    let mut env = Vec::new();
    let text = [
        account("north", "aloha", &a, None, &mut env),
        account("south", "aloha", &b, None, &mut env),
    ]
    .concat();
    let file = write(&dir, &text);
    env.push(("PRACTICE_REDIS_URL".into(), redis.url()));
    let args = [
        "sync",
        "--accounts",
        &file,
        "--db",
        &url,
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        "--window-months",
        "1",
        "--format",
        "json",
    ];
    let children: Vec<_> = (0..2)
        .map(|_| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_practice"));
            cmd.args(args)
                .env_clear()
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            for (k, v) in &env {
                cmd.env(k, v);
            }
            cmd.spawn().expect("the binary runs")
        })
        .collect();
    for child in children {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .expect("join")
            .expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert!(
            json["accounts"]
                .as_array()
                .is_some_and(|a| a.len() == 2 && a.iter().all(|e| e["status"] == "ok")),
            "{json}"
        );
    }
    for (name, s) in [("north", &a), ("south", &b)] {
        for op in [
            "aloha.listAppointments",
            "aloha.listBillingLedger",
            "aloha.listClientAuthorizations",
            "aloha.listAuthorizationsWithoutAppointments",
        ] {
            assert_eq!(s.requests(op), 6, "{name} {op}: each month once");
        }
        // The snapshot: once per process at most.
        assert!((1..=2).contains(&s.requests("aloha.listClients")), "{name}");
        assert_eq!(
            s.requests("aloha.postToken"),
            1,
            "{name}: one login for the fleet"
        );
    }
    let db = Db::connect(&url).await.expect("connect");
    let covered: Vec<(String, i64)> = sqlx::query(
        "SELECT account, COUNT(*) FROM sync_coverage GROUP BY account ORDER BY account",
    )
    .fetch_all(db.pool())
    .await
    .expect("coverage")
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(
        covered,
        [("north".to_owned(), 25), ("south".to_owned(), 25)]
    );
    let leases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_leases")
        .fetch_one(db.pool())
        .await
        .expect("leases");
    assert_eq!(leases, 0);
    db.close().await;
    a.stop().await;
    b.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
