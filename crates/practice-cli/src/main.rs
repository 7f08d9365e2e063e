//! `practice`: Aloha and Aerona from the command line. See `practice --help`.
#![forbid(unsafe_code)]

mod args;
mod budget;
mod commands;
mod env;
mod exit;
mod output;
mod probe;
mod sync;
mod terminal;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;
use crate::exit::{Exit, Failure};
use crate::output::{Columns, Format, Printer};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with 0; usage errors are invalid input (2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                Exit::InvalidInput
            } else {
                Exit::Ok
            } as u8);
        }
    };
    init_logging(cli.verbose);
    let terminal = std::io::stdout().is_terminal();
    // `--fields "a, b"` means a and b; `--fields all` (or `--wide`) every field.
    let fields: Option<Vec<String>> = cli
        .fields
        .as_ref()
        .map(|names| names.iter().map(|n| n.trim().to_owned()).collect());
    let all = cli.wide || fields.as_deref().is_some_and(|f| f == [output::ALL]);
    // Choosing columns asks for a column format: on a pipe too, table unless told otherwise.
    let format = cli
        .format
        .unwrap_or(if terminal || all || fields.is_some() {
            Format::Table
        } else {
            Format::Json
        });
    let columns = Columns {
        fields: fields.filter(|_| !all),
        all,
        csv_raw: cli.csv_raw,
        schema: None,
        // Piped, a table may be as wide as its columns.
        width: terminal
            .then(terminal_size::terminal_size)
            .flatten()
            .map(|(width, _)| usize::from(width.0))
            .filter(|w| *w > 0),
    };
    if let Err(failure) = columns.check(format) {
        return report(failure);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return report(Failure::local(format!(
                "could not start the async runtime: {err}"
            )));
        }
    };
    let printer = Printer {
        format,
        columns: columns.clone(),
    };
    match runtime.block_on(commands::run(&cli, &printer)) {
        Ok(Some((output, schema))) => {
            let columns = Columns { schema, ..columns };
            if let Err(failure) = output.check_fields(&columns) {
                return report(failure);
            }
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            match output
                .write(format, &columns, &mut lock)
                .and_then(|()| lock.flush())
            {
                Ok(()) => ExitCode::from(Exit::Ok as u8),
                // A closed pipe (`| head`) is not an error worth a message.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(err) => report(Failure::local(format!("could not write the output: {err}"))),
            }
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

fn report(failure: Failure) -> ExitCode {
    if failure.exit == Exit::Ok {
        return ExitCode::SUCCESS;
    }
    let first_line = failure.message.lines().next().unwrap_or("");
    // The message may quote vendor text: it must not steer the terminal.
    let message = terminal::escape(first_line);
    if terminal::stderr_colour() {
        eprintln!("\x1b[1;31merror:\x1b[0m {message}");
    } else {
        eprintln!("error: {message}");
    }
    ExitCode::from(failure.exit as u8)
}

fn init_logging(verbose: u8) {
    // Warnings always reach stderr: a fallback to local state or a kept token is news.
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(terminal::stderr_colour())
        .init();
}
