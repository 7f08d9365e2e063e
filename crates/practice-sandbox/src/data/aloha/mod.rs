//! Aloha's data: 300 clients, 3,600 visits over 2024–2025 (appointments, and a ledger entry
//! for each completed one), monthly authorization totals, and authorizations without
//! appointments. Every value comes from one random stream, drawn in a fixed order.

mod rows;

use std::collections::BTreeMap;

use time::{Date, Duration, Month};

use super::format::{Money, Opt, clock, iso_date, json, us_date};
use super::names::{FIRST, LAST};
use super::rng::Rng;
use rows::{AppointmentRow, AuthorizationRow, AuthorizationWithoutRow, ClientRow, LedgerRow};

/// One row with the period it covers (a single day for most rows).
pub struct Dated {
    pub start: Date,
    pub end: Date,
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
/// Aloha appointments from this day on are scheduled, not yet completed.
const ALOHA_COMPLETED_BEFORE: Date = time::macros::date!(2025 - 12 - 01);

const OFFICES: [&str; 3] = ["Sandbox North", "Sandbox South", "Sandbox Remote"];
const SERVICES: [(&str, &str, i64); 4] = [
    ("Direct Therapy", "97153", 2510),
    ("Supervision", "97155", 3250),
    ("Assessment", "97151", 4000),
    ("Parent Training", "97156", 2875),
];
const PAYERS: [&str; 3] = ["Sandbox Health", "Example Insurance", "Test Medicaid"];
const SANDBOX_NOTE: &str = "undocumented field added by the sandbox";
/// Clients generated; visits go to the first two thirds of them.
const CLIENT_COUNT: i64 = 300;
/// Visits generated.
const VISIT_COUNT: i64 = 3600;

/// What the appointment rows need to know about a client.
struct ClientFacts {
    id: i64,
    name: String,
    office: &'static str,
    index: i64,
}

pub fn aloha(seed: u64) -> AlohaData {
    let mut rng = Rng::new(seed ^ 0xA10A);
    let (clients, facts): (Vec<String>, Vec<ClientFacts>) =
        (0..CLIENT_COUNT).map(|i| client(&mut rng, i)).unzip();

    let mut appointments = Vec::new();
    let mut ledger = Vec::new();
    let mut appointment_days = Vec::new();
    let days = (ALOHA_LAST_DAY - ALOHA_FIRST_DAY).whole_days();
    let mut per_month: BTreeMap<MonthKey, MonthTotals> = BTreeMap::new();
    for n in 0..VISIT_COUNT {
        let visit = Visit::draw(&mut rng, n, &facts, days);
        appointments.push(Dated {
            start: visit.date,
            end: visit.date,
            json: appointment_row(&visit),
        });
        appointment_days.push((visit.client.id, visit.date));
        count_in_month(&mut per_month, &visit);
        if visit.completed {
            ledger.push(Dated {
                start: visit.date,
                end: visit.date,
                json: ledger_row(&visit),
            });
        }
    }
    appointments.sort_by_key(|a| a.start);
    ledger.sort_by_key(|l| l.start);
    AlohaData {
        clients,
        appointments,
        ledger,
        authorizations: monthly_authorizations(per_month),
        auths_without: authorizations_without_appointments(&facts),
        appointment_days,
    }
}

/// Client `i`: its row, and what its visits need to know about it.
fn client(rng: &mut Rng, i: i64) -> (String, ClientFacts) {
    let id = 1000 + i;
    let first = rng.pick(&FIRST);
    let last = rng.pick(&LAST);
    let office_id = rng.below(3) as i64 + 1;
    let active = rng.below(10) != 0;
    let office = OFFICES[office_id as usize - 1];
    // Some rows leave optional fields out, and a few carry a field the docs do not name.
    let row = json(&ClientRow {
        client_id: id,
        first_name: first,
        last_name: last,
        alias_name: if i % 7 == 0 {
            Opt::Absent
        } else {
            Opt::Some(format!("{first} {}", &last[..1]))
        },
        image_url: None,
        office_id,
        office,
        is_active: active,
        street: format!("{} Test Street", i + 1),
        city: "Testville",
        state: "TS",
        zip: format!("{:05}", 10_000 + i),
        in_active_date: (!active).then(|| us_date(time::macros::date!(2025 - 06 - 30))),
        sandbox_note: (i % 50 == 0).then_some(SANDBOX_NOTE),
    });
    let facts = ClientFacts {
        id,
        name: format!("{first} {last}"),
        office,
        index: i,
    };
    (row, facts)
}

/// One visit: what was drawn for it. The draws' order is part of the data.
#[derive(Clone, Copy)]
struct Visit<'a> {
    n: i64,
    client: &'a ClientFacts,
    date: Date,
    start: i64,
    units: i64,
    service: &'static str,
    code: &'static str,
    rate: i64,
    completed: bool,
    payer: &'static str,
}

impl<'a> Visit<'a> {
    fn draw(rng: &mut Rng, n: i64, facts: &'a [ClientFacts], days: i64) -> Self {
        let client = &facts[rng.below(CLIENT_COUNT as u64 * 2 / 3) as usize];
        let date = ALOHA_FIRST_DAY + Duration::days(rng.below(days as u64 + 1) as i64);
        let start = 8 * 60 + 30 * rng.below(16) as i64;
        let units = 2 + rng.below(6) as i64;
        let (service, code, rate) = *rng.pick(&SERVICES);
        // Only visits before the cut-off draw whether they were completed.
        let completed = date < ALOHA_COMPLETED_BEFORE && rng.below(8) != 0;
        let payer = *rng.pick(&PAYERS);
        Visit {
            n,
            client,
            date,
            start,
            units,
            service,
            code,
            rate,
            completed,
            payer,
        }
    }

    fn charge(&self) -> i64 {
        self.units * self.rate
    }

    /// The invoice number of the visit's claim.
    fn claim(&self) -> i64 {
        900_000 + self.n
    }

    /// The claim id as the reference documents it: text of at most 100 characters.
    fn claim_id(&self) -> String {
        format!("CLM-{}", self.claim())
    }

    fn place_of_service(&self) -> i64 {
        if self.n % 3 == 0 { 12 } else { 11 }
    }

    fn modifier(&self) -> Option<&'static str> {
        (self.n % 4 != 0).then_some("HN")
    }
}

fn appointment_row(visit: &Visit<'_>) -> String {
    let Visit {
        n,
        client,
        date,
        start,
        units,
        service,
        code,
        rate,
        completed,
        payer,
    } = *visit;
    let (charge, claim) = (visit.charge(), visit.claim_id());
    let (place_of_service, modifier) = (visit.place_of_service(), visit.modifier());
    let id = 50_000 + n;
    let ci = client.index;
    let dob = time::macros::date!(2012 - 01 - 01) + Duration::days((ci * 37) % 3650);
    let canceled = !completed && date < ALOHA_COMPLETED_BEFORE;
    json(&AppointmentRow {
        appointment_id: id,
        client_id: client.id,
        claim_id: match (completed, n % 10) {
            (_, 9) => Opt::Absent,
            (true, _) => Opt::Some(claim),
            (false, _) => Opt::Null,
        },
        appointment_date: us_date(date),
        appointment_start: clock(start),
        appointment_end: clock(start + units * 15),
        client_name: &client.name,
        staff_name: format!("Sandbox Therapist {}", n % 9),
        gender: if n % 13 == 0 {
            Opt::Absent
        } else {
            Opt::Some(if ci % 2 == 0 { "Female" } else { "Male" })
        },
        appointment_location: if place_of_service == 12 {
            "Home"
        } else {
            "Clinic"
        },
        patient_address: if n % 17 == 0 {
            Opt::Absent
        } else {
            Opt::Some(format!(
                "{} Test Street, Testville, TS {:05}",
                ci + 1,
                10_000 + ci
            ))
        },
        insured_id: format!("INS-{}", client.id),
        office: client.office,
        rendering_provider_npi: format!("100000{:04}", n % 10_000),
        rendering_provider: "Sandbox Provider",
        diagnostic_codes: "F84.0",
        diagnostic_codes2: (n % 5 == 0).then_some("Z13.41"),
        diagnostic_codes3: if n % 2 == 0 { Opt::Null } else { Opt::Absent },
        payer_name: payer,
        authorization_number: format!("AUTH-{}", client.id),
        charge_line_time_zone: match n % 3 {
            0 => Opt::Absent,
            1 => Opt::Null,
            _ => Opt::Some("America/Chicago"),
        },
        office_time_zone: "America/Chicago",
        service_facility: "Sandbox Clinic",
        service_facility_address: "2 Test Street, Testville, TS 10000",
        client_city: "Testville",
        billing_address: "1 Billing Way, Testville, TS 10000",
        canceled_type: if canceled { "Client Cancel" } else { "" },
        service_name: service,
        billing_provider_npi: "1999999999",
        billing_provider: "Sandbox Billing LLC",
        billing_code: code,
        additional_code: None,
        modifier,
        modifier2: None,
        modifier3: if n % 2 == 0 { Opt::Absent } else { Opt::Null },
        place_of_service: (n % 29 != 0).then_some(place_of_service),
        units,
        unit_size: "15 minutes",
        charge: Money(charge),
        charge_rate: Money(rate),
        contract_rate: Money(rate - 10),
        contract_amount: Money(units * (rate - 10)),
        dob: if n % 11 == 0 {
            Opt::Absent
        } else {
            Opt::Some(us_date(dob))
        },
        referring_provider_name: "Sandbox Referrer",
        referring_provider_npi: (n % 4 == 1).then_some("1888888888"),
        billing_minutes: units * 15,
        billing_hours: Money(units * 25),
        completed: if completed { "Yes" } else { "No" },
        sandbox_note: (n % 40 == 0).then_some(SANDBOX_NOTE),
    })
}

/// The ledger entry of a completed visit.
fn ledger_row(visit: &Visit<'_>) -> String {
    let Visit {
        client,
        date,
        units,
        code,
        rate,
        payer,
        ..
    } = *visit;
    let (charge, claim) = (visit.charge(), visit.claim());
    let (place_of_service, modifier) = (visit.place_of_service(), visit.modifier());
    let paid = charge * 8 / 10;
    json(&LedgerRow {
        invoice_id: claim,
        date_of_service: us_date(date),
        client_id: client.id,
        client_name: &client.name,
        office: client.office,
        billing_code: code,
        modifiers: modifier.unwrap_or(""),
        place_of_service,
        billed_amount: Money(charge),
        billed_units: units,
        contract_amount: Money(units * (rate - 10)),
        primary_payer: payer,
        primary_payment: Money(paid),
        client_payment: Money(charge - paid),
        client_balance: Money(0),
        payer_balance: Money(0),
        adjustments: Money(-(units * 10)),
        rendering_provider: "Sandbox Provider",
    })
}

fn count_in_month(per_month: &mut BTreeMap<MonthKey, MonthTotals>, visit: &Visit<'_>) {
    let (client, date, minutes) = (visit.client.id, visit.date, visit.units * 15);
    let entry = per_month
        .entry((client, date.year(), date.month() as u8))
        .or_default();
    entry.0 += 1;
    entry.2 += minutes;
    if visit.completed {
        entry.1 += 1;
        entry.3 += minutes;
    }
}

/// One client-authorization row per client and month with visits.
fn monthly_authorizations(per_month: BTreeMap<MonthKey, MonthTotals>) -> Vec<Dated> {
    let mut authorizations: Vec<Dated> = per_month
        .into_iter()
        .map(
            |((_, year, month), (scheduled, completed, sched_min, done_min))| {
                let month = Month::try_from(month).unwrap_or(Month::January);
                let start = Date::from_calendar_date(year, month, 1).unwrap_or(ALOHA_FIRST_DAY);
                let end = start.replace_day(month.length(year)).unwrap_or(start);
                Dated {
                    start,
                    end,
                    json: json(&AuthorizationRow {
                        // As the reference's sample writes them (`2024-03-01`).
                        start_date: iso_date(start),
                        end_date: iso_date(end),
                        scheduled_appointments: scheduled,
                        completed_appointments: completed,
                        scheduled_hours: Money(sched_min * 100 / 60),
                        completed_hours: Money(done_min * 100 / 60),
                        range_type: "Monthly",
                    }),
                }
            },
        )
        .collect();
    authorizations.sort_by_key(|a| a.start);
    authorizations
}

/// One authorization for every third client, over 180 days.
fn authorizations_without_appointments(facts: &[ClientFacts]) -> Vec<(i64, Date, Date, String)> {
    let mut auths_without = Vec::new();
    for (i, client) in facts.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let start = ALOHA_FIRST_DAY + Duration::days((i as i64 * 11) % 600);
        let end = start + Duration::days(180);
        let row = AuthorizationWithoutRow {
            office: client.office,
            client_name: &client.name,
            payer_name: PAYERS[i % 3],
            id_with_payer: format!("INS-{}", client.id),
            authorization_number: format!("AUTH-{}", client.id),
            referring_provider: "Sandbox Referrer",
            service_name: "Direct Therapy",
            allowed_limit: 20 + (i as i64) % 20,
            kind: if i % 2 == 0 { "Units" } else { "Visits" },
            frequency: "Weekly",
            start_date: format!("{}T00:00:00Z", iso_date(start)),
            end_date: format!("{}T00:00:00Z", iso_date(end)),
            start_date1: us_date(start),
            end_date1: us_date(end),
            rendering_provider: "Sandbox Provider",
            place_of_service: "11",
            service_facility: "Sandbox Clinic",
            diagnostic_codes: "F84.0",
            diagnostic_codes2: "",
            diagnostic_codes3: "",
            client_id: client.id,
            payer_id: (i % 3) as i64 + 1,
            authorization_group_service_id: 7000 + i as i64,
            sandbox_note: (i % 30 == 0).then_some(SANDBOX_NOTE),
        };
        auths_without.push((client.id, start, end, json(&row)));
    }
    auths_without
}
