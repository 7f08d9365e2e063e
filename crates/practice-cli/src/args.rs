//! The command line. Scripts depend on it: change it only with care.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

/// What `--help` adds after the options: every variable read, the exit codes, and what
/// `csv` does to formula-like cells.
const AFTER_HELP: &str = "\
Environment:
  ALOHA_CLIENT_ID, ALOHA_SECRET_KEY   Aloha credentials
  ALOHA_BASE_URL                      Aloha API base URL (default: the real API)
  ALOHA_TOKEN_PATH                    Aloha token path under the base (default: /token)
  AERONA_USERNAME, AERONA_PASSWORD    Aerona credentials
  AERONA_PIN                          Aerona PIN (optional)
  AERONA_BASE_URL                     Aerona API base URL (default: the real API)
  AERONA_LOGIN_PATH                   Aerona login path under the base (default: /v1/login)
  AERONA_LOGIN_ENCODING               json (default) or form: the Aerona login's body
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
  1  probe: an assumption, or a field's type or format, was contradicted
  2  invalid input: nothing was sent
  3  rejected by the vendor
  4  rate limited
  5  server, network or decode failure, an unreachable Redis, or a write whose outcome
     is unknown";

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// The largest answer read by default, in MiB: 1 GiB, about eight times the largest report
/// a practice makes (100,000 appointments are 129 MiB), so that a server that never ends
/// its answer is stopped long before it fills a disk. `--max-answer-mib` raises it.
pub const DEFAULT_MAX_ANSWER_MIB: u64 = 1024;

/// Aloha and Aerona from the command line. Credentials come from the environment; without
/// them (or with --sandbox) the built-in sandbox is started in-process.
#[derive(Debug, Parser)]
#[command(name = "practice", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Output format: json, ndjson, csv or table (default: table on a terminal, json
    /// otherwise; table when --fields or --wide is given).
    #[arg(long, global = true, value_enum, help_heading = GLOBAL)]
    pub format: Option<Format>,
    /// Columns for csv and table, in this order (e.g. --fields clientId,firstName), or
    /// `all` for every field.
    #[arg(long, global = true, value_delimiter = ',', value_name = "A,B,C", help_heading = GLOBAL)]
    pub fields: Option<Vec<String>>,
    /// Every field in csv and table (the same as --fields all).
    #[arg(long, global = true, conflicts_with = "fields", help_heading = GLOBAL)]
    pub wide: bool,
    /// CSV cells exactly as received: no ' before formula-like text.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub csv_raw: bool,
    /// Requests in flight for commands that make several (default 4).
    #[arg(long, global = true, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64), help_heading = GLOBAL)]
    pub concurrency: u16,
    /// Stop reading one answer past this many MiB (reports are read as they arrive, so this
    /// bounds time and output, not memory).
    #[arg(long, global = true, default_value_t = DEFAULT_MAX_ANSWER_MIB, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=1_048_576), help_heading = GLOBAL)]
    pub max_answer_mib: u64,
    /// Use the built-in sandbox even when credentials are set.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub sandbox: bool,
    /// More logging on stderr (repeatable; warnings are always shown).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The Aloha Customer API.
    #[command(
        subcommand,
        after_help = "Example:\n  practice aloha appointments --from 2024-03-01 --to 2024-03-31"
    )]
    Aloha(AlohaCommand),
    /// The Aerona API.
    #[command(
        subcommand,
        after_help = "Example:\n  practice aerona payments --from 2024-03-01 --to 2024-03-31"
    )]
    Aerona(AeronaCommand),
    /// Serve both simulators until interrupted, and print their base URLs.
    #[command(after_help = "Example:\n  practice sandbox --port 8700 --print-env > sandbox.env")]
    Sandbox {
        /// Port to listen on (default: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Print `export` lines that point the CLI (or any program) at this sandbox.
        #[arg(long)]
        print_env: bool,
        /// Serve the variant whose truth differs from our assumptions (token at /v1/token,
        /// a form login, a quoted number and an unknown field), to try `probe` on.
        #[arg(long)]
        variant: bool,
        /// Seed of the generated data: another seed serves other records under the same
        /// ids, as a second practice would (for trying `sync --accounts`).
        #[arg(long, default_value_t = practice_sandbox::SandboxConfig::default().seed)]
        seed: u64,
    },
    /// Mirror a vendor's records into SQLite or PostgreSQL (resumable, budget-aware).
    #[command(
        after_help = "Examples:\n  practice sync aloha --db sqlite://mirror.db --from 2024-01-01\n  practice sync --accounts fleet.toml --db postgres://localhost/mirror"
    )]
    Sync(crate::sync::SyncCli),
    /// Aerona webhooks.
    #[command(
        subcommand,
        after_help = "Example:\n  PRACTICE_WEBHOOK_SECRET=s3cret practice webhooks serve --db sqlite://mirror.db"
    )]
    Webhooks(crate::sync::WebhooksCommand),
    /// Print a shell completion script (e.g. `practice completions bash > practice.bash`).
    #[command(
        after_help = "Example:\n  practice completions bash > ~/.local/share/bash-completion/completions/practice"
    )]
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
    #[command(
        after_help = "Example:\n  practice aloha clients --fields clientId,firstName,lastName"
    )]
    Clients,
    /// Appointments between two dates.
    #[command(
        after_help = "Example:\n  practice aloha appointments --from 2024-03-01 --to 2024-03-31 --format table"
    )]
    Appointments(Range),
    /// Client authorizations between two dates.
    #[command(
        after_help = "Example:\n  practice aloha client-authorizations --from 2024-01-01 --to 2024-03-31"
    )]
    ClientAuthorizations(Range),
    /// The billing ledger between two dates.
    #[command(
        after_help = "Example:\n  practice aloha billing-ledger --from 2024-03-01 --to 2024-03-31 --format csv > ledger.csv"
    )]
    BillingLedger(Range),
    /// Authorizations without appointments between two dates.
    #[command(
        after_help = "Example:\n  practice aloha authorizations-without-appointments --from 2024-03-01 --to 2024-03-31"
    )]
    AuthorizationsWithoutAppointments(Range),
    /// First contact: test our assumptions with at most 12 read-only requests (no record
    /// values in the report).
    Probe(crate::probe::ProbeArgs),
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
    #[command(after_help = "Example:\n  practice aerona patient 1001 1002")]
    Patient {
        /// Patient ids.
        #[arg(required = true, num_args = 1..)]
        ids: Vec<String>,
    },
    /// One payment.
    #[command(after_help = "Example:\n  practice aerona payment 187000")]
    Payment {
        /// Payment id.
        id: String,
    },
    /// Payments (without dates: the current month, as the vendor does).
    #[command(
        after_help = "Example:\n  practice aerona payments --from 2024-03-01 --to 2024-03-31 --format csv"
    )]
    Payments(Search),
    /// One invoice.
    #[command(after_help = "Example:\n  practice aerona invoice 5001")]
    Invoice {
        /// Invoice id.
        id: String,
    },
    /// Invoices (without dates: the current month, as the vendor does).
    #[command(
        after_help = "Example:\n  practice aerona invoices --patient 1001 --from 2024-01-01 --to 2024-03-31"
    )]
    Invoices(Search),
    /// Clinicians.
    #[command(after_help = "Example:\n  practice aerona clinicians --practice 1")]
    Clinicians {
        /// Practice id.
        #[arg(long)]
        practice: Option<String>,
        /// Appointment type id.
        #[arg(long = "appointment-type")]
        appointment_type: Option<String>,
    },
    /// Appointment types.
    #[command(
        after_help = "Example:\n  practice aerona appointment-types --practice 1 --onsite-only"
    )]
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
    #[command(
        after_help = "Example:\n  practice aerona slots --appointment-type 3 --start 2024-03-01 --time-of-day morning"
    )]
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
    #[command(
        after_help = "Example:\n  practice aerona create-appointment --practice 1 --clinician 2 --appointment-type 3 --status 1 --time 2024-03-04T09:00:00Z --duration 30 --patient 1001"
    )]
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
    #[command(after_help = "Example:\n  practice aerona set-appointment-status 4242 9")]
    SetAppointmentStatus {
        /// Appointment id.
        appointment_id: String,
        /// Status id (1-14, 16).
        status: String,
    },
    /// First contact: test our assumptions with at most 20 read-only requests (no record
    /// values in the report).
    Probe(crate::probe::ProbeArgs),
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[test]
    fn the_default_answer_cap_is_one_gib_and_can_be_raised() {
        let cli = Cli::try_parse_from(["practice", "aloha", "clients"]).unwrap();
        assert_eq!(cli.max_answer_mib, 1024);
        assert_eq!(cli.max_answer_mib << 20, 1 << 30);
        let raised =
            Cli::try_parse_from(["practice", "--max-answer-mib", "16384", "aloha", "clients"])
                .unwrap();
        assert_eq!(raised.max_answer_mib, 16384);
    }
}
