//! `practice sandbox --print-env`: the `export` lines it prints point the CLI, run from a
//! shell that sourced them, at the running sandbox instead of a built-in one.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

mod support;

use support::VARS;

/// Kills the sandbox process when the test ends, passed or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_printed_exports_point_the_cli_at_the_running_sandbox() {
    let mut child = support::command()
        .args(["sandbox", "--print-env"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().expect("piped");
    let _running = Running(child);
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(7)
        .collect::<Result<_, _>>()
        .expect("seven lines");
    let names: Vec<&str> = lines
        .iter()
        .map(|l| {
            l.strip_prefix("export ")
                .and_then(|rest| rest.split_once('='))
                .unwrap_or_else(|| panic!("an export line: {l}"))
                .0
        })
        .collect();
    assert_eq!(
        names,
        [
            "ALOHA_BASE_URL",
            "ALOHA_CLIENT_ID",
            "ALOHA_SECRET_KEY",
            "AERONA_BASE_URL",
            "AERONA_USERNAME",
            "AERONA_PASSWORD",
            "AERONA_PIN"
        ]
    );
    assert!(
        lines[0].starts_with("export ALOHA_BASE_URL='http://127.0.0.1:"),
        "{}",
        lines[0]
    );

    let dir = std::env::temp_dir().join(format!("practice-print-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sandbox.env");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    for (args, expect) in [
        ("aloha clients", "\"clientId\""),
        ("aerona patient 426700", "patient426700@example.invalid"),
    ] {
        let mut shell = Command::new("sh");
        for var in VARS {
            shell.env_remove(var);
        }
        let script = format!(r#". "$1" && exec "$2" {args}"#);
        let out = shell
            .args(["-c", &script, "sh"])
            .arg(&file)
            .arg(env!("CARGO_BIN_EXE_practice"))
            .output()
            .expect("sh runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args}: {err}");
        assert!(err.is_empty(), "no built-in sandbox notice: {err}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(expect),
            "{args}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
