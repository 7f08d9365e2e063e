//! Which columns `csv` and `table` show, against the built-in sandbox: the spec's order in
//! every month, `--fields` naming the nearest field, `--fields`/`--wide` meaning a table on
//! a pipe, and each subcommand's help ending with an example.

mod support;

use support::{code, practice, stderr, stdout};

fn appointments(from: &str, to: &str, extra: &[&str]) -> std::process::Output {
    let args: Vec<&str> = ["aloha", "appointments", "--from", from, "--to", to]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    practice(&args, &[])
}

#[test]
fn csv_columns_follow_the_spec_and_are_the_same_every_month() {
    let march = appointments("2024-03-01", "2024-03-31", &["--format", "csv"]);
    let july = appointments("2023-07-01", "2023-07-31", &["--format", "csv"]);
    assert_eq!(code(&march), 0, "{}", stderr(&march));
    assert_eq!(code(&july), 0, "{}", stderr(&july));
    let header = |o: &std::process::Output| -> Vec<String> {
        let line = stdout(o).lines().next().unwrap_or("").to_owned();
        line.split(',').map(str::to_owned).collect()
    };
    let documented = aloha_api::models::Appointment::FIELDS;
    for columns in [header(&march), header(&july)] {
        // Every documented field, in spec order, whether or not the month's records hold it.
        assert_eq!(&columns[..documented.len()], documented, "spec order first");
        let unknown = &columns[documented.len()..];
        let mut sorted = unknown.to_vec();
        sorted.sort();
        assert_eq!(unknown, sorted, "then the unknown fields, sorted");
    }
    // The sandbox adds an undocumented `sandboxNote` to some March records: after the rest.
    assert_eq!(
        header(&march).last().map(String::as_str),
        Some("sandboxNote")
    );
    let again = appointments("2024-03-01", "2024-03-31", &["--format", "csv"]);
    assert_eq!(header(&again), header(&march), "the same every run");
}

#[test]
fn a_misspelt_field_is_answered_with_the_nearest_one_before_anything_is_sent() {
    let out = appointments(
        "2024-03-01",
        "2024-03-31",
        &["--format", "csv", "--fields", "chrage"],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("did you mean `charge`?"), "{err}");
    assert!(!err.contains("sandbox"), "nothing was started: {err}");
}

#[test]
fn fields_or_wide_on_a_pipe_mean_a_table() {
    let out = appointments(
        "2024-03-01",
        "2024-03-31",
        &["--fields", "appointmentId,charge"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("appointmentId  charge\n"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("appointmentId"))
            .count(),
        1
    );

    let wide = appointments("2024-03-01", "2024-03-31", &["--wide"]);
    assert_eq!(code(&wide), 0, "{}", stderr(&wide));
    let header = stdout(&wide).lines().next().unwrap_or("").to_owned();
    for field in aloha_api::models::Appointment::FIELDS {
        assert!(header.contains(field), "{field} in {header}");
    }
    let all = appointments(
        "2024-03-01",
        "2024-03-31",
        &["--fields", "all", "--format", "table"],
    );
    assert_eq!(stdout(&all), stdout(&wide), "--fields all is --wide");

    // Asked for json outright, --fields says why not.
    let json = appointments("2024-03-01", "2024-03-31", &["--format", "json", "--wide"]);
    assert_eq!(code(&json), 2);
    assert!(
        stderr(&json).contains("json and ndjson carry every field"),
        "{}",
        stderr(&json)
    );
}

#[test]
fn every_subcommand_help_ends_with_an_example_and_keeps_global_options_apart() {
    for path in [
        &["aloha", "appointments"][..],
        &["aloha", "clients"],
        &["aerona", "payments"],
        &["aerona", "create-appointment"],
        &["sync", "aloha"],
        &["sync", "aerona"],
        &["webhooks", "serve"],
        &["sandbox"],
        &["completions"],
    ] {
        let mut args: Vec<&str> = path.to_vec();
        args.push("--help");
        let out = practice(&args, &[]);
        assert_eq!(code(&out), 0, "{path:?}: {}", stderr(&out));
        let help = stdout(&out);
        let last: Vec<&str> = help.trim_end().lines().rev().take(2).collect();
        assert_eq!(last[1], "Example:", "{path:?}:\n{help}");
        assert!(
            last[0].trim_start().starts_with("practice ") || last[0].contains(" practice "),
            "{path:?}: {}",
            last[0]
        );
        assert!(help.contains("Global options:"), "{path:?}:\n{help}");
    }
}
