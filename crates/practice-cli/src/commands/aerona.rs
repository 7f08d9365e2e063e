//! `practice aerona …`: runs a parsed job against the Aerona client.

use futures_util::{StreamExt, TryStreamExt};

use super::aerona_args::{self, AeronaJob};
use super::records::{
    encode, known_fields, once_each, progress, single, typed_records, warn_deviations,
};
use crate::args::{AeronaCommand, Cli};
use crate::budget;
use crate::env;
use crate::exit::Failure;
use crate::output::{Columns, Output, Schema, record, records};

/// Runs `command`: its output and, for typed records, their schema.
pub async fn run(
    cli: &Cli,
    command: &AeronaCommand,
    columns: &Columns,
) -> Result<(Output, Option<Schema>), Failure> {
    let rate_limit = env::aerona_rate_limit()?;
    let job = aerona_args::parse(command)?;
    // Payments and invoices are typed records: `--fields` is checked against their documented
    // fields before anything is sent. Patients have more fields than documented, and slots,
    // clinicians and appointment types none: those are checked against what arrives.
    // Patients still have a schema: it orders their columns.
    use aerona_api::models::{Invoice, Patient, Payment};
    let schema = match job {
        AeronaJob::Payment(_) | AeronaJob::Payments(..) => Some(known_fields(
            columns,
            Schema::new(Payment::FIELDS, Payment::TABLE_FIELDS),
        )?),
        AeronaJob::Invoice(_) | AeronaJob::Invoices(..) => Some(known_fields(
            columns,
            Schema::new(Invoice::FIELDS, Invoice::TABLE_FIELDS),
        )?),
        AeronaJob::Patients(_) => Some(Schema::new(Patient::FIELDS, Patient::TABLE_FIELDS)),
        _ => None,
    };
    let env::Resolved {
        builder,
        sandbox: _sandbox,
    } = env::aerona(cli.sandbox, rate_limit).await?;
    let client = builder.build()?;
    let out = match job {
        AeronaJob::Patients(ids) => {
            let bar = progress(ids.len() as u64);
            let one = ids.len() == 1;
            let patients: Vec<_> = futures_util::stream::iter(ids)
                .map(|patient| {
                    let client = client.clone();
                    let bar = bar.clone();
                    async move {
                        let p = client.patient(patient).await;
                        bar.inc(1);
                        p
                    }
                })
                .buffered(usize::from(cli.concurrency))
                .try_collect()
                .await?;
            bar.finish_and_clear();
            let fetched = typed_records(patients)?;
            if one {
                single(fetched)?
            } else {
                warn_deviations(0, &fetched.deviations);
                Output::Many(fetched.rows)
            }
        }
        AeronaJob::Payment(pid) => single(typed_records(vec![client.payment(pid).await?])?)?,
        AeronaJob::Invoice(iid) => single(typed_records(vec![client.invoice(iid).await?])?)?,
        AeronaJob::Payments(patient, range, chunks) => {
            let rows = match chunks {
                None => client.search_payments(patient, range).await?,
                Some(days) => {
                    client
                        .stream_payments(patient, range, days)
                        .try_collect()
                        .await?
                }
            };
            let fetched = typed_records(once_each(rows, |p| p.id))?;
            warn_deviations(0, &fetched.deviations);
            Output::Many(fetched.rows)
        }
        AeronaJob::Invoices(patient, range, chunks) => {
            let rows = match chunks {
                None => client.search_invoices(patient, range).await?,
                Some(days) => {
                    client
                        .stream_invoices(patient, range, days)
                        .try_collect()
                        .await?
                }
            };
            let fetched = typed_records(once_each(rows, |i| i.id))?;
            warn_deviations(0, &fetched.deviations);
            Output::Many(fetched.rows)
        }
        AeronaJob::Clinicians(request) => {
            Output::Many(records(&client.clinicians(&request).await?).map_err(encode)?)
        }
        AeronaJob::AppointmentTypes(request) => {
            Output::Many(records(&client.appointment_types(&request).await?).map_err(encode)?)
        }
        AeronaJob::Slots(request) => {
            Output::Many(records(&client.find_appointment_slots(&request).await?).map_err(encode)?)
        }
        AeronaJob::Create(request) => {
            let new_id = client.create_appointment(&request).await?;
            Output::One(record(&serde_json::json!({ "appointmentId": new_id })).map_err(encode)?)
        }
        AeronaJob::SetStatus(appointment, status) => {
            let updated = client
                .update_appointment_status(appointment, status)
                .await?;
            Output::One(record(&serde_json::json!({ "updated": updated })).map_err(encode)?)
        }
    };
    if cli.verbose > 0 {
        eprintln!("{}", budget::line("aerona", client.budget().await));
    }
    Ok((out, schema))
}
