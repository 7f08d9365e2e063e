//! What each command does, one module a command (or a concern shared by commands). Every
//! input is parsed and checked before anything is started or sent, so invalid input exits 2
//! with nothing sent, not even a login.
//!
//! Dispatch only: each arm hands its command to its own module.

mod aerona;
mod aerona_args;
mod aloha;
mod completions;
mod input;
mod records;
mod sandbox;

use crate::args::{AeronaCommand, AlohaCommand, Cli, Command};
use crate::exit::Failure;
use crate::output::{Output, Printer, Schema};

/// Runs the command: what it produced for stdout and, for typed records, their schema;
/// `None` when it printed to stdout itself (Aloha's reports, written as they arrive) or
/// prints nothing there (`sandbox`).
pub async fn run(
    cli: &Cli,
    printer: &Printer,
) -> Result<Option<(Output, Option<Schema>)>, Failure> {
    refuse_output_options(cli)?;
    match &cli.command {
        Command::Aloha(AlohaCommand::Probe(args)) => {
            crate::probe::aloha(cli.sandbox, cli.format, args)
                .await
                .map(|()| None)
        }
        Command::Aerona(AeronaCommand::Probe(args)) => {
            crate::probe::aerona(cli.sandbox, cli.format, args)
                .await
                .map(|()| None)
        }
        Command::Aloha(command) => aloha::run(cli, command, printer).await.map(|()| None),
        Command::Aerona(command) => aerona::run(cli, command, &printer.columns).await.map(Some),
        Command::Sandbox {
            port,
            print_env,
            variant,
            seed,
        } => sandbox::serve(*port, *print_env, *variant, *seed)
            .await
            .map(|()| None),
        Command::Completions { shell } => completions::print(*shell).map(|()| None),
        Command::Sync(command) => crate::sync::sync(
            command,
            cli.concurrency,
            cli.sandbox,
            cli.format == Some(crate::output::Format::Json),
        )
        .await
        .map(|()| None),
        Command::Webhooks(command) => crate::sync::webhooks(command).await.map(|()| None),
    }
}

/// The output options (`--format`, `--fields`, `--wide`, `--csv-raw`) for a command that
/// prints no records: invalid input, not quietly ignored.
fn refuse_output_options(cli: &Cli) -> Result<(), Failure> {
    let name = match &cli.command {
        Command::Aloha(_) | Command::Aerona(_) => return Ok(()),
        Command::Sync(_) => "practice sync",
        Command::Webhooks(_) => "practice webhooks",
        Command::Sandbox { .. } => "practice sandbox",
        Command::Completions { .. } => "practice completions",
    };
    // `practice sync --accounts` prints its summary as JSON with `--format json`.
    let accounts = matches!(&cli.command, Command::Sync(s) if s.accounts.accounts.is_some());
    if accounts && cli.format.is_some_and(|f| f != crate::output::Format::Json) {
        return Err(Failure::input(
            "practice sync --accounts prints its summary as text, or as JSON with --format json; no other --format",
        ));
    }
    let given = [
        ("--format", cli.format.is_some() && !accounts),
        ("--fields", cli.fields.is_some()),
        ("--wide", cli.wide),
        ("--csv-raw", cli.csv_raw),
    ];
    match given.iter().find(|(_, given)| *given) {
        Some((flag, _)) => Err(Failure::input(format!(
            "{flag} does nothing for `{name}`, which prints no records; leave it out"
        ))),
        None => Ok(()),
    }
}
