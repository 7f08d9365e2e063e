//! Fault injection: what can go wrong with one answer, and the queue of pending faults.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

/// A fault to inject into one answer. Over HTTP (`POST /_sandbox/faults`) it is written with a
/// `kind` tag, e.g. `{"kind":"status","status":500}`, `{"kind":"unavailable","retry_after":30}`,
/// `{"kind":"delay","millis":2500}`, `{"kind":"drop"}`, `{"kind":"truncate"}`,
/// `{"kind":"html"}`, `{"kind":"redirect"}`.
///
/// Faults stand in for the network and the vendor's infrastructure: a faulted request is
/// counted in the stats but not by the vendors' budgets, and is not applied (except
/// [`Fault::Delay`] and [`Fault::Truncate`], which answer the real request).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status (500, 401, …) and a short JSON error body in the vendor's
    /// shape.
    Status {
        /// The status.
        status: u16,
    },
    /// 503 with `Retry-After: seconds`.
    Unavailable {
        /// The `Retry-After` value, in seconds.
        retry_after: u64,
    },
    /// Wait, then answer normally.
    Delay {
        /// How long, in milliseconds.
        millis: u64,
    },
    /// Close the connection without answering: not a byte of status line or headers.
    Drop,
    /// Answer normally, but send only the first half of the body — `Content-Length` still
    /// announces the whole — and close the connection.
    Truncate,
    /// Answer 200 with an HTML page (`text/html`) instead of JSON.
    Html,
    /// Answer 301 with `Location` the same URL on https.
    Redirect,
}

/// Injects faults into the next answers of a route. Cloning gives another handle on the same
/// queue.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    queue: Arc<Mutex<HashMap<String, Vec<Fault>>>>,
}

impl Faults {
    /// The next `times` answers of `route` get `fault`, after any faults already queued for
    /// it. A route is an operation name (`aloha.listAppointments`, `aerona.getPatient`,
    /// `aerona.login`, … as in `GET /_sandbox/stats`) or a request path, either whole
    /// (`/aerona/AeronaAPI/v1/patients/426700`) or below the vendor's base
    /// (`/v1/patients/426700`).
    pub fn inject(&self, route: &str, fault: Fault, times: usize) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let entry = queue.entry(route.to_owned()).or_default();
        entry.extend(std::iter::repeat_n(fault, times));
    }

    /// Faults still queued for `route`.
    pub fn pending(&self, route: &str) -> usize {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(route)
            .map_or(0, Vec::len)
    }

    /// Removes every pending fault.
    pub fn clear(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The next fault for the first of `routes` that has one.
    pub(crate) fn take(&self, routes: &[&str]) -> Option<Fault> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        for route in routes {
            if let Some(entry) = queue.get_mut(*route)
                && !entry.is_empty()
            {
                return Some(entry.remove(0));
            }
        }
        None
    }
}
