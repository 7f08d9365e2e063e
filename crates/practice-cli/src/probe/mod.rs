//! `practice aloha probe` and `practice aerona probe`: first contact with a real account.
//!
//! A small, bounded set of read-only requests (at most [`ALOHA_CEILING`] to Aloha and
//! [`AERONA_CEILING`] to Aerona, logins included, enforced by the transport itself) that tests
//! every assumption of docs/assumptions.md a read-only request can test, and compares each
//! field of real rows with the spec. The login shape is tried as configured first, then as the
//! alternatives the spec lists beside the assumption (`x-probe-alternatives`); a 401 or 403 is
//! a wrong credential, not a wrong shape, and stops at once.
//!
//! The report names types, shapes, statuses and counts: never a record's value, a secret or a
//! token. Exit 0 when nothing is contradicted, 1 when something is, else the usual codes.

mod aerona;
mod aerona_rows;
mod aloha;
mod fields;
mod login;
mod patch;
mod recorder;
mod report;

use std::path::PathBuf;

use practice_core::time::{Duration as Days, OffsetDateTime};
use practice_core::wire::IsoDate;
use practice_core::{DateRange, Error, ErrorKind};

use crate::exit::{Exit, Failure};
use crate::output::Format;
pub use report::Report;

/// Requests the Aloha probe may send, logins included.
pub const ALOHA_CEILING: usize = 12;
/// Requests the Aerona probe may send, logins included.
pub const AERONA_CEILING: usize = 20;
/// The longest range the probe reads (a short, recent one by default).
const MAX_DAYS: i64 = 92;

/// `probe`'s options.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// First date of the range the reports and searches read, YYYY-MM-DD (default: 30 days
    /// before --to). At most 92 days in all.
    #[arg(long)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// Write a unified diff of the vendor's openapi.yaml that corrects what was contradicted
    /// (types, formats, new fields, the auth path), for `git apply`.
    #[arg(long, value_name = "FILE")]
    pub spec_patch: Option<PathBuf>,
}

impl ProbeArgs {
    /// The range read: checked before anything is sent.
    fn range(&self) -> Result<DateRange, Failure> {
        let date = |flag: &str, text: &str| {
            IsoDate::parse(text)
                .map_err(|_| Failure::input(format!("{flag} {text:?} is not a date as YYYY-MM-DD")))
        };
        let to = match &self.to {
            Some(text) => date("--to", text)?,
            None => OffsetDateTime::now_utc().date(),
        };
        let from = match &self.from {
            Some(text) => date("--from", text)?,
            None => to.saturating_sub(Days::days(30)),
        };
        let range = DateRange::new(from, to).map_err(|e| Failure::input(e.message().to_owned()))?;
        if (to - from).whole_days() >= MAX_DAYS {
            return Err(Failure::input(format!(
                "--from..--to spans more than {MAX_DAYS} days: the probe reads a short range"
            )));
        }
        Ok(range)
    }
}

/// How a probe ended, before its exit code.
pub(crate) enum Ended {
    /// Every planned request was made.
    Complete(Report),
    /// A login was refused (401/403): the credentials are wrong; exit 3.
    Refused(Report, String),
}

/// Runs `practice aloha probe` (against the sandbox with `sandbox`, in `format` if given).
pub async fn aloha(sandbox: bool, format: Option<Format>, args: &ProbeArgs) -> Result<(), Failure> {
    let range = args.range()?;
    let ended = aloha::probe(sandbox, range).await?;
    finish(format, args, ended, Vendor::Aloha)
}

/// Runs `practice aerona probe`.
pub async fn aerona(
    sandbox: bool,
    format: Option<Format>,
    args: &ProbeArgs,
) -> Result<(), Failure> {
    let range = args.range()?;
    let rate_limit = crate::env::aerona_rate_limit()?;
    let ended = aerona::probe(sandbox, rate_limit, range).await?;
    finish(format, args, ended, Vendor::Aerona)
}

#[derive(Clone, Copy)]
pub(crate) enum Vendor {
    Aloha,
    Aerona,
}

impl Vendor {
    fn spec(self) -> &'static str {
        match self {
            Vendor::Aloha => aloha_api::OPENAPI_YAML,
            Vendor::Aerona => aerona_api::OPENAPI_YAML,
        }
    }

    fn spec_path(self) -> &'static str {
        match self {
            Vendor::Aloha => "crates/aloha-api/openapi.yaml",
            Vendor::Aerona => "crates/aerona-api/openapi.yaml",
        }
    }
}

/// Prints the report, writes the spec patch, and says how to exit.
fn finish(
    format: Option<Format>,
    args: &ProbeArgs,
    ended: Ended,
    vendor: Vendor,
) -> Result<(), Failure> {
    let (report, refused) = match ended {
        Ended::Complete(report) => (report, None),
        Ended::Refused(report, why) => (report, Some(why)),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let format = format.unwrap_or(if std::io::IsTerminal::is_terminal(&stdout) {
        Format::Table
    } else {
        Format::Json
    });
    let written = match format {
        Format::Json | Format::Ndjson => report.write_json(&mut out),
        Format::Table | Format::Csv => report.write_text(&mut out),
    };
    match written {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(err) => return Err(Failure::local(format!("could not write the report: {err}"))),
    }
    if let Some(why) = refused {
        return Err(Failure {
            exit: Exit::Rejected,
            message: why,
        });
    }
    if let Some(path) = &args.spec_patch {
        let diff = patch::spec_patch(vendor.spec(), vendor.spec_path(), &report)
            .map_err(Failure::local)?;
        std::fs::write(path, diff).map_err(|e| {
            Failure::local(format!(
                "could not write the spec patch to {}: {e}",
                path.display()
            ))
        })?;
    }
    if report.contradicted() {
        return Err(Failure {
            exit: Exit::Contradicted,
            message: format!(
                "the {} probe contradicted {} assumption(s) and found {} field(s) whose type or format differs from the spec; see the report",
                report.vendor,
                report
                    .assumptions
                    .iter()
                    .filter(|a| a.verdict == report::Verdict::Contradicted)
                    .count(),
                report.fields.iter().filter(|f| f.is_mismatch()).count()
            ),
        });
    }
    Ok(())
}

/// Rate limits stop the probe as they stop any command (exit 4).
pub(crate) fn stop_if_limited(err: &Error) -> Result<(), Failure> {
    if matches!(
        err.kind(),
        ErrorKind::RateLimited | ErrorKind::QuotaExhausted
    ) {
        return Err(Failure {
            exit: Exit::RateLimited,
            message: err.to_string(),
        });
    }
    Ok(())
}

/// A failed call in words without its message (which may quote the vendor's text).
pub(crate) fn status_words(err: &Error) -> String {
    match err.status() {
        Some(status) => format!("answered {}", status.as_u16()),
        None => format!("failed ({:?})", err.kind()),
    }
}
