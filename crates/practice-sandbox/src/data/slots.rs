//! The slot template both the seeded diary and `find-appointment-slots` follow.

use time::{Date, Duration, Weekday};

use super::rng::mix;

/// The slot template: working days (Monday to Friday), 30-minute slots from 08:30, the last
/// starting at 18:00.
pub const SLOT_FIRST: i64 = 8 * 60 + 30;
/// Length of a slot in minutes.
pub const SLOT_MINUTES: i64 = 30;
/// Slots per working day.
pub const SLOTS_PER_DAY: i64 = 20;

/// The template's slot starts from `start`, `days` days on, in minutes after midnight.
pub fn slot_starts(start: Date, days: i64) -> impl Iterator<Item = (Date, i64)> {
    (0..days)
        .map(move |d| start + Duration::days(d))
        .filter(|d| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
        .flat_map(|d| (0..SLOTS_PER_DAY).map(move |k| (d, SLOT_FIRST + SLOT_MINUTES * k)))
}

/// Whether the template marks a slot as taken by the practice's own diary (about one in
/// five), deterministically for a seed and independent of the clock.
pub fn diary_busy(seed: u64, clinician: i64, day: Date, minute: i64) -> bool {
    let key = seed
        ^ (clinician as u64).wrapping_mul(0x1000_0001)
        ^ (i64::from(day.to_julian_day()) as u64).wrapping_mul(0x9E37_79B9)
        ^ (minute as u64).wrapping_mul(0x85EB_CA6B);
    mix(key).is_multiple_of(5)
}
