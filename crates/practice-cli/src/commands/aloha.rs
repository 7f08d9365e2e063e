//! `practice aloha …`: the reports, each record written as soon as it is decoded.

use aloha_api::DateRangeReport;
use futures_util::StreamExt;
use practice_core::DateRange;
use practice_core::decode::{Row, RowPolicy, RowStream};
use practice_core::wire::Deviating;

use super::input::range;
use super::records::{known_fields, progress, warn_deviations};
use crate::args::{AlohaCommand, Cli};
use crate::budget;
use crate::env;
use crate::exit::Failure;
use crate::output::{Printer, RecordWriter, Schema, write_failed};

/// Input of an Aloha command, parsed.
enum AlohaJob {
    Clients,
    /// A report over a range, in chunks of at most this many days if given.
    Report(AlohaReport, DateRange, Option<u32>),
}

#[derive(Clone, Copy)]
enum AlohaReport {
    Appointments,
    ClientAuthorizations,
    BillingLedger,
    AuthorizationsWithoutAppointments,
}

pub async fn run(cli: &Cli, command: &AlohaCommand, printer: &Printer) -> Result<(), Failure> {
    use aloha_api::models;
    let job = match command {
        AlohaCommand::Clients => AlohaJob::Clients,
        AlohaCommand::Appointments(r) => {
            AlohaJob::Report(AlohaReport::Appointments, range(r)?, r.chunk_days)
        }
        AlohaCommand::ClientAuthorizations(r) => {
            AlohaJob::Report(AlohaReport::ClientAuthorizations, range(r)?, r.chunk_days)
        }
        AlohaCommand::BillingLedger(r) => {
            AlohaJob::Report(AlohaReport::BillingLedger, range(r)?, r.chunk_days)
        }
        AlohaCommand::AuthorizationsWithoutAppointments(r) => AlohaJob::Report(
            AlohaReport::AuthorizationsWithoutAppointments,
            range(r)?,
            r.chunk_days,
        ),
        AlohaCommand::Probe(args) => {
            return crate::probe::aloha(cli.sandbox, cli.format, args).await;
        }
    };
    // The records are typed: `--fields` is checked against their documented fields before
    // anything is sent.
    let schema = known_fields(
        &printer.columns,
        match job {
            AlohaJob::Clients => Schema::new(models::Client::FIELDS, models::Client::TABLE_FIELDS),
            AlohaJob::Report(AlohaReport::Appointments, ..) => Schema::new(
                models::Appointment::FIELDS,
                models::Appointment::TABLE_FIELDS,
            ),
            AlohaJob::Report(AlohaReport::ClientAuthorizations, ..) => Schema::new(
                models::ClientAuthorization::FIELDS,
                models::ClientAuthorization::TABLE_FIELDS,
            ),
            AlohaJob::Report(AlohaReport::BillingLedger, ..) => Schema::new(
                models::BillingLedgerEntry::FIELDS,
                models::BillingLedgerEntry::TABLE_FIELDS,
            ),
            AlohaJob::Report(AlohaReport::AuthorizationsWithoutAppointments, ..) => Schema::new(
                models::AuthorizationWithoutAppointments::FIELDS,
                models::AuthorizationWithoutAppointments::TABLE_FIELDS,
            ),
        },
    )?;
    let env::Resolved {
        builder,
        sandbox: _sandbox,
    } = env::aloha(cli.sandbox).await?;
    let limits = practice_core::StreamLimits::new(
        cli.max_answer_mib.saturating_mul(1 << 20),
        practice_core::StreamLimits::default().max_row_bytes,
    );
    let client = builder.map_options(|o| o.stream_limits(limits)).build()?;
    let mut out = printer.records(Some(schema));
    match job {
        AlohaJob::Clients => {
            let rows = client.clients_stream(RowPolicy::Fail).await?;
            write_rows(rows, &mut out).await?;
        }
        AlohaJob::Report(report, range, chunk_days) => {
            use aloha_api::{
                Appointments, AuthorizationsWithoutAppointments, BillingLedger,
                ClientAuthorizations,
            };
            let (client, out) = (&client, &mut out);
            match report {
                AlohaReport::Appointments => {
                    report_streamed::<Appointments>(cli, client, range, chunk_days, out).await?
                }
                AlohaReport::ClientAuthorizations => {
                    report_streamed::<ClientAuthorizations>(cli, client, range, chunk_days, out)
                        .await?
                }
                AlohaReport::BillingLedger => {
                    report_streamed::<BillingLedger>(cli, client, range, chunk_days, out).await?
                }
                AlohaReport::AuthorizationsWithoutAppointments => {
                    report_streamed::<AuthorizationsWithoutAppointments>(
                        cli, client, range, chunk_days, out,
                    )
                    .await?
                }
            }
        }
    }
    out.finish().map_err(write_failed)?;
    if cli.verbose > 0 {
        eprintln!("{}", budget::line("aloha", client.budget().await));
    }
    Ok(())
}

/// One Aloha report over `range`, each record written as soon as it is decoded: one request
/// by default; with `--chunk-days`, split as the report allows (see `aloha_api::Split`), so
/// that no row comes twice or goes missing. Up to `--concurrency` chunks are requested ahead;
/// their answers are read one after another, in date order.
async fn report_streamed<R: DateRangeReport>(
    cli: &Cli,
    client: &aloha_api::Client,
    range: DateRange,
    chunk_days: Option<u32>,
    out: &mut RecordWriter<impl std::io::Write>,
) -> Result<(), Failure> {
    let chunks = match chunk_days {
        Some(days) => R::SPLIT.chunks(range, days)?,
        None => vec![range],
    };
    let bar = progress(chunks.len() as u64);
    let mut answers = futures_util::stream::iter(chunks)
        .map(|chunk| client.report_stream::<R>(chunk, RowPolicy::Fail))
        .buffered(usize::from(cli.concurrency));
    while let Some(rows) = answers.next().await {
        write_rows(rows?, out).await?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Writes each row of one answer as it is decoded, exactly as sent, warning of every field
/// that did not match its documented type.
async fn write_rows<T>(
    mut rows: RowStream<T>,
    out: &mut RecordWriter<impl std::io::Write>,
) -> Result<(), Failure>
where
    T: Deviating + serde::de::DeserializeOwned + Send + 'static,
{
    while let Some(row) = rows.next_row().await {
        let row = row?;
        // The splitter hands over complete JSON values and the row decoded: valid UTF-8.
        let text = std::str::from_utf8(row.raw())
            .map_err(|_| Failure::local("a record is not UTF-8 text"))?;
        out.record(text).map_err(write_failed)?;
        if let Row::Typed(record) = row.row() {
            let deviations: Vec<_> = record
                .deviations()
                .iter()
                .map(|d| (0, d.field(), d.expected()))
                .collect();
            warn_deviations(out.count().saturating_sub(1), &deviations);
        }
    }
    Ok(())
}
