//! The command line. Scripts depend on it: change it only with care.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

/// What `--help` adds after the options: every variable read, the exit codes, and what
/// `csv` does to formula-like cells.
const AFTER_HELP: &str = "\
Environment:
  ALOHA_CLIENT_ID, ALOHA_SECRET_KEY   Aloha credentials
  ALOHA_BASE_URL                      Aloha API base URL (default: the real API)
  AERONA_USERNAME, AERONA_PASSWORD    Aerona credentials
  AERONA_PIN                          Aerona PIN (optional)
  AERONA_BASE_URL                     Aerona API base URL (default: the real API)
  AERONA_RATE_LIMIT                   Aerona request budget, such as 300/15m
  PRACTICE_REDIS_URL                  share tokens and budgets with other processes through Redis
  PRACTICE_REDIS_ON_FAILURE           fail (default) or local: what to do when Redis is down
  PRACTICE_CA_FILE                    PEM file of CAs to trust besides the system's (a private CA)
  NO_COLOR                            any non-empty value: no colour on stderr

  With none of a vendor's variables set (or with --sandbox) the built-in sandbox is
  started and a one-line notice goes to stderr. With some set, all of that vendor's
  credentials must be: a missing one is invalid input (exit 2), and nothing is sent.

Output:
  json and ndjson carry records exactly as sent. In csv, text that begins with =, +, -,
  @, tab or carriage return is prefixed with ' so that a spreadsheet shows it instead of
  running it as a formula (OWASP); numbers such as -12.50 stay as sent; --csv-raw turns
  this off. table shows control and bidi characters escaped, such as \\u{1b}.

Exit codes:
  0  success (also when the reader of stdout closes early, as `| head` does)
  2  invalid input: nothing was sent
  3  rejected by the vendor
  4  rate limited
  5  server, network or decode failure, an unreachable Redis, or a write whose outcome
     is unknown";

/// Aloha and Aerona from the command line. Credentials come from the environment; without
/// them (or with --sandbox) the built-in sandbox is started in-process.
#[derive(Debug, Parser)]
#[command(name = "practice", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Output format: json, ndjson, csv or table (default: table on a terminal, json otherwise).
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Columns for csv and table, in this order (e.g. --fields clientId,firstName).
    #[arg(long, global = true, value_delimiter = ',', value_name = "A,B,C")]
    pub fields: Option<Vec<String>>,
    /// CSV cells exactly as received: no ' before formula-like text.
    #[arg(long, global = true)]
    pub csv_raw: bool,
    /// Requests in flight for commands that make several (default 4).
    #[arg(long, global = true, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Stop reading one answer past this many MiB (reports are read as they arrive, so this
    /// bounds time and output, not memory).
    #[arg(long, global = true, default_value_t = 16384, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_answer_mib: u64,
    /// Use the built-in sandbox even when credentials are set.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// More logging on stderr (repeatable; warnings are always shown).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The Aloha Customer API.
    #[command(subcommand)]
    Aloha(AlohaCommand),
    /// The Aerona API.
    #[command(subcommand)]
    Aerona(AeronaCommand),
    /// Serve both simulators until interrupted, and print their base URLs.
    Sandbox {
        /// Port to listen on (default: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Print `export` lines that point the CLI (or any program) at this sandbox.
        #[arg(long)]
        print_env: bool,
    },
    /// Mirror a vendor's records into SQLite or PostgreSQL (resumable, budget-aware).
    #[command(subcommand)]
    Sync(crate::sync::SyncCommand),
    /// Aerona webhooks.
    #[command(subcommand)]
    Webhooks(crate::sync::WebhooksCommand),
    /// Print a shell completion script (e.g. `practice completions bash > practice.bash`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// A date range, `YYYY-MM-DD` both ends included.
#[derive(Debug, Args)]
pub struct Range {
    /// First date, YYYY-MM-DD.
    #[arg(long)]
    pub from: String,
    /// Last date, YYYY-MM-DD.
    #[arg(long)]
    pub to: String,
    /// Split the range into requests of at most N days (on month boundaries for monthly
    /// reports; never for authorizations-without-appointments). Default: one request.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_days: Option<u32>,
}

/// Aloha reports.
#[derive(Debug, Subcommand)]
pub enum AlohaCommand {
    /// Every client.
    Clients,
    /// Appointments between two dates.
    Appointments(Range),
    /// Client authorizations between two dates.
    ClientAuthorizations(Range),
    /// The billing ledger between two dates.
    BillingLedger(Range),
    /// Authorizations without appointments between two dates.
    AuthorizationsWithoutAppointments(Range),
}

/// `--time-of-day`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TimeOfDay {
    /// Any time.
    Any,
    /// Before 12pm.
    Morning,
    /// Between 12pm and 5pm.
    Afternoon,
    /// After 5pm.
    Evening,
}

/// Aerona operations.
#[derive(Debug, Subcommand)]
pub enum AeronaCommand {
    /// One or more patients, in the order given.
    Patient {
        /// Patient ids.
        #[arg(required = true, num_args = 1..)]
        ids: Vec<String>,
    },
    /// One payment.
    Payment {
        /// Payment id.
        id: String,
    },
    /// Payments (without dates: the current month, as the vendor does).
    Payments(Search),
    /// One invoice.
    Invoice {
        /// Invoice id.
        id: String,
    },
    /// Invoices (without dates: the current month, as the vendor does).
    Invoices(Search),
    /// Clinicians.
    Clinicians {
        /// Practice id.
        #[arg(long)]
        practice: Option<String>,
        /// Appointment type id.
        #[arg(long = "appointment-type")]
        appointment_type: Option<String>,
    },
    /// Appointment types.
    AppointmentTypes {
        /// Practice id.
        #[arg(long)]
        practice: Option<String>,
        /// Clinician type (1-16).
        #[arg(long = "clinician-type")]
        clinician_type: Option<String>,
        /// Include disabled types.
        #[arg(long)]
        include_disabled: bool,
        /// Onsite types only.
        #[arg(long)]
        onsite_only: bool,
        /// Remote types only.
        #[arg(long)]
        remote_only: bool,
    },
    /// The next free appointment slots (up to 50).
    Slots {
        /// Appointment type id.
        #[arg(long = "appointment-type")]
        appointment_type: String,
        /// First date to search, YYYY-MM-DD.
        #[arg(long)]
        start: String,
        /// Time of day.
        #[arg(long = "time-of-day", value_enum, default_value_t = TimeOfDay::Any)]
        time_of_day: TimeOfDay,
        /// Clinician id (or --clinician-type with --practice).
        #[arg(long)]
        clinician: Option<String>,
        /// Clinician type (1-16), with --practice.
        #[arg(long = "clinician-type")]
        clinician_type: Option<String>,
        /// Practice id (required with --clinician-type).
        #[arg(long)]
        practice: Option<String>,
    },
    /// Book an appointment; prints {"appointmentId": N}.
    CreateAppointment {
        /// Practice id.
        #[arg(long)]
        practice: String,
        /// The patient's preferred clinician id.
        #[arg(long)]
        clinician: String,
        /// Appointment type id.
        #[arg(long = "appointment-type")]
        appointment_type: String,
        /// Appointment status id (1-14, 16).
        #[arg(long)]
        status: String,
        /// Start, RFC 3339 (e.g. 2024-01-19T13:30:00Z).
        #[arg(long)]
        time: String,
        /// Length in minutes.
        #[arg(long)]
        duration: String,
        /// Patient id.
        #[arg(long)]
        patient: String,
        /// Mark as an emergency.
        #[arg(long)]
        emergency: bool,
        /// Notes (not clinical notes).
        #[arg(long)]
        notes: Option<String>,
    },
    /// Set an appointment's status; prints {"updated": true|false}.
    SetAppointmentStatus {
        /// Appointment id.
        appointment_id: String,
        /// Status id (1-14, 16).
        status: String,
    },
}

/// Search filters.
#[derive(Debug, Args)]
pub struct Search {
    /// Patient id.
    #[arg(long)]
    pub patient: Option<String>,
    /// First date, YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD.
    #[arg(long)]
    pub to: Option<String>,
    /// Split the range into requests of N days each (default: one request for the whole
    /// range, as each request costs Aerona budget). A record is printed once even if the
    /// vendor returns it for two chunks.
    #[arg(long, value_name = "N")]
    pub chunk_days: Option<String>,
}
