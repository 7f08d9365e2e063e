//! The sandbox's state: its configuration, the generated data (shared, immutable) and what
//! changes while it runs (tokens, budgets, appointments), behind one lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::aerona_budget::{AeronaTraffic, Budget};
use crate::config::{Credentials, SandboxConfig};
use crate::data::{self, AeronaData, AlohaData, Booking};
use crate::delay::ArrivalDelay;
use crate::faults::Faults;
use crate::webhooks::Webhooks;

pub(crate) struct State {
    pub(crate) config: SandboxConfig,
    pub(crate) creds: Credentials,
    pub(crate) faults: Faults,
    pub(crate) stats: Mutex<BTreeMap<String, u64>>,
    pub(crate) webhooks: Webhooks,
    pub(crate) aloha: Arc<AlohaData>,
    pub(crate) aerona: Arc<AeronaData>,
    /// The one-way delay before a vendor request arrives.
    pub(crate) arrival_delay: ArrivalDelay,
    /// When the sandbox started: the origin of the admin API's arrival times.
    pub(crate) started: Instant,
    live: Mutex<Live>,
}

/// What changes while the sandbox runs.
pub(crate) struct Live {
    pub(crate) serial: u64,
    /// access token → expiry
    pub(crate) aloha_tokens: HashMap<String, Instant>,
    /// refresh token → the access token it was issued with
    pub(crate) aloha_refresh: HashMap<String, String>,
    /// (UTC day number, requests that day)
    pub(crate) aloha_day: (u64, u32),
    /// token → expiry
    pub(crate) aerona_tokens: HashMap<String, Instant>,
    /// Aerona's budget: requests counted on arrival, and what tests read of it.
    pub(crate) aerona_budget: Budget,
    /// Every appointment, seeded or created, by id.
    pub(crate) appointments: BTreeMap<i64, Booking>,
    pub(crate) next_appointment: i64,
}

impl State {
    pub(crate) fn new(
        config: SandboxConfig,
        creds: Credentials,
        faults: Faults,
        closed: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let (aloha, aerona) = data::for_seed(config.seed);
        let live = Live {
            serial: 0,
            aloha_tokens: HashMap::new(),
            aloha_refresh: HashMap::new(),
            aloha_day: (0, 0),
            aerona_tokens: HashMap::new(),
            aerona_budget: Budget::new(config.aerona_limit, config.aerona_window),
            appointments: aerona.appointments.clone(),
            next_appointment: 40_000,
        };
        let webhooks = Webhooks::new(config.webhook_hour, closed);
        let arrival_delay = ArrivalDelay::new(config.arrival_delay.clone(), config.seed);
        State {
            config,
            creds,
            faults,
            stats: Mutex::new(BTreeMap::new()),
            webhooks,
            aloha,
            aerona,
            arrival_delay,
            started: Instant::now(),
            live: Mutex::new(live),
        }
    }

    pub(crate) fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one request for `operation` in the stats.
    pub(crate) fn count(&self, operation: &str) {
        *self
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(operation.to_owned())
            .or_default() += 1;
    }

    /// What Aerona's budget has seen so far.
    pub(crate) fn aerona_traffic(&self) -> AeronaTraffic {
        self.live().aerona_budget.traffic()
    }

    pub(crate) fn stats(&self) -> BTreeMap<String, u64> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
