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
mod waits;

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
    let mut lines = failure.message.lines();
    let first_line = lines.next().unwrap_or("");
    // The message may quote vendor text: it must not steer the terminal.
    let message = terminal::escape(first_line);
    if terminal::stderr_colour() {
        eprintln!("\x1b[1;31merror:\x1b[0m {message}");
    } else {
        eprintln!("error: {message}");
    }
    // The error's causes, one `caused by:` line each (see `exit.rs`).
    for cause in lines.filter(|l| l.starts_with(exit::CAUSED_BY)) {
        eprintln!("{}", terminal::escape(cause));
    }
    ExitCode::from(failure.exit as u8)
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    // Warnings always reach stderr: a fallback to local state or a kept token is news.
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(terminal::stderr_colour())
        .with_filter(tracing_subscriber::filter::LevelFilter::from_level(level));
    // At the default verbosity the log hides the client's INFO announcement of a long wait
    // for budget; `waits` tells it instead (with -v the log shows it).
    let waits = (verbose == 0).then(|| {
        waits::BudgetWaits::default().with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            meta.target() == practice_core::quota::BUDGET_WAIT_TARGET
        }))
    });
    tracing_subscriber::registry().with(log).with(waits).init();
}
