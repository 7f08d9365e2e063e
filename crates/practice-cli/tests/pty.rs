//! The built `practice` binary under a real pseudo-terminal, as a person at a terminal runs
//! it: stdout and stderr are terminals, so logging may colour and the default format is
//! `table`. Piped runs (tests/cli.rs) never reach these code paths.

#![cfg(unix)]

use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};

mod support;

/// The README's main command, after `cargo run -q -p practice-cli --`.
const README_MAIN: [&str; 8] = [
    "aloha",
    "appointments",
    "--from",
    "2024-03-01",
    "--to",
    "2024-03-31",
    "--format",
    "table",
];

/// What a run under a terminal left: its exit code and everything it wrote to the terminal.
struct Seen {
    code: i32,
    screen: String,
}

/// Runs `practice args` on a fresh pseudo-terminal with `env` on top of a cleared
/// environment, reads the terminal to its end, and waits for the exit.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> Seen {
    let mut command = support::command();
    command.args(args).envs(env.iter().copied());
    let mut session = Session::spawn(command).expect("a pseudo-terminal");
    session.set_expect_timeout(Some(Duration::from_secs(120)));
    let seen = session.expect(Eof).expect("the terminal reaches its end");
    let screen = String::from_utf8_lossy(seen.as_bytes()).into_owned();
    let code = match session.get_process().wait().expect("the process ends") {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, signal, _) => panic!("killed by {signal}: {screen}"),
        other => panic!("ended without an exit code: {other:?}\n{screen}"),
    };
    Seen { code, screen }
}

const ESC: char = '\u{1b}';

#[test]
fn the_readme_main_command_prints_a_table_on_a_terminal() {
    let seen = on_terminal(&README_MAIN, &[]);
    assert_eq!(seen.code, 0, "{}", seen.screen);
    assert!(!seen.screen.contains("panicked"), "{}", seen.screen);
    assert!(
        seen.screen.contains("built-in aloha sandbox"),
        "{}",
        seen.screen
    );
    let header = seen
        .screen
        .lines()
        .find(|l| l.starts_with("appointmentId"))
        .unwrap_or_else(|| panic!("a header row: {}", seen.screen));
    assert!(header.contains("appointmentDate"), "{header}");
    let rows = seen.screen.lines().filter(|l| l.contains("-2024 ")).count();
    assert!(rows > 0, "rows of March 2024: {}", seen.screen);
    assert!(
        seen.screen.contains(&format!("({rows} records)")),
        "{}",
        seen.screen
    );
    assert!(
        !seen.screen.contains(ESC),
        "no colour without logs: {}",
        seen.screen
    );
}

#[test]
fn logs_are_coloured_on_a_terminal_unless_no_color_is_set() {
    let verbose: Vec<&str> = ["-vv"].into_iter().chain(README_MAIN).collect();

    let coloured = on_terminal(&verbose, &[]);
    assert_eq!(coloured.code, 0, "{}", coloured.screen);
    assert!(coloured.screen.contains("DEBUG"), "{}", coloured.screen);
    assert!(
        coloured.screen.contains(&format!("{ESC}[")),
        "colour on a terminal: {}",
        coloured.screen
    );

    // An empty NO_COLOR does not count (no-color.org).
    let empty = on_terminal(&verbose, &[("NO_COLOR", "")]);
    assert_eq!(empty.code, 0, "{}", empty.screen);
    assert!(
        empty.screen.contains(&format!("{ESC}[")),
        "{}",
        empty.screen
    );

    let plain = on_terminal(&verbose, &[("NO_COLOR", "1")]);
    assert_eq!(plain.code, 0, "{}", plain.screen);
    assert!(plain.screen.contains("DEBUG"), "{}", plain.screen);
    assert!(plain.screen.contains("appointmentId"), "{}", plain.screen);
    assert!(
        !plain.screen.contains(ESC),
        "NO_COLOR means none: {}",
        plain.screen
    );
}

#[test]
fn error_lines_are_coloured_only_without_no_color() {
    let coloured = on_terminal(&["aerona", "patient", "1"], &[]);
    assert_eq!(coloured.code, 3, "{}", coloured.screen);
    assert!(
        coloured
            .screen
            .contains(&format!("{ESC}[1;31merror:{ESC}[0m getPatient")),
        "{}",
        coloured.screen
    );
    let plain = on_terminal(&["aerona", "patient", "1"], &[("NO_COLOR", "yes")]);
    assert_eq!(plain.code, 3, "{}", plain.screen);
    assert!(
        plain.screen.contains("error: getPatient"),
        "{}",
        plain.screen
    );
    assert!(!plain.screen.contains(ESC), "{}", plain.screen);
}

/// Runs `practice args` on a fresh pseudo-terminal `cols` columns wide: the test sets the
/// size once the terminal exists (its maker sets a default of its own after starting the
/// child), and the child waits until it sees that width before starting `practice`.
fn on_terminal_of_width(cols: u16, args: &[&str]) -> Seen {
    let mut command = std::process::Command::new("sh");
    for var in support::VARS {
        command.env_remove(var);
    }
    command
        .args([
            "-c",
            r#"until [ "$(stty size | cut -d' ' -f2)" = "$0" ]; do sleep 0.01; done; exec "$@""#,
        ])
        .arg(cols.to_string())
        .arg(env!("CARGO_BIN_EXE_practice"))
        .args(args);
    let mut session = Session::spawn(command).expect("a pseudo-terminal");
    session
        .get_process_mut()
        .set_window_size(cols, 50)
        .expect("the terminal's size");
    session.set_expect_timeout(Some(Duration::from_secs(120)));
    let seen = session.expect(Eof).expect("the terminal reaches its end");
    let screen = String::from_utf8_lossy(seen.as_bytes()).into_owned();
    let code = match session.get_process().wait().expect("the process ends") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("ended without an exit code: {other:?}\n{screen}"),
    };
    Seen { code, screen }
}

#[test]
fn the_readme_main_command_fits_80_and_160_columns_with_one_header() {
    for cols in [80usize, 160] {
        let seen = on_terminal_of_width(cols as u16, &README_MAIN);
        assert_eq!(seen.code, 0, "{cols}: {}", seen.screen);
        let lines: Vec<&str> = seen
            .screen
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            widest <= cols,
            "{cols} columns, a line of {widest}:\n{}",
            seen.screen
        );
        let headers = lines
            .iter()
            .filter(|l| l.starts_with("appointmentId"))
            .count();
        assert_eq!(headers, 1, "{cols}: {}", seen.screen);
        let rows = lines.iter().filter(|l| l.contains("-2024 ")).count();
        assert!(
            rows > 100,
            "{cols}: every March record a line: {}",
            seen.screen
        );
        let count = format!("({rows} records)");
        assert!(seen.screen.contains(&count), "{cols}: {}", seen.screen);
        assert!(
            seen.screen.contains("fields shown; --fields all"),
            "the way to every field is named: {}",
            seen.screen
        );
        if cols == 160 {
            // Wide enough for every default column of the spec, none cut.
            let header = lines
                .iter()
                .find(|l| l.starts_with("appointmentId"))
                .unwrap();
            for column in [
                "clientName",
                "serviceName",
                "charge",
                "claimId",
                "completed",
            ] {
                assert!(header.contains(column), "{column}: {header}");
            }
        }
    }
}

#[test]
fn one_record_on_a_terminal_is_shown_one_field_a_line() {
    let seen = on_terminal_of_width(80, &["aerona", "payment", "187000"]);
    assert_eq!(seen.code, 0, "{}", seen.screen);
    let lines: Vec<&str> = seen
        .screen
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    assert!(
        lines.iter().all(|l| l.chars().count() <= 80),
        "{}",
        seen.screen
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("id ") && l.ends_with("187000")),
        "{}",
        seen.screen
    );
    assert!(
        lines.iter().any(|l| l.starts_with("amount ")),
        "{}",
        seen.screen
    );
    assert!(seen.screen.contains("(1 record)"), "{}", seen.screen);
}
