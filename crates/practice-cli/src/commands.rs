//! What each command does. Every input is parsed and checked before anything is started or
//! sent, so invalid input exits 2 with nothing sent, not even a login.

use std::io::IsTerminal;

use aloha_api::DateRangeReport;
use futures_util::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use practice_core::decode::{Row, RowPolicy, RowStream};
use practice_core::time::{Date, OffsetDateTime, format_description::well_known::Rfc3339};
use practice_core::wire::Deviating;
use practice_core::{DateRange, wire::IsoDate};
use practice_sandbox::{Sandbox, SandboxConfig};

use crate::args::{AeronaCommand, AlohaCommand, Cli, Command, Range, Search, TimeOfDay};
use crate::budget;
use crate::env;
use crate::exit::Failure;
use crate::output::{Output, Printer, RecordWriter, record, records, write_failed};

/// Runs the command; `None` when it printed to stdout itself (Aloha's reports, written as
/// they arrive) or prints nothing there (`sandbox`).
pub async fn run(cli: &Cli, printer: &Printer) -> Result<Option<Output>, Failure> {
    match &cli.command {
        Command::Aloha(AlohaCommand::Probe(args)) => {
            crate::probe::aloha(cli, args).await.map(|()| None)
        }
        Command::Aerona(AeronaCommand::Probe(args)) => {
            crate::probe::aerona(cli, args).await.map(|()| None)
        }
        Command::Aloha(command) => aloha(cli, command, printer).await.map(|()| None),
        Command::Aerona(command) => aerona(cli, command).await.map(Some),
        Command::Sandbox {
            port,
            print_env,
            variant,
        } => serve_sandbox(*port, *print_env, *variant)
            .await
            .map(|()| None),
        Command::Completions { shell } => completions(*shell).map(|()| None),
        Command::Sync(command) => crate::sync::sync(command, cli.concurrency, cli.sandbox)
            .await
            .map(|()| None),
        Command::Webhooks(command) => crate::sync::webhooks(command).await.map(|()| None),
    }
}

fn date(flag: &str, text: &str) -> Result<Date, Failure> {
    IsoDate::parse(text)
        .map_err(|_| Failure::input(format!("{flag} {text:?} is not a date as YYYY-MM-DD")))
}

fn range(r: &Range) -> Result<DateRange, Failure> {
    let range = DateRange::new(date("--from", &r.from)?, date("--to", &r.to)?);
    range.map_err(|e| Failure::input(e.message().to_owned()))
}

fn id(flag: &str, text: &str) -> Result<i64, Failure> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| Failure::input(format!("{flag} {text:?} is not a number")))?;
    if value < 0 {
        return Err(Failure::input(format!(
            "{flag} {text:?} must not be negative"
        )));
    }
    Ok(value)
}

fn opt_id(flag: &str, text: &Option<String>) -> Result<Option<i64>, Failure> {
    text.as_deref().map(|t| id(flag, t)).transpose()
}

fn progress(total: u64) -> ProgressBar {
    if total <= 1 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} requests {elapsed}") {
        bar.set_style(style);
    }
    bar
}

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

async fn aloha(cli: &Cli, command: &AlohaCommand, printer: &Printer) -> Result<(), Failure> {
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
        AlohaCommand::Probe(args) => return crate::probe::aloha(cli, args).await,
    };
    // The records are typed: `--fields` is checked against their documented fields before
    // anything is sent.
    known_fields(
        cli,
        match job {
            AlohaJob::Clients => models::Client::FIELDS,
            AlohaJob::Report(AlohaReport::Appointments, ..) => models::Appointment::FIELDS,
            AlohaJob::Report(AlohaReport::ClientAuthorizations, ..) => {
                models::ClientAuthorization::FIELDS
            }
            AlohaJob::Report(AlohaReport::BillingLedger, ..) => models::BillingLedgerEntry::FIELDS,
            AlohaJob::Report(AlohaReport::AuthorizationsWithoutAppointments, ..) => {
                models::AuthorizationWithoutAppointments::FIELDS
            }
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
    let client = builder.stream_limits(limits).build()?;
    let mut out = printer.records();
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

/// The records of one request, exactly as sent, and the fields that deviated from their
/// documented type: `(row in this request, field, what was expected)`.
struct Fetched {
    rows: Vec<Box<serde_json::value::RawValue>>,
    deviations: Vec<(usize, &'static str, &'static str)>,
}

fn typed_records<T: serde::Serialize + Deviating>(rows: Vec<T>) -> Result<Fetched, Failure> {
    let deviations = rows
        .iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.deviations()
                .iter()
                .map(move |d| (i, d.field(), d.expected()))
        })
        .collect();
    Ok(Fetched {
        rows: records(&rows).map_err(encode)?,
        deviations,
    })
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

/// The one record of a single-record command, with its warnings.
fn single(fetched: Fetched) -> Result<Output, Failure> {
    warn_deviations(0, &fetched.deviations);
    let record = fetched.rows.into_iter().next();
    record
        .map(Output::One)
        .ok_or_else(|| Failure::local("the answer held no record"))
}

/// Warns on stderr of every field printed as sent because it did not match its documented
/// type: the record (counted from 1 in the output) and the field, never the value.
fn warn_deviations(offset: usize, deviations: &[(usize, &'static str, &'static str)]) {
    for (row, field, expected) in deviations {
        eprintln!(
            "practice: warning: record {}: field `{field}` is not {expected}; printed as sent",
            offset + row + 1
        );
    }
}

/// `--fields` against the documented fields of typed records, before anything is sent.
fn known_fields(cli: &Cli, known: &[&str]) -> Result<(), Failure> {
    let Some(fields) = &cli.fields else {
        return Ok(());
    };
    let unknown: Vec<String> = fields
        .iter()
        .map(|f| f.trim())
        .filter(|f| !known.contains(f))
        .map(|f| format!("{:?}", crate::terminal::escape(f)))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(Failure::input(format!(
        "--fields: no field named {} in these records; they have: {}",
        unknown.join(", "),
        known.join(", ")
    )))
}

fn encode(err: serde_json::Error) -> Failure {
    Failure::local(format!("could not encode a record: {err}"))
}

/// Input of an Aerona command, parsed.
enum AeronaJob {
    Patients(Vec<i64>),
    Payment(i64),
    Payments(Option<i64>, DateRange, Option<u32>),
    Invoice(i64),
    Invoices(Option<i64>, DateRange, Option<u32>),
    Clinicians(aerona_api::operations::ListCliniciansRequest),
    AppointmentTypes(aerona_api::operations::ListAppointmentTypesRequest),
    Slots(aerona_api::operations::FindAppointmentSlotsRequest),
    Create(aerona_api::operations::CreateAppointmentRequest),
    SetStatus(i64, aerona_api::models::AppointmentStatus),
}

fn search_range(search: &Search) -> Result<DateRange, Failure> {
    let today = OffsetDateTime::now_utc().date();
    let first_of_month = today
        .replace_day(1)
        .map_err(|e| Failure::local(e.to_string()))?;
    let from = search
        .from
        .as_deref()
        .map(|t| date("--from", t))
        .transpose()?;
    let to = search.to.as_deref().map(|t| date("--to", t)).transpose()?;
    if from.is_none() || to.is_none() {
        eprintln!(
            "practice: no {} given; using {} as the vendor does",
            match (from, to) {
                (None, None) => "--from/--to",
                (None, Some(_)) => "--from",
                _ => "--to",
            },
            match (from, to) {
                (None, None) => "the current month so far",
                (None, Some(_)) => "the first of the current month",
                _ => "today",
            }
        );
    }
    DateRange::new(from.unwrap_or(first_of_month), to.unwrap_or(today))
        .map_err(|e| Failure::input(e.message().to_owned()))
}

fn status(text: &str) -> Result<aerona_api::models::AppointmentStatus, Failure> {
    let code = id("STATUS", text)?;
    let status = aerona_api::models::AppointmentStatus::from_code(code);
    if matches!(status, aerona_api::models::AppointmentStatus::Unknown(_)) {
        return Err(Failure::input(format!(
            "status {text:?} is not an appointment status (1-14, 16)"
        )));
    }
    Ok(status)
}

fn parse_aerona(command: &AeronaCommand) -> Result<AeronaJob, Failure> {
    use aerona_api::operations::*;
    Ok(match command {
        AeronaCommand::Patient { ids } => {
            AeronaJob::Patients(ids.iter().map(|t| id("ID", t)).collect::<Result<_, _>>()?)
        }
        AeronaCommand::Payment { id: text } => AeronaJob::Payment(id("ID", text)?),
        AeronaCommand::Probe(_) => {
            return Err(Failure::local(
                "`aerona probe` is run by the probe module, not as an operation",
            ));
        }
        AeronaCommand::Payments(s) => AeronaJob::Payments(
            opt_id("--patient", &s.patient)?,
            search_range(s)?,
            chunk_days(s)?,
        ),
        AeronaCommand::Invoice { id: text } => AeronaJob::Invoice(id("ID", text)?),
        AeronaCommand::Invoices(s) => AeronaJob::Invoices(
            opt_id("--patient", &s.patient)?,
            search_range(s)?,
            chunk_days(s)?,
        ),
        AeronaCommand::Clinicians {
            practice,
            appointment_type,
        } => {
            let mut b = ListCliniciansRequest::builder();
            if let Some(p) = opt_id("--practice", practice)? {
                b = b.practice_id(p);
            }
            if let Some(t) = opt_id("--appointment-type", appointment_type)? {
                b = b.appointment_type_id(t);
            }
            AeronaJob::Clinicians(b.build()?)
        }
        AeronaCommand::AppointmentTypes {
            practice,
            clinician_type,
            include_disabled,
            onsite_only,
            remote_only,
        } => {
            let mut b = ListAppointmentTypesRequest::builder()
                .include_disabled(*include_disabled)
                .onsite_only(*onsite_only)
                .remote_only(*remote_only);
            if let Some(p) = opt_id("--practice", practice)? {
                b = b.practice_id(p);
            }
            if let Some(t) = opt_id("--clinician-type", clinician_type)? {
                b = b.clinician_type_id(aerona_api::models::ClinicianType::from_code(t));
            }
            AeronaJob::AppointmentTypes(b.build()?)
        }
        AeronaCommand::Slots {
            appointment_type,
            start,
            time_of_day,
            clinician,
            clinician_type,
            practice,
        } => {
            use aerona_api::models::TimeOfDay as Tod;
            let mut b = FindAppointmentSlotsRequest::builder()
                .appointment_type_id(id("--appointment-type", appointment_type)?)
                .search_start(date("--start", start)?)
                .time_of_day(match time_of_day {
                    TimeOfDay::Any => Tod::Any,
                    TimeOfDay::Morning => Tod::Morning,
                    TimeOfDay::Afternoon => Tod::Afternoon,
                    TimeOfDay::Evening => Tod::Evening,
                });
            if let Some(c) = opt_id("--clinician", clinician)? {
                b = b.clinician_id(c);
            }
            if let Some(t) = opt_id("--clinician-type", clinician_type)? {
                b = b.clinician_type_id(aerona_api::models::ClinicianType::from_code(t));
            }
            if let Some(p) = opt_id("--practice", practice)? {
                b = b.practice_id(p);
            }
            AeronaJob::Slots(b.build()?)
        }
        AeronaCommand::CreateAppointment {
            practice,
            clinician,
            appointment_type,
            status: status_text,
            time,
            duration,
            patient,
            emergency,
            notes,
        } => {
            let at = OffsetDateTime::parse(time, &Rfc3339).map_err(|_| {
                Failure::input(format!(
                    "--time {time:?} is not an RFC 3339 timestamp such as 2024-01-19T13:30:00Z"
                ))
            })?;
            let mut b = CreateAppointmentRequest::builder()
                .practice_id(id("--practice", practice)?)
                .user_id(id("--clinician", clinician)?)
                .appointment_type_id(id("--appointment-type", appointment_type)?)
                .appointment_status_id(status(status_text)?)
                .appointment_time(at)
                .duration(id("--duration", duration)?)
                .patient_id(id("--patient", patient)?)
                .emergency(*emergency);
            if let Some(n) = notes {
                b = b.appointment_notes(n.clone());
            }
            AeronaJob::Create(b.build()?)
        }
        AeronaCommand::SetAppointmentStatus {
            appointment_id,
            status: status_text,
        } => {
            let appointment = id("APPOINTMENT_ID", appointment_id)?;
            let status = status(status_text)?;
            // Check the id as the client will, before anything starts.
            UpdateAppointmentStatusRequest::builder()
                .appointment_id(appointment)
                .appointment_status_id(status)
                .build()?;
            AeronaJob::SetStatus(appointment, status)
        }
    })
}

async fn aerona(cli: &Cli, command: &AeronaCommand) -> Result<Output, Failure> {
    let rate_limit = env::aerona_rate_limit()?;
    let job = parse_aerona(command)?;
    // Payments and invoices are typed records: `--fields` is checked against their documented
    // fields before anything is sent. Patients have more fields than documented, and slots,
    // clinicians and appointment types none: those are checked against what arrives.
    match job {
        AeronaJob::Payment(_) | AeronaJob::Payments(..) => {
            known_fields(cli, aerona_api::models::Payment::FIELDS)?
        }
        AeronaJob::Invoice(_) | AeronaJob::Invoices(..) => {
            known_fields(cli, aerona_api::models::Invoice::FIELDS)?
        }
        _ => {}
    }
    let env::Resolved {
        builder,
        sandbox: _sandbox,
    } = env::aerona(cli.sandbox, rate_limit).await?;
    let client = builder.build()?;
    let out = match job {
        AeronaJob::Patients(ids) => {
            let bar = progress(ids.len() as u64);
            let one = ids.len() == 1;
            let patients: Vec<_> = futures_util::stream::iter(ids)
                .map(|patient| {
                    let client = client.clone();
                    let bar = bar.clone();
                    async move {
                        let p = client.patient(patient).await;
                        bar.inc(1);
                        p
                    }
                })
                .buffered(usize::from(cli.concurrency))
                .try_collect()
                .await?;
            bar.finish_and_clear();
            let fetched = typed_records(patients)?;
            if one {
                single(fetched)?
            } else {
                warn_deviations(0, &fetched.deviations);
                Output::Many(fetched.rows)
            }
        }
        AeronaJob::Payment(pid) => single(typed_records(vec![client.payment(pid).await?])?)?,
        AeronaJob::Invoice(iid) => single(typed_records(vec![client.invoice(iid).await?])?)?,
        AeronaJob::Payments(patient, range, chunks) => {
            let rows = match chunks {
                None => client.search_payments(patient, range).await?,
                Some(days) => {
                    client
                        .stream_payments(patient, range, days)
                        .try_collect()
                        .await?
                }
            };
            let fetched = typed_records(once_each(rows, |p| p.id))?;
            warn_deviations(0, &fetched.deviations);
            Output::Many(fetched.rows)
        }
        AeronaJob::Invoices(patient, range, chunks) => {
            let rows = match chunks {
                None => client.search_invoices(patient, range).await?,
                Some(days) => {
                    client
                        .stream_invoices(patient, range, days)
                        .try_collect()
                        .await?
                }
            };
            let fetched = typed_records(once_each(rows, |i| i.id))?;
            warn_deviations(0, &fetched.deviations);
            Output::Many(fetched.rows)
        }
        AeronaJob::Clinicians(request) => {
            Output::Many(records(&client.clinicians(&request).await?).map_err(encode)?)
        }
        AeronaJob::AppointmentTypes(request) => {
            Output::Many(records(&client.appointment_types(&request).await?).map_err(encode)?)
        }
        AeronaJob::Slots(request) => {
            Output::Many(records(&client.find_appointment_slots(&request).await?).map_err(encode)?)
        }
        AeronaJob::Create(request) => {
            let new_id = client.create_appointment(&request).await?;
            Output::One(record(&serde_json::json!({ "appointmentId": new_id })).map_err(encode)?)
        }
        AeronaJob::SetStatus(appointment, status) => {
            let updated = client
                .update_appointment_status(appointment, status)
                .await?;
            Output::One(record(&serde_json::json!({ "updated": updated })).map_err(encode)?)
        }
    };
    if cli.verbose > 0 {
        eprintln!("{}", budget::line("aerona", client.budget().await));
    }
    Ok(out)
}

/// `--chunk-days N`: a whole number of days, at least 1.
fn chunk_days(search: &Search) -> Result<Option<u32>, Failure> {
    let Some(text) = search.chunk_days.as_deref() else {
        return Ok(None);
    };
    match text.trim().parse::<u32>() {
        Ok(days) if days > 0 => Ok(Some(days)),
        _ => Err(Failure::input(format!(
            "--chunk-days {text:?} is not a whole number of days of at least 1"
        ))),
    }
}

/// `rows` with every id after its first showing left out: chunks that meet at a boundary
/// may both return a record. Records without an id are all kept.
fn once_each<T>(rows: Vec<T>, id: impl Fn(&T) -> Option<i64>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .filter(|row| id(row).is_none_or(|id| seen.insert(id)))
        .collect()
}

/// Writes `text` to stdout; a reader that has gone away (`| head`) is not a failure.
fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::local(format!("could not write the output: {err}")))
        }
        _ => Ok(()),
    }
}

fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    use clap::CommandFactory;
    // Generated into memory first: clap_complete panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "practice", &mut script);
    print(&String::from_utf8_lossy(&script))
}

/// `text` quoted for a POSIX shell: inside single quotes, where only `'` needs care.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The `export` lines that point the CLI, or any program reading the same variables, at
/// `sandbox`.
fn sandbox_env(sandbox: &Sandbox) -> String {
    let creds = sandbox.credentials();
    [
        ("ALOHA_BASE_URL", sandbox.aloha_base_url()),
        ("ALOHA_CLIENT_ID", creds.aloha_client_id.clone()),
        ("ALOHA_SECRET_KEY", creds.aloha_secret_key.clone()),
        ("AERONA_BASE_URL", sandbox.aerona_base_url()),
        ("AERONA_USERNAME", creds.aerona_username.clone()),
        ("AERONA_PASSWORD", creds.aerona_password.clone()),
        ("AERONA_PIN", creds.aerona_pin.clone()),
    ]
    .iter()
    .map(|(name, value)| format!("export {name}={}\n", shell_quoted(value)))
    .collect()
}

async fn serve_sandbox(port: u16, print_env: bool, variant: bool) -> Result<(), Failure> {
    let config = SandboxConfig {
        port,
        ..SandboxConfig::default()
    }
    .with_variant(variant);
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| Failure::local(format!("could not start the sandbox on port {port}: {e}")))?;
    let creds = sandbox.credentials();
    let text = if print_env {
        sandbox_env(&sandbox)
    } else {
        format!(
            "aloha  {}  ALOHA_CLIENT_ID={} ALOHA_SECRET_KEY={}\naerona {}  AERONA_USERNAME={} AERONA_PASSWORD={}\n",
            sandbox.aloha_base_url(),
            creds.aloha_client_id,
            creds.aloha_secret_key,
            sandbox.aerona_base_url(),
            creds.aerona_username,
            creds.aerona_password
        )
    };
    // Serving goes on whether or not anyone read the lines.
    print(&text)?;
    eprintln!("practice: sandbox running; press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::local(format!("could not wait for Ctrl-C: {e}")))?;
    sandbox.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_returned_by_two_chunks_is_kept_once() {
        let rows = vec![
            (Some(1), "a"),
            (Some(2), "b"),
            (Some(1), "a again"),
            (None, "x"),
            (None, "y"),
        ];
        let kept = once_each(rows, |r| r.0);
        assert_eq!(
            kept,
            [(Some(1), "a"), (Some(2), "b"), (None, "x"), (None, "y")]
        );
    }

    #[test]
    fn shell_quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quoted("plain"), "'plain'");
        assert_eq!(shell_quoted("it's $HOME"), r"'it'\''s $HOME'");
    }
}
