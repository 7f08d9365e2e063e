//! `practice sync --every DURATION`: one pass per interval until a signal, each wait
//! jittered so that a fleet started together does not reach the vendors together.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::signals::Stop;

/// The shortest interval: a pass more often than this only spends budget on look-back.
const SHORTEST: Duration = Duration::from_secs(60);
/// The longest interval: a week; longer is a job for a calendar, and keeps the arithmetic small.
const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often a wait looks at the stop flag: a signal ends the service within this.
const STOP_POLL: Duration = Duration::from_millis(100);

/// Parses `--every` ("1h", "15m", "1h 30m"), in words a user can act on when it does not.
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let every = humantime::parse_duration(text.trim()).map_err(|err| {
        format!("--every {text:?} is not a duration ({err}); write it like 1h, 30m or 1h30m")
    })?;
    if every < SHORTEST || every > LONGEST {
        return Err(format!(
            "--every {text:?} is out of range: between 1m and 7days (one pass a week)"
        ));
    }
    Ok(every)
}

/// `every` moved by up to a tenth either way, drawn from `unit` in `[0, 1)`.
pub fn jittered(every: Duration, unit: f64) -> Duration {
    let tenth = every / 10;
    // `unit` in [0, 1) maps to [-tenth, +tenth); both ends stay within [0.9, 1.1] × every,
    // which LONGEST keeps far from any overflow.
    let offset = tenth.mul_f64((unit.clamp(0.0, 1.0) * 2.0 - 1.0).abs());
    if unit < 0.5 {
        every.saturating_sub(offset)
    } else {
        every.saturating_add(offset)
    }
}

/// Sleeps `wait` unless `stop` is raised first. Returns whether the service should go on.
pub async fn sleep_unless_stopped(wait: Duration, stop: &Stop) -> bool {
    let until = tokio::time::Instant::now() + wait;
    loop {
        if stop.flag.load(Ordering::Acquire) {
            return false;
        }
        let now = tokio::time::Instant::now();
        if now >= until {
            return true;
        }
        tokio::time::sleep((until - now).min(STOP_POLL)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_writes_them() {
        assert_eq!(parse_every("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_every("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_every(" 1h 30m "), Ok(Duration::from_secs(5400)));
        let typo = parse_every("1 hour-ish").unwrap_err();
        assert!(typo.contains("write it like 1h"), "{typo}");
        for out in ["10s", "8days", "0s"] {
            let err = parse_every(out).unwrap_err();
            assert!(err.contains("out of range"), "{out}: {err}");
        }
        // An absurd value is an error, not a panic or an overflow.
        assert!(parse_every("99999999999999999999years").is_err());
    }

    #[test]
    fn jitter_stays_within_a_tenth() {
        let every = Duration::from_secs(3600);
        assert_eq!(jittered(every, 0.5), every);
        assert_eq!(jittered(every, 0.0), Duration::from_secs(3240));
        assert!(jittered(every, 0.999_999) <= Duration::from_secs(3960));
        for i in 0..1000 {
            let wait = jittered(every, f64::from(i) / 1000.0);
            assert!(wait >= Duration::from_secs(3240) && wait <= Duration::from_secs(3960));
        }
        assert!(jittered(LONGEST, 0.999) <= LONGEST + LONGEST / 10);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_the_wait_within_a_poll() {
        let stop = Stop::default();
        let raised = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            raised.flag.store(true, Ordering::Release);
        });
        let started = tokio::time::Instant::now();
        assert!(!sleep_unless_stopped(Duration::from_secs(3600), &stop).await);
        let took = started.elapsed();
        assert!(took >= Duration::from_secs(5) && took <= Duration::from_secs(5) + STOP_POLL);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_stop_the_wait_runs_its_length() {
        let stop = Stop::default();
        let started = tokio::time::Instant::now();
        assert!(sleep_unless_stopped(Duration::from_secs(90), &stop).await);
        assert_eq!(started.elapsed(), Duration::from_secs(90));
    }
}
