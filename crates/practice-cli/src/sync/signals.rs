//! Ctrl-C and SIGTERM during a sync: the first asks the run to stop taking windows (those
//! in flight are finished and saved, this process's leases released, the database closed);
//! a second ends the process at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::exit::Exit;

/// Which signal asked the run to stop, once one has.
#[derive(Clone, Default)]
pub struct Stop {
    /// Set by the first signal; the run reads it before each window.
    pub flag: Arc<AtomicBool>,
    signal: Arc<AtomicU8>,
}

const SIGINT: u8 = 2;
const SIGTERM: u8 = 15;

impl Stop {
    /// Listens for SIGINT and SIGTERM until the runtime ends.
    pub fn listen() -> std::io::Result<Stop> {
        let stop = Stop::default();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut int = signal(SignalKind::interrupt())?;
            let mut term = signal(SignalKind::terminate())?;
            let listening = stop.clone();
            tokio::spawn(async move {
                loop {
                    let which = tokio::select! {
                        _ = int.recv() => SIGINT,
                        _ = term.recv() => SIGTERM,
                    };
                    if listening.flag.swap(true, Ordering::AcqRel) {
                        // Asked twice: no more waiting. Leases lapse on their own.
                        std::process::exit(i32::from(128 + which));
                    }
                    listening.signal.store(which, Ordering::Release);
                    eprintln!(
                        "practice: stopping after the windows in flight (again to stop at once)"
                    );
                }
            });
        }
        #[cfg(not(unix))]
        {
            let listening = stop.clone();
            tokio::spawn(async move {
                while tokio::signal::ctrl_c().await.is_ok() {
                    if listening.flag.swap(true, Ordering::AcqRel) {
                        std::process::exit(130);
                    }
                    listening.signal.store(SIGINT, Ordering::Release);
                }
            });
        }
        Ok(stop)
    }

    /// The exit status for the signal received: 130 for SIGINT, 143 for SIGTERM.
    pub fn exit(&self) -> Exit {
        match self.signal.load(Ordering::Acquire) {
            SIGTERM => Exit::Terminated,
            _ => Exit::Interrupted,
        }
    }
}
