//! What a newcomer finds without reading the source: `--help` names every variable read and
//! every exit code, and `practice completions SHELL` prints a script the shell accepts.

mod support;

use support::{VARS, code, practice, stderr, stdout};

#[test]
fn help_lists_every_variable_read_and_the_exit_codes() {
    let out = practice(&["--help"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let help = stdout(&out);
    for var in VARS {
        assert!(help.contains(var), "{var} in --help:\n{help}");
    }
    let codes = &help[help.find("Exit codes:").expect("an exit-code section")..];
    for code in ["0", "2", "3", "4", "5"] {
        assert!(
            codes
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{code}  "))),
            "exit code {code}:\n{codes}"
        );
    }
    for flag in ["--fields", "--csv-raw", "--sandbox", "completions"] {
        assert!(help.contains(flag), "{flag}:\n{help}");
    }
    assert!(
        help.contains("OWASP"),
        "the CSV protection is documented:\n{help}"
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = practice(&["completions", shell], &[]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for word in ["practice", "appointments", "fields", "print-env"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
    let out = practice(&["completions", "tcsh"], &[]);
    assert_eq!(code(&out), 2, "an unknown shell is invalid input");

    // Where bash is at hand, the script must load and register `practice`.
    let bash = practice(&["completions", "bash"], &[]);
    let dir = std::env::temp_dir().join(format!("practice-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("practice.bash");
    std::fs::write(&file, &bash.stdout).unwrap();
    if let Ok(loaded) = std::process::Command::new("bash")
        .args([
            "--norc",
            "-c",
            r#"source "$1" && complete -p practice"#,
            "bash",
        ])
        .arg(&file)
        .output()
    {
        assert!(
            loaded.status.success(),
            "{}",
            String::from_utf8_lossy(&loaded.stderr)
        );
        assert!(String::from_utf8_lossy(&loaded.stdout).contains("practice"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
