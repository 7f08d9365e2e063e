//! Aerona's data: two practices, twelve clinicians, six appointment types, 300 patients
//! with four payments and four invoices each over 2024–2026, and 200 seeded appointments from
//! 2026-01-05. Two random streams, each drawn in a fixed order: `rng` for the first values,
//! `more` for values added later, so that adding them left the first stream's data alone.

mod records;

use std::collections::BTreeMap;

use time::{Date, Duration, Weekday};

use super::format::{Money, iso_date, json};
use super::names::{FIRST, LAST};
use super::rng::Rng;
use super::slots::{SLOT_FIRST, SLOT_MINUTES, SLOTS_PER_DAY};
use records::{
    AppointmentTypeRecord, ClinicianRecord, InvoiceRecord, PatientRecord, PaymentRecord,
};

/// A clinician: who works where, as what.
pub struct Clinician {
    pub id: i64,
    pub practice: i64,
    pub kind: i64,
    pub json: String,
}

/// An appointment type.
pub struct AppointmentType {
    pub id: i64,
    pub clinician_type: i64,
    pub minutes: i64,
    pub disabled: bool,
    pub onsite: bool,
    pub json: String,
}

/// A payment or an invoice: what searches filter on, and the record.
pub struct Record {
    pub id: i64,
    pub patient: i64,
    pub date: Date,
    pub json: String,
}

/// A booked appointment: seeded, or created through the API.
#[derive(Debug, Clone)]
pub struct Booking {
    pub practice: i64,
    pub clinician: i64,
    pub patient: i64,
    pub appointment_type: i64,
    pub status: i64,
    pub start: time::OffsetDateTime,
    pub minutes: i64,
    pub emergency: bool,
    pub notes: Option<String>,
    /// Made through `POST /v1/appointments` (the vendor flags these).
    pub api_created: bool,
}

impl Booking {
    /// Cancelled and deleted appointments free their slot.
    pub fn holds_slot(&self) -> bool {
        !matches!(self.status, 5 | 12 | 13 | 14)
    }
}

/// Everything Aerona serves.
pub struct AeronaData {
    /// (id, name)
    pub practices: Vec<(i64, &'static str)>,
    pub clinicians: Vec<Clinician>,
    pub appointment_types: Vec<AppointmentType>,
    /// id → JSON
    pub patients: std::collections::BTreeMap<i64, String>,
    pub payments: Vec<Record>,
    pub invoices: Vec<Record>,
    /// Appointments that exist from the start, by id.
    pub appointments: std::collections::BTreeMap<i64, Booking>,
}

pub const AERONA_FIRST_DAY: Date = time::macros::date!(2024 - 01 - 01);
pub const AERONA_LAST_DAY: Date = time::macros::date!(2026 - 12 - 31);
/// Seeded appointments fall on working days from here.
const AERONA_BOOKINGS_FROM: Date = time::macros::date!(2026 - 01 - 05);

const CLINICIAN_TYPE_NAMES: [&str; 16] = [
    "General Dentist",
    "Specialist Dentist",
    "Hygienist",
    "Orthodontist",
    "Periodontist",
    "Psychiatrist",
    "Psychologist",
    "Physiotherapist",
    "Audiologist",
    "Optometrist",
    "Therapist",
    "Beautician",
    "GP",
    "Dietician",
    "Sports Rehabilitation Therapist",
    "Personal Trainer",
];

/// The practices: (id, name).
const PRACTICES: [(i64, &str); 2] = [
    (9876, "Sandbox Dental North"),
    (9877, "Sandbox Dental South"),
];
/// Patients generated; each has four payments and four invoices.
const PATIENT_COUNT: i64 = 300;

pub fn aerona(seed: u64) -> AeronaData {
    let mut rng = Rng::new(seed ^ 0xAE50);
    // A second stream for values added later, so the first keeps its sequence.
    let mut more = Rng::new(seed ^ 0xAE51);
    let clinicians = clinicians();
    let mut patients = BTreeMap::new();
    let mut payments = Vec::new();
    let mut invoices = Vec::new();
    let span = (AERONA_LAST_DAY - AERONA_FIRST_DAY).whole_days() as u64;
    for i in 0..PATIENT_COUNT {
        let (id, json) = patient(&mut rng, i);
        patients.insert(id, json);
        for k in 0..4i64 {
            let date = AERONA_FIRST_DAY + Duration::days(rng.below(span + 1) as i64);
            payments.push(payment(&mut rng, &mut more, i, k, date));
            invoices.push(invoice(&mut rng, i, k, date));
        }
    }
    payments.sort_by_key(|r| (r.date, r.id));
    invoices.sort_by_key(|r| (r.date, r.id));
    let appointments = seeded_appointments(&mut more, &clinicians);
    AeronaData {
        practices: PRACTICES.to_vec(),
        clinicians,
        appointment_types: appointment_types(),
        patients,
        payments,
        invoices,
        appointments,
    }
}

/// Twelve clinicians, alternating between the practices.
fn clinicians() -> Vec<Clinician> {
    let practices = PRACTICES;
    let mut clinicians = Vec::new();
    for i in 0..12i64 {
        let id = 34_560 + i;
        let practice = practices[(i % 2) as usize].0;
        let kind = [1, 1, 2, 3, 3, 4, 5, 1, 3, 2, 1, 3][i as usize];
        let forename = FIRST[i as usize];
        clinicians.push(Clinician {
            id,
            practice,
            kind,
            json: json(&ClinicianRecord {
                id,
                practice_id: practice,
                clinician_type_id: kind,
                clinician_type: CLINICIAN_TYPE_NAMES[kind as usize - 1],
                forename,
                surname: "Sandbox",
                display_name: format!("Dr {forename} Sandbox"),
                active: true,
            }),
        });
    }
    clinicians
}

/// The master practice's types, shared by both practices; one disabled, one remote.
fn appointment_types() -> Vec<AppointmentType> {
    let type_names = [
        ("Check-up", 1, 30),
        ("Scale and Polish", 3, 45),
        ("Filling", 1, 60),
        ("Orthodontic Review", 4, 30),
        ("Gum Treatment", 5, 45),
        ("Video Consultation", 1, 20),
    ];
    type_names
        .iter()
        .enumerate()
        .map(|(i, (name, kind, minutes))| {
            let id = 1860 + i as i64;
            let disabled = i == 4;
            let onsite = i != 5;
            AppointmentType {
                id,
                clinician_type: *kind,
                minutes: *minutes,
                disabled,
                onsite,
                json: json(&AppointmentTypeRecord {
                    id,
                    name,
                    clinician_type_id: *kind,
                    duration: *minutes,
                    disabled,
                    onsite,
                    remote: !onsite,
                    price: Money(3000 + 1500 * i as i64),
                }),
            }
        })
        .collect()
}

/// Patient `i`: its id and record.
fn patient(rng: &mut Rng, i: i64) -> (i64, String) {
    let id = 426_700 + i;
    let practice = PRACTICES[(i % 2) as usize].0;
    let dob = time::macros::date!(1950 - 01 - 01) + Duration::days(rng.below(365 * 60) as i64);
    let source_id = rng.below(5);
    let referrer_id = rng.below(40);
    let gender_id = 1 + rng.below(2);
    let forename = *rng.pick::<&str>(&FIRST);
    let surname = *rng.pick::<&str>(&LAST);
    let known_as = *rng.pick::<&str>(&FIRST);
    let balance = rng.below(5000) as i64;
    let record = json(&PatientRecord {
        practice_id: practice,
        patient_type_id: 1,
        source_id,
        referrer_id,
        gender_id,
        title_id: 0,
        forename,
        surname,
        maiden_name: None,
        occupation: "Tester",
        dob: iso_date(dob),
        known_as,
        address1: format!("{} Test Street", i + 1),
        address2: "Testville",
        address3: "Testshire",
        postcode: format!("TE{} 0ST", i % 10),
        mobile_phone: format!("07000 {i:06}"),
        email: format!("patient{id}@example.invalid"),
        balance: Money(balance),
    });
    (id, record)
}

/// Payment `k` of patient `i`, on `date`.
fn payment(rng: &mut Rng, more: &mut Rng, i: i64, k: i64, date: Date) -> Record {
    let id = 426_700 + i;
    let (practice, practice_name) = PRACTICES[(i % 2) as usize];
    let pid = 187_000 + i * 4 + k;
    let amount = 1000 + 250 * rng.below(40) as i64;
    let refunded = rng.below(10) == 0;
    let payment_type = 1 + rng.below(3);
    let method = ["Credit Card", "Cash", "Bank Transfer"][rng.below(3) as usize];
    let (hour, minute) = (9 + rng.below(8), rng.below(60));
    let cancelled = more.below(25) == 0;
    Record {
        id: pid,
        patient: id,
        date,
        json: json(&PaymentRecord {
            id: pid,
            patient_id: id,
            practice_id: practice,
            practice_name,
            payment_type: payment_type.to_string(),
            payment_method: method,
            amount: Money(amount),
            cancellation: Money(if cancelled { amount } else { 0 }),
            refund: Money(if refunded { amount / 4 } else { 0 }),
            refund_reference: if refunded { pid } else { 0 },
            payment_note: "Sandbox payment",
            payment_date: format!("{}T{hour:02}:{minute:02}:00Z", iso_date(date)),
            cancellation_note: cancelled.then_some("Cancelled in the sandbox"),
            cancellation_date: cancelled.then(|| format!("{}T17:00:00Z", iso_date(date))),
            patient_plan: k == 3,
            patient_care_plan_id: 1200 + i,
            created_user_id: 34_560 + (i % 12),
            date_modified: format!("{}T18:00:00Z", iso_date(date)),
            third_party_provider_name: (k == 2).then_some("Sandbox Insurance Co."),
        }),
    }
}

/// Invoice `k` of patient `i`, on `date`.
fn invoice(rng: &mut Rng, i: i64, k: i64, date: Date) -> Record {
    let id = 426_700 + i;
    let iid = 337_000 + i * 4 + k;
    let price = 500 + 500 * rng.below(20) as i64;
    let quantity = 1 + rng.below(3) as i64;
    let status = ["Planned", "Completed", "Invoiced"][rng.below(3) as usize];
    let sale_item = ["Check-up", "Mouthwash", "Filling", "X-ray"][rng.below(4) as usize];
    Record {
        id: iid,
        patient: id,
        date,
        json: json(&InvoiceRecord {
            id: iid,
            patient_id: id,
            date: iso_date(date),
            quantity,
            date_completed: format!("{}T12:00:00Z", iso_date(date)),
            price: Money(price),
            status,
            sale_item,
            user_id: 34_560 + (i % 12),
            discount: 0,
            discount_amount: Money(0),
            refund_amount: Money(0),
            refund_note: None,
            refund_date: None,
            refund_method: None,
            patient_care_plan: (k == 3).then_some("Sandbox Care Plan"),
            vat_rate: 20,
            insurer_fee: Money(0),
            adjustment_type: None,
            adjustment_note: None,
            adjustment_amount: Money(0),
            precharge_date: iso_date(date),
            tracking_fee: Money(0),
        }),
    }
}

/// 200 appointments on working days from 2026-01-05, each holding its slot.
fn seeded_appointments(more: &mut Rng, clinicians: &[Clinician]) -> BTreeMap<i64, Booking> {
    let mut appointments = BTreeMap::new();
    for n in 0..200i64 {
        let clinician = &clinicians[more.below(clinicians.len() as u64) as usize];
        let mut day = AERONA_BOOKINGS_FROM + Duration::days(more.below(120) as i64);
        while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            day += Duration::days(1);
        }
        let minute = SLOT_FIRST + SLOT_MINUTES * more.below(SLOTS_PER_DAY as u64) as i64;
        let start = day
            .with_hms((minute / 60) as u8, (minute % 60) as u8, 0)
            .map(|t| t.assume_utc())
            .unwrap_or_else(|_| day.midnight().assume_utc());
        appointments.insert(
            30_000 + n,
            Booking {
                practice: clinician.practice,
                clinician: clinician.id,
                patient: 426_700 + (n * 7) % 300,
                appointment_type: 1860,
                status: 2,
                start,
                minutes: 30,
                emergency: false,
                notes: None,
                api_created: false,
            },
        );
    }
    appointments
}
