//! Deterministic, clearly fake data. Every record is generated from the seed by serde structs
//! of our own and kept as JSON text, so answers are byte-identical for a seed and money keeps
//! its cents (`125.50`) exactly as a vendor writes it ([`Money`] serializes as a raw number).
//!
//! Dates are anchored, not taken from the clock: Aloha data covers 2024-01-01 to 2025-12-31,
//! Aerona payments and invoices 2024-01-01 to 2026-12-31, seeded Aerona appointments
//! 2026-01-05 onwards.
//!
//! One module per concern: the random stream (`rng`), how values are written (`format`), the
//! fake names, the slot template, and one generator per vendor, broken into named pieces.

mod aerona;
mod aloha;
mod format;
mod names;
mod rng;
mod slots;

use std::sync::{Arc, Mutex};

pub use aerona::{AeronaData, Booking, Clinician, Record, aerona};
pub use aloha::{AlohaData, Dated, aloha};
pub use format::iso_date;
pub use rng::mix;
pub use slots::{SLOT_FIRST, SLOT_MINUTES, SLOTS_PER_DAY, diary_busy, slot_starts};

/// Generated data is immutable: sandboxes started with a seed seen recently share it (tests
/// start many sandboxes with the default seed).
pub fn for_seed(seed: u64) -> (Arc<AlohaData>, Arc<AeronaData>) {
    type Entry = (u64, Arc<AlohaData>, Arc<AeronaData>);
    static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
    const KEEP: usize = 4;
    if let Some((_, a, b)) = CACHE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(s, _, _)| *s == seed)
    {
        return (a.clone(), b.clone());
    }
    let generated = (Arc::new(aloha(seed)), Arc::new(aerona(seed)));
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if !cache.iter().any(|(s, _, _)| *s == seed) {
        if cache.len() == KEEP {
            cache.remove(0);
        }
        cache.push((seed, generated.0.clone(), generated.1.clone()));
    }
    generated
}
#[cfg(test)]
mod tests {
    use super::format::{Money, Opt, clock, money, us_date};
    use super::*;

    /// FNV-1a over every byte fed, with a separator after each field: a digest that is the
    /// same on every platform and Rust version.
    struct Digest(u64);

    impl Digest {
        fn feed(&mut self, field: impl std::fmt::Display) {
            for b in field.to_string().bytes().chain([0xff]) {
                self.0 ^= u64::from(b);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }

    fn aloha_digest(seed: u64) -> u64 {
        let a = aloha(seed);
        let mut d = Digest(0xcbf2_9ce4_8422_2325);
        a.clients.iter().for_each(|c| d.feed(c));
        for rows in [&a.appointments, &a.ledger, &a.authorizations] {
            d.feed(rows.len());
            for r in rows {
                d.feed(r.start);
                d.feed(r.end);
                d.feed(&r.json);
            }
        }
        for (client, start, end, json) in &a.auths_without {
            d.feed(format_args!("{client} {start} {end} {json}"));
        }
        for (client, day) in &a.appointment_days {
            d.feed(format_args!("{client} {day}"));
        }
        d.0
    }

    fn aerona_digest(seed: u64) -> u64 {
        let b = aerona(seed);
        let mut d = Digest(0xcbf2_9ce4_8422_2325);
        for (id, name) in &b.practices {
            d.feed(format_args!("{id} {name}"));
        }
        for c in &b.clinicians {
            d.feed(format_args!(
                "{} {} {} {}",
                c.id, c.practice, c.kind, c.json
            ));
        }
        for t in &b.appointment_types {
            d.feed(format_args!(
                "{} {} {} {} {} {}",
                t.id, t.clinician_type, t.minutes, t.disabled, t.onsite, t.json
            ));
        }
        for (id, json) in &b.patients {
            d.feed(format_args!("{id} {json}"));
        }
        for rows in [&b.payments, &b.invoices] {
            d.feed(rows.len());
            for r in rows {
                d.feed(format_args!("{} {} {} {}", r.id, r.patient, r.date, r.json));
            }
        }
        for (id, booking) in &b.appointments {
            d.feed(format_args!("{id} {booking:?}"));
        }
        let day = time::macros::date!(2026 - 03 - 02);
        for (day, minute) in slot_starts(day, 30) {
            d.feed(diary_busy(seed, 34_560, day, minute));
        }
        d.0
    }

    /// Pins the generated data byte for byte, so that reorganising the generators is proven
    /// not to change a single answer.
    #[test]
    fn generated_data_is_pinned() {
        assert_eq!(
            [aloha_digest(2024), aloha_digest(7)],
            // Changed on purpose (issue 14): claim ids are text (`CLM-900123`) and the client
            // authorizations' dates are `YYYY-MM-DD`, as the public reference documents them.
            [4_186_952_954_275_153_622, 6_468_745_048_040_105_551],
            "Aloha data changed"
        );
        assert_eq!(
            [aerona_digest(2024), aerona_digest(7)],
            [12_251_728_840_934_258_263, 3_386_950_262_119_152_832],
            "Aerona data changed"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(money(12550), "125.50");
        assert_eq!(money(-550), "-5.50");
        assert_eq!(money(0), "0.00");
        assert_eq!(clock(9 * 60), "09:00 AM");
        assert_eq!(clock(12 * 60 + 15), "12:15 PM");
        assert_eq!(clock(17 * 60 + 30), "05:30 PM");
        assert_eq!(us_date(time::macros::date!(2024 - 03 - 07)), "03-07-2024");
        assert_eq!(
            serde_json::to_string(&(Money(12550), Opt::<i64>::Null)).unwrap(),
            "[125.50,null]"
        );
    }

    #[test]
    fn every_generated_record_is_json() {
        let a = aloha(7);
        assert_eq!(a.clients.len(), 300);
        assert!(a.appointments.len() >= 3000);
        for row in a
            .clients
            .iter()
            .chain(a.appointments.iter().map(|d| &d.json))
            .chain(a.ledger.iter().map(|d| &d.json))
            .chain(a.authorizations.iter().map(|d| &d.json))
            .chain(a.auths_without.iter().map(|d| &d.3))
        {
            assert!(
                serde_json::from_str::<serde_json::Value>(row)
                    .unwrap()
                    .is_object()
            );
        }
        let b = aerona(7);
        for row in b
            .patients
            .values()
            .chain(b.payments.iter().map(|p| &p.json))
            .chain(b.invoices.iter().map(|p| &p.json))
            .chain(b.clinicians.iter().map(|p| &p.json))
            .chain(b.appointment_types.iter().map(|p| &p.json))
        {
            assert!(
                serde_json::from_str::<serde_json::Value>(row)
                    .unwrap()
                    .is_object()
            );
        }
        assert_eq!(
            aloha(7).appointments[10].json,
            a.appointments[10].json,
            "deterministic"
        );
        assert_ne!(aloha(8).appointments[10].json, a.appointments[10].json);
    }
}
