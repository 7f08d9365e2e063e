//! Which credentials the CLI uses: the built-in sandbox only when none of a vendor's
//! variables is set, or with `--sandbox`; a half-set vendor, or a name within two edits of
//! one it reads, is invalid input (exit 2) with nothing sent and nothing on stdout.

use practice_sandbox::{Sandbox, SandboxConfig};

mod support;

use support::{code, env_for, run, stderr, stdout};

/// An environment: names and values.
type Env = Vec<(&'static str, String)>;

/// A case: the command, its environment, and what the error line must say.
type Case = (&'static [&'static str], Env, &'static [&'static str]);

/// `env` without `name`.
fn without(env: &[(&'static str, String)], name: &str) -> Vec<(&'static str, String)> {
    env.iter().filter(|(k, _)| *k != name).cloned().collect()
}

/// `env` with `name` set to `value`.
fn with(
    env: &[(&'static str, String)],
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    let mut env = without(env, name);
    env.push((name, value.to_owned()));
    env
}

#[tokio::test(flavor = "multi_thread")]
async fn a_half_set_vendor_exits_2_naming_what_is_missing_and_sends_nothing() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let env = env_for(&s);
    let cases: [Case; 8] = [
        // The case: the secret's name misspelt.
        (
            &["aloha", "clients"],
            with(
                &without(&env, "ALOHA_SECRET_KEY"),
                "ALOHA_SECRT_KEY",
                "sandbox-secret",
            ),
            &[
                "ALOHA_SECRT_KEY is set but not read (did you mean ALOHA_SECRET_KEY?)",
                "ALOHA_CLIENT_ID, ALOHA_SECRET_KEY, ALOHA_BASE_URL",
            ],
        ),
        // Every name misspelt: not quietly the sandbox's fake data.
        (
            &["aloha", "clients"],
            vec![
                ("ALOHA_CLIENTID", "sandbox-client".into()),
                ("aloha_secret_key", "sandbox-secret".into()),
            ],
            &[
                "ALOHA_CLIENTID is set but not read (did you mean ALOHA_CLIENT_ID?)",
                "aloha_secret_key is set but not read (did you mean ALOHA_SECRET_KEY?)",
            ],
        ),
        // A misspelt address with good credentials: not quietly the vendor's own address.
        (
            &["aerona", "patient", "426700"],
            with(
                &without(&env, "AERONA_BASE_URL"),
                "AERONA_BASEURL",
                "http://127.0.0.1:9",
            ),
            &["AERONA_BASEURL is set but not read (did you mean AERONA_BASE_URL?)"],
        ),
        (
            &["aloha", "clients"],
            with(&env, "ALOHA_SECRET_KEY", ""),
            &["ALOHA_SECRET_KEY is empty"],
        ),
        (
            &["aloha", "clients"],
            vec![("ALOHA_BASE_URL", s.aloha_base_url())],
            &[
                "ALOHA_CLIENT_ID and ALOHA_SECRET_KEY are not set",
                "ALOHA_BASE_URL is set",
            ],
        ),
        (
            &["aerona", "patient", "426700"],
            without(&env, "AERONA_PASSWORD"),
            &["AERONA_PASSWORD is not set"],
        ),
        (
            &["aerona", "patient", "426700"],
            vec![("AERONA_PIN", "1234".into())],
            &[
                "AERONA_USERNAME and AERONA_PASSWORD are not set",
                "AERONA_PIN is set",
            ],
        ),
        (
            &["aerona", "patient", "426700"],
            with(&without(&env, "AERONA_USERNAME"), "AERONA_PASSWORD", " "),
            &["AERONA_USERNAME is not set", "AERONA_PASSWORD is empty"],
        ),
    ];
    for (args, env, named) in cases {
        let out = run(args, &env).await;
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: nothing on stdout");
        let err = stderr(&out);
        assert!(err.starts_with("error: "), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            !err.contains("using the built-in"),
            "no sandbox started: {err}"
        );
        for part in named {
            assert!(err.contains(part), "{part:?} in {err}");
        }
        assert!(
            !err.contains("sandbox-secret") && !err.contains("sandbox-password"),
            "{err}"
        );
    }
    for op in [
        "aloha.postToken",
        "aloha.listClients",
        "aerona.login",
        "aerona.getPatient",
    ] {
        assert_eq!(s.requests(op), 0, "{op}: nothing sent");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_is_used_with_no_vendor_variable_or_with_the_flag() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let env = env_for(&s);

    // Aerona's variables say nothing about Aloha, and a budget is not a credential.
    let aerona_only: Vec<_> = env
        .iter()
        .filter(|(k, _)| k.starts_with("AERONA_"))
        .cloned()
        .chain([("AERONA_RATE_LIMIT", "300/15m".to_owned())])
        .collect();
    let out = run(&["aloha", "clients"], &aerona_only).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("using the built-in aloha sandbox"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &["aerona", "patient", "426700"],
        &[("AERONA_RATE_LIMIT", "300/15m".into())],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("using the built-in aerona sandbox"),
        "{}",
        stderr(&out)
    );

    // --sandbox wins over any credentials, whole or half.
    let half = without(&env, "ALOHA_SECRET_KEY");
    let out = run(&["aloha", "clients", "--sandbox"], &half).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("using the built-in aloha sandbox"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        s.requests("aloha.postToken"),
        0,
        "the given sandbox was not used"
    );

    // Whole credentials reach the API they name, with no notice.
    let out = run(&["aloha", "clients"], &env).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(s.requests("aloha.listClients"), 1);
}
