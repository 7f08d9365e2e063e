//! What a sandbox is started with and what it tells its callers: the configuration (the
//! vendors' values by default), the fixed credentials, and the URLs to point clients at.

use std::ops::Range;
use std::time::Duration;

/// How the sandbox behaves. Start from [`SandboxConfig::default`] (the vendors' values) and
/// change what a test needs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Seed of the generated data: the same seed serves the same bytes.
    pub seed: u64,
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Aloha token lifetime (vendor: 3 hours).
    pub aloha_token_ttl: Duration,
    /// Aerona token lifetime (vendor: 1 hour).
    pub aerona_token_ttl: Duration,
    /// Aloha requests per key per UTC day (vendor: 1,000).
    pub aloha_daily_limit: u32,
    /// Aerona requests per account per window (vendor: 300).
    pub aerona_limit: u32,
    /// Aerona's sliding window (vendor: 15 minutes).
    pub aerona_window: Duration,
    /// The webhook time scale: how long "one hour" between redeliveries lasts here (vendor:
    /// an hour; tests compress it to milliseconds).
    pub webhook_hour: Duration,
    /// A one-way network delay between clients and the vendors, for tests of client-side
    /// budget accounting: every Aloha and Aerona request waits a time drawn evenly from this
    /// range (`start` included, `end` not; exactly `start` if the range is empty) before it
    /// arrives — so before Aerona counts it. Draws are deterministic for [`seed`](Self::seed).
    /// Default: none (`ZERO..ZERO`).
    pub arrival_delay: Range<Duration>,
    /// Serve a truth that differs from the project's assumptions (see the crate docs): the
    /// Aloha token at `/v1/token`, an Aerona login that wants a form body, a string where
    /// the spec has a number and a field it lacks in Aloha clients and Aerona patients.
    /// Default: false, the faithful sandbox.
    pub variant: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 2024,
            port: 0,
            aloha_token_ttl: Duration::from_secs(3 * 3600),
            aerona_token_ttl: Duration::from_secs(3600),
            aloha_daily_limit: 1000,
            aerona_limit: 300,
            aerona_window: Duration::from_secs(15 * 60),
            webhook_hour: Duration::from_secs(3600),
            arrival_delay: Duration::ZERO..Duration::ZERO,
            variant: false,
        }
    }
}

impl SandboxConfig {
    /// Aerona's budget: `limit` requests per sliding `window` (vendor: 300 per 15 minutes).
    pub fn with_aerona_budget(mut self, limit: u32, window: Duration) -> Self {
        self.aerona_limit = limit;
        self.aerona_window = window;
        self
    }

    /// The variant sandbox (see [`variant`](Self::variant)).
    pub fn with_variant(mut self, variant: bool) -> Self {
        self.variant = variant;
        self
    }

    /// Delays every vendor request's arrival by a time drawn from `range` (see
    /// [`arrival_delay`](Self::arrival_delay)), e.g. `Duration::ZERO..Duration::from_millis(250)`.
    pub fn with_arrival_delay(mut self, range: Range<Duration>) -> Self {
        self.arrival_delay = range;
        self
    }
}

/// The sandbox's fixed credentials: Aloha `sandbox-client` / `sandbox-secret`, Aerona
/// `sandbox-user` / `sandbox-password`, PIN `1234` (the PIN is optional at login; when given
/// it must match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Aloha client id.
    pub aloha_client_id: String,
    /// Aloha secret key.
    pub aloha_secret_key: String,
    /// Aerona username.
    pub aerona_username: String,
    /// Aerona password.
    pub aerona_password: String,
    /// Aerona PIN.
    pub aerona_pin: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            aloha_client_id: "sandbox-client".into(),
            aloha_secret_key: "sandbox-secret".into(),
            aerona_username: "sandbox-user".into(),
            aerona_password: "sandbox-password".into(),
            aerona_pin: "1234".into(),
        }
    }
}

/// What a caller needs to point clients at a running sandbox (the CLI prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxInfo {
    /// Aloha's base URL.
    pub aloha_base_url: String,
    /// Aerona's base URL.
    pub aerona_base_url: String,
    /// The admin API's base URL (`…/_sandbox`).
    pub admin_url: String,
    /// The credentials it accepts.
    pub credentials: Credentials,
}
