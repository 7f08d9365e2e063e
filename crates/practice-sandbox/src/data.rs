//! Deterministic, clearly fake data. Every record is generated from the seed and kept as JSON
//! text, so money keeps its cents (`125.50`) exactly as a vendor would write it.
//!
//! Dates are anchored, not taken from the clock: Aloha data covers 2024-01-01 to 2025-12-31,
//! Aerona payments and invoices 2024-01-01 to 2026-12-31, so the same seed always serves the
//! same bytes.

use time::{Date, Duration, Month, Weekday};

/// A small, well-known generator (SplitMix64): deterministic and dependency-free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: [&str; 12] = [
    "Test", "Sample", "Demo", "Mock", "Fake", "Trial", "Dummy", "Proto", "Alpha", "Beta", "Gamma",
    "Delta",
];
const LAST: [&str; 8] = [
    "Sandbox",
    "Example",
    "Placeholder",
    "Fixture",
    "Testcase",
    "Stub",
    "Specimen",
    "Model",
];
const OFFICES: [&str; 3] = ["Sandbox North", "Sandbox South", "Sandbox Remote"];
const SERVICES: [(&str, &str, i64); 4] = [
    ("Direct Therapy", "97153", 2510),
    ("Supervision", "97155", 3250),
    ("Assessment", "97151", 4000),
    ("Parent Training", "97156", 2875),
];
const PAYERS: [&str; 3] = ["Sandbox Health", "Example Insurance", "Test Medicaid"];

/// `mm-dd-yyyy`.
pub fn us_date(d: Date) -> String {
    format!("{:02}-{:02}-{}", d.month() as u8, d.day(), d.year())
}

/// `YYYY-MM-DD`.
pub fn iso_date(d: Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// `hh:mm AM`.
pub fn clock(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let (h12, tt) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{h12:02}:{m:02} {tt}")
}

/// Cents as a JSON number with two decimals, e.g. `125.50`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// One row with the date it is filtered on.
pub struct Dated {
    pub date: Date,
    pub json: String,
}

/// (client, year, month).
type MonthKey = (i64, i32, u8);
/// (scheduled, completed, scheduled minutes, completed minutes).
type MonthTotals = (i64, i64, i64, i64);

/// Everything Aloha serves.
pub struct AlohaData {
    pub clients: Vec<String>,
    pub appointments: Vec<Dated>,
    pub ledger: Vec<Dated>,
    pub authorizations: Vec<Dated>,
    /// Authorizations with their client and period; served when no appointment of that client
    /// falls in the requested range.
    pub auths_without: Vec<(i64, Date, Date, String)>,
    /// (client, date) of every appointment, for the report above.
    pub appointment_days: Vec<(i64, Date)>,
}

pub const ALOHA_FIRST_DAY: Date = time::macros::date!(2024 - 01 - 01);
pub const ALOHA_LAST_DAY: Date = time::macros::date!(2025 - 12 - 31);

pub fn aloha(seed: u64) -> AlohaData {
    let mut rng = Rng::new(seed ^ 0xA10A);
    let client_count = 300;
    let mut clients = Vec::new();
    let mut names = Vec::new();
    for i in 0..client_count {
        let id = 1000 + i;
        let first = rng.pick(&FIRST);
        let last = rng.pick(&LAST);
        let office_id = rng.below(3) as i64 + 1;
        let active = rng.below(10) != 0;
        let inactive = if active {
            "null".to_owned()
        } else {
            json_str("2025-06-30")
        };
        // Some rows leave optional fields out, and a few carry a field the docs do not name.
        let alias = if i % 7 == 0 {
            String::new()
        } else {
            format!(
                ",\"aliasName\":{}",
                json_str(&format!("{first} {}", &last[..1]))
            )
        };
        let extra = if i % 50 == 0 {
            ",\"sandboxNote\":\"undocumented field\""
        } else {
            ""
        };
        clients.push(format!(
            "{{\"clientId\":{id},\"firstName\":{},\"lastName\":{}{alias},\"imageUrl\":null,\"officeId\":{office_id},\"office\":{},\"isActive\":{active},\"street\":\"{} Test Street\",\"city\":\"Testville\",\"state\":\"TS\",\"zip\":\"{:05}\",\"inActiveDate\":{inactive}{extra}}}",
            json_str(first),
            json_str(last),
            json_str(OFFICES[office_id as usize - 1]),
            i + 1,
            10_000 + i
        ));
        names.push((
            id,
            format!("{first} {last}"),
            OFFICES[office_id as usize - 1],
        ));
    }

    let mut appointments = Vec::new();
    let mut ledger = Vec::new();
    let mut appointment_days = Vec::new();
    let days = (ALOHA_LAST_DAY - ALOHA_FIRST_DAY).whole_days();
    let mut per_month: std::collections::BTreeMap<MonthKey, MonthTotals> = Default::default();
    for n in 0..3600i64 {
        let (client_id, client_name, office) =
            &names[rng.below(client_count as u64 * 2 / 3) as usize];
        let date = ALOHA_FIRST_DAY + Duration::days(rng.below(days as u64 + 1) as i64);
        let start = 8 * 60 + 30 * rng.below(16) as i64;
        let units = 2 + rng.below(6) as i64;
        let (service, code, rate) = *rng.pick(&SERVICES);
        let charge = units * rate;
        let completed = date < time::macros::date!(2025 - 12 - 01) && rng.below(8) != 0;
        let id = 50_000 + n;
        let payer = rng.pick(&PAYERS);
        appointments.push(Dated {
            date,
            json: format!(
                "{{\"appointmentId\":{id},\"clientId\":{client_id},\"claimId\":{},\"appointmentDate\":\"{}\",\"appointmentStart\":\"{}\",\"appointmentEnd\":\"{}\",\"clientName\":{},\"staffName\":\"Sandbox Therapist {}\",\"appointmentLocation\":\"Clinic\",\"office\":{},\"renderingProviderNPI\":\"100000{:04}\",\"renderingProvider\":\"Sandbox Provider\",\"diagnosticCodes\":\"F84.0\",\"diagnosticCodes2\":null,\"payerName\":{},\"authorizationNumber\":\"AUTH-{client_id}\",\"officeTimeZone\":\"America/Chicago\",\"serviceName\":{},\"billingCode\":\"{code}\",\"placeOfService\":{},\"units\":{units},\"unitSize\":\"15 minutes\",\"charge\":{},\"chargeRate\":{},\"contractRate\":{},\"contractAmount\":{},\"billingMinutes\":{},\"billingHours\":{},\"completed\":\"{}\"}}",
                if completed { (900_000 + n).to_string() } else { "null".into() },
                us_date(date),
                clock(start),
                clock(start + units * 15),
                json_str(client_name),
                n % 9,
                json_str(office),
                n % 10_000,
                json_str(payer),
                json_str(service),
                if n % 3 == 0 { 12 } else { 11 },
                money(charge),
                money(rate),
                money(rate - 10),
                money(units * (rate - 10)),
                units * 15,
                money(units * 25),
                if completed { "Yes" } else { "No" },
            ),
        });
        appointment_days.push((*client_id, date));
        let entry = per_month
            .entry((*client_id, date.year(), date.month() as u8))
            .or_default();
        entry.0 += 1;
        entry.2 += units * 15;
        if completed {
            entry.1 += 1;
            entry.3 += units * 15;
            let paid = charge * 8 / 10;
            ledger.push(Dated {
                date,
                json: format!(
                    "{{\"invoiceId\":{},\"dateOfService\":\"{}\",\"clientId\":{client_id},\"clientName\":{},\"office\":{},\"billingCode\":\"{code}\",\"modifiers\":\"HN\",\"placeOfService\":11,\"billedAmount\":{},\"billedUnits\":{units},\"contractAmount\":{},\"primaryPayer\":{},\"primaryPayment\":{},\"clientPayment\":{},\"clientBalance\":{},\"payerBalance\":{},\"adjustments\":{},\"renderingProvider\":\"Sandbox Provider\"}}",
                    900_000 + n,
                    us_date(date),
                    json_str(client_name),
                    json_str(office),
                    money(charge),
                    money(units * (rate - 10)),
                    json_str(payer),
                    money(paid),
                    money(charge - paid),
                    money(0),
                    money(0),
                    money(-(units * 10)),
                ),
            });
        }
    }
    appointments.sort_by_key(|a| a.date);
    ledger.sort_by_key(|l| l.date);
    let authorizations = per_month
        .into_iter()
        .map(|((_, year, month), (scheduled, completed, sched_min, done_min))| {
            let month = Month::try_from(month).unwrap_or(Month::January);
            let start = Date::from_calendar_date(year, month, 1).unwrap_or(ALOHA_FIRST_DAY);
            let end = start.replace_day(month.length(year)).unwrap_or(start);
            Dated {
                date: start,
                json: format!(
                    "{{\"startDate\":\"{}\",\"endDate\":\"{}\",\"scheduledAppointments\":{scheduled},\"completedAppointments\":{completed},\"scheduledHours\":{},\"completedHours\":{},\"rangeType\":\"Monthly\"}}",
                    us_date(start),
                    us_date(end),
                    money(sched_min * 100 / 60),
                    money(done_min * 100 / 60),
                ),
            }
        })
        .collect();
    let mut auths_without = Vec::new();
    for (i, (client_id, name, office)) in names.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let start = ALOHA_FIRST_DAY + Duration::days((i as i64 * 11) % 600);
        let end = start + Duration::days(180);
        let json = format!(
            "{{\"office\":{},\"client_Name\":{},\"payer_Name\":{},\"iD_with_Payer\":\"PAYER-{client_id}\",\"authorization_Number\":\"AUTH-{client_id}\",\"referring_Provider\":\"Sandbox Referrer\",\"service_Name\":\"Direct Therapy\",\"allowed_Limit\":{},\"type\":\"{}\",\"frequency\":\"Weekly\",\"startDate\":\"{}T00:00:00Z\",\"endDate\":\"{}T00:00:00Z\",\"start_Date1\":\"{}\",\"end_Date1\":\"{}\",\"rendering_Provider\":\"Sandbox Provider\",\"placeOfService\":\"11\",\"service_Facility\":\"Main\",\"diagnostic_Codes\":\"F84.0\",\"diagnostic_Codes2\":\"\",\"diagnostic_Codes3\":\"\",\"client_Id\":{client_id},\"payer_Id\":{},\"authorizationGroupService_Id\":{}}}",
            json_str(office),
            json_str(name),
            json_str(PAYERS[i % 3]),
            20 + i % 20,
            if i % 2 == 0 { "Units" } else { "Visits" },
            iso_date(start),
            iso_date(end),
            us_date(start),
            us_date(end),
            i % 3 + 1,
            7000 + i,
        );
        auths_without.push((*client_id, start, end, json));
    }
    AlohaData {
        clients,
        appointments,
        ledger,
        authorizations,
        auths_without,
        appointment_days,
    }
}

/// Everything Aerona serves.
pub struct AeronaData {
    pub practices: Vec<i64>,
    /// (id, practice, clinician type, JSON)
    pub clinicians: Vec<(i64, i64, i64, String)>,
    /// (id, clinician type, disabled, onsite, JSON)
    pub appointment_types: Vec<(i64, i64, bool, bool, String)>,
    /// id → JSON
    pub patients: std::collections::BTreeMap<i64, String>,
    /// (id, patient, date, JSON)
    pub payments: Vec<(i64, i64, Date, String)>,
    /// (id, patient, date, JSON)
    pub invoices: Vec<(i64, i64, Date, String)>,
    /// Appointment ids that exist from the start.
    pub appointments: std::collections::BTreeSet<i64>,
}

pub const AERONA_FIRST_DAY: Date = time::macros::date!(2024 - 01 - 01);
pub const AERONA_LAST_DAY: Date = time::macros::date!(2026 - 12 - 31);

pub fn aerona(seed: u64) -> AeronaData {
    let mut rng = Rng::new(seed ^ 0xAE50);
    let practices = vec![9876, 9877];
    let mut clinicians = Vec::new();
    for i in 0..12i64 {
        let id = 34_560 + i;
        let practice = practices[(i % 2) as usize];
        let kind = [1, 1, 2, 3, 3, 4, 5, 1, 3, 2, 1, 3][i as usize];
        clinicians.push((
            id,
            practice,
            kind,
            format!(
                "{{\"id\":{id},\"practiceId\":{practice},\"clinicianTypeId\":{kind},\"forename\":{},\"surname\":\"Sandbox\",\"displayName\":\"Dr {} Sandbox\",\"active\":true}}",
                json_str(FIRST[i as usize]),
                FIRST[i as usize]
            ),
        ));
    }
    let type_names = [
        ("Check-up", 1, 30),
        ("Scale and Polish", 3, 45),
        ("Filling", 1, 60),
        ("Orthodontic Review", 4, 30),
        ("Gum Treatment", 5, 45),
        ("Video Consultation", 1, 20),
    ];
    let appointment_types = type_names
        .iter()
        .enumerate()
        .map(|(i, (name, kind, minutes))| {
            let id = 1860 + i as i64;
            let disabled = i == 4;
            let onsite = i != 5;
            (
                id,
                *kind,
                disabled,
                onsite,
                format!(
                    "{{\"id\":{id},\"name\":{},\"clinicianTypeId\":{kind},\"duration\":{minutes},\"disabled\":{disabled},\"onsite\":{onsite},\"remote\":{},\"price\":{}}}",
                    json_str(name),
                    !onsite,
                    money(3000 + 1500 * i as i64)
                ),
            )
        })
        .collect();
    let mut patients = std::collections::BTreeMap::new();
    let mut payments = Vec::new();
    let mut invoices = Vec::new();
    let span = (AERONA_LAST_DAY - AERONA_FIRST_DAY).whole_days() as u64;
    for i in 0..300i64 {
        let id = 426_700 + i;
        let practice = practices[(i % 2) as usize];
        let dob = time::macros::date!(1950 - 01 - 01) + Duration::days(rng.below(365 * 60) as i64);
        patients.insert(
            id,
            format!(
                "{{\"practiceId\":{practice},\"patientTypeId\":1,\"sourceId\":{},\"referrerId\":{},\"genderId\":{},\"titleId\":0,\"forename\":{},\"surname\":{},\"maidenName\":null,\"occupation\":\"Tester\",\"dob\":\"{}\",\"knownAs\":{},\"address1\":\"{} Test Street\",\"address2\":\"Testville\",\"address3\":\"Testshire\",\"postcode\":\"TE{} 0ST\",\"mobilePhone\":\"07000 {:06}\",\"email\":\"patient{id}@example.invalid\",\"balance\":{}}}",
                rng.below(5),
                rng.below(40),
                1 + rng.below(2),
                json_str(rng.pick::<&str>(&FIRST)),
                json_str(rng.pick::<&str>(&LAST)),
                iso_date(dob),
                json_str(rng.pick::<&str>(&FIRST)),
                i + 1,
                i % 10,
                i,
                money(rng.below(5000) as i64),
            ),
        );
        for k in 0..4i64 {
            let date = AERONA_FIRST_DAY + Duration::days(rng.below(span + 1) as i64);
            let pid = 187_000 + i * 4 + k;
            let amount = 1000 + 250 * rng.below(40) as i64;
            let refunded = rng.below(10) == 0;
            payments.push((
                pid,
                id,
                date,
                format!(
                    "{{\"id\":{pid},\"patientId\":{id},\"practiceId\":{practice},\"practiceName\":\"Sandbox Dental {}\",\"paymentType\":\"{}\",\"paymentMethod\":{},\"amount\":{},\"cancellation\":{},\"refund\":{},\"refundReference\":{},\"paymentNote\":\"Sandbox payment\",\"paymentDate\":\"{}T{:02}:{:02}:00Z\",\"cancellationNote\":null,\"cancellationDate\":null,\"patientPlan\":{},\"patientCarePlanId\":{},\"createdUserId\":{},\"dateModified\":\"{}T18:00:00Z\",\"thirdPartyProviderName\":{}}}",
                    practice - 9875,
                    1 + rng.below(3),
                    json_str(["Credit Card", "Cash", "Bank Transfer"][rng.below(3) as usize]),
                    money(amount),
                    money(0),
                    money(if refunded { amount / 4 } else { 0 }),
                    if refunded { pid.to_string() } else { "0".into() },
                    iso_date(date),
                    9 + rng.below(8),
                    rng.below(60),
                    k == 3,
                    1200 + i,
                    34_560 + (i % 12),
                    iso_date(date),
                    if k == 2 { json_str("Sandbox Insurance Co.") } else { "null".into() },
                ),
            ));
            let iid = 337_000 + i * 4 + k;
            let price = 500 + 500 * rng.below(20) as i64;
            let quantity = 1 + rng.below(3) as i64;
            invoices.push((
                iid,
                id,
                date,
                format!(
                    "{{\"id\":{iid},\"patientId\":{id},\"date\":\"{}\",\"quantity\":{quantity},\"dateCompleted\":\"{}T12:00:00Z\",\"price\":{},\"status\":{},\"saleItem\":{},\"userId\":{},\"discount\":0,\"discountAmount\":{},\"refundAmount\":{},\"refundNote\":null,\"refundDate\":null,\"refundMethod\":null,\"patientCarePlan\":null,\"vatRate\":20,\"insurerFee\":{},\"adjustmentType\":null,\"adjustmentNote\":null,\"adjustmentAmount\":{},\"prechargeDate\":\"{}\",\"trackingFee\":{}}}",
                    iso_date(date),
                    iso_date(date),
                    money(price),
                    json_str(["Planned", "Completed", "Invoiced"][rng.below(3) as usize]),
                    json_str(["Check-up", "Mouthwash", "Filling", "X-ray"][rng.below(4) as usize]),
                    34_560 + (i % 12),
                    money(0),
                    money(0),
                    money(0),
                    money(0),
                    iso_date(date),
                    money(0),
                ),
            ));
        }
    }
    let appointments = (0..200).map(|n| 30_000 + n).collect();
    AeronaData {
        practices,
        clinicians,
        appointment_types,
        patients,
        payments,
        invoices,
        appointments,
    }
}

/// Working days' slot starts for a clinician from `start`, in minutes after midnight.
pub fn slot_starts(start: Date, days: i64) -> impl Iterator<Item = (Date, i64)> {
    (0..days)
        .map(move |d| start + Duration::days(d))
        .filter(|d| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
        .flat_map(|d| (0..20).map(move |k| (d, 8 * 60 + 30 * k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(money(12550), "125.50");
        assert_eq!(money(-550), "-5.50");
        assert_eq!(money(0), "0.00");
        assert_eq!(clock(9 * 60), "09:00 AM");
        assert_eq!(clock(12 * 60 + 15), "12:15 PM");
        assert_eq!(clock(17 * 60 + 30), "05:30 PM");
        assert_eq!(us_date(time::macros::date!(2024 - 03 - 07)), "03-07-2024");
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
        {
            serde_json::from_str::<serde_json::Value>(row).unwrap();
        }
        let b = aerona(7);
        for row in b
            .patients
            .values()
            .chain(b.payments.iter().map(|p| &p.3))
            .chain(b.invoices.iter().map(|p| &p.3))
        {
            serde_json::from_str::<serde_json::Value>(row).unwrap();
        }
        assert_eq!(
            aloha(7).appointments[10].json,
            a.appointments[10].json,
            "deterministic"
        );
    }
}
