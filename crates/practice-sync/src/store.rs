//! Writing one fetched window: its rows (inserted, updated, or removed when the window no
//! longer returns them), its coverage entry and the release of its lease, all in one
//! transaction, so a kill at any moment leaves either all of it or none of it.

use std::collections::{HashMap, HashSet};

use practice_core::time::{OffsetDateTime, format_description::well_known::Rfc3339};
use sqlx::Row as _;

use crate::db::{Db, Dialect};
use crate::error::SyncError;
use crate::report::Window;
pub use crate::report::table;
use crate::schema::{ColumnKind, Table, Value, fields};
use crate::windows::Request;

/// Rows changed in one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// Rows new to the database.
    pub inserted: u64,
    /// Rows whose record changed at the vendor.
    pub updated: u64,
    /// Rows a re-fetched window no longer returned.
    pub removed: u64,
}

impl Changes {
    /// Adds `other` in.
    pub fn add(&mut self, other: Changes) {
        self.inserted = self.inserted.saturating_add(other.inserted);
        self.updated = self.updated.saturating_add(other.updated);
        self.removed = self.removed.saturating_add(other.removed);
    }
}

/// Each record's row key: its id when the kind has one (and the id is there, and not already
/// used in this window), else its place in the window.
fn keyed<'a>(table: &Table, window: &Window, records: &'a [String]) -> Vec<(String, &'a str)> {
    let mut seen = HashSet::new();
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let id = match (table.key, window.id) {
                (_, Some(id)) => Some(id.to_string()),
                (Some(key), None) => fields(record)
                    .and_then(|f| f.get(key).map(|raw| raw.get().to_owned()))
                    .filter(|raw| raw.parse::<i64>().is_ok()),
                (None, None) => None,
            };
            let key = match id {
                Some(id) if seen.insert(id.clone()) => id,
                _ => format!("{}#{i}", window.key),
            };
            (key, record.as_str())
        })
        .collect()
}

fn typed_values(table: &Table, record: &str) -> Vec<Value> {
    let fields = fields(record);
    table
        .columns
        .iter()
        .map(|c| {
            fields
                .as_ref()
                .and_then(|f| f.get(c.wire))
                .map_or(Value::Null, |raw| c.kind.convert(raw))
        })
        .collect()
}

/// Binds `value` with the SQL type of its column, NULLs included: a prepared statement keeps
/// the parameter types of its first use, so a NULL bound as text where a later row sends a
/// number would be misread.
fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    value: Value,
    kind: ColumnKind,
    dialect: Dialect,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match (kind, value) {
        (ColumnKind::Integer, Value::Int(n)) => query.bind(n),
        (ColumnKind::Integer, _) => query.bind(None::<i64>),
        (ColumnKind::Boolean, Value::Bool(b)) => query.bind(b),
        (ColumnKind::Boolean, _) => query.bind(None::<bool>),
        // PostgreSQL text cannot hold U+0000: the column stays empty, `record` keeps it.
        (_, Value::Text(t)) if !(dialect == Dialect::Postgres && t.contains('\0')) => {
            query.bind(Some(t))
        }
        _ => query.bind(None::<String>),
    }
}

/// Writes `records`, the rows `window` returned, and marks the window covered; `owner`'s lease
/// on it is released in the same transaction.
pub async fn apply(
    db: &Db,
    window: &Window,
    records: &[String],
    owner: &str,
) -> Result<Changes, SyncError> {
    let request = Request::one(window.clone());
    apply_request(db, &request, &[records.to_vec()], owner).await
}

/// Writes the answer to `request`, its rows already placed per window (`per_window[i]` are
/// the rows of `request.windows[i]`), marks each window covered and releases `owner`'s lease
/// on each, all in one transaction: a request's windows are written whole or not at all.
pub async fn apply_request(
    db: &Db,
    request: &Request,
    per_window: &[Vec<String>],
    owner: &str,
) -> Result<Changes, SyncError> {
    if per_window.len() != request.windows.len() {
        return Err(SyncError::Input(
            "the rows of a request must be placed in its windows".into(),
        ));
    }
    let table = table(request.report.table())?;
    let fetched_at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .map_err(|e| SyncError::Input(format!("cannot format the time: {e}")))?;
    let described = request.describe();
    let mut changes = Changes::default();
    let mut tx = db.pool.begin().await?;
    for (window, records) in request.windows.iter().zip(per_window) {
        let one = write_window(
            &mut tx,
            db,
            table,
            window,
            records,
            &described,
            &fetched_at,
            owner,
        )
        .await?;
        changes.add(one);
    }
    tx.commit().await?;
    Ok(changes)
}

/// One window's rows, removals, coverage and lease release, inside the request's transaction.
#[allow(clippy::too_many_arguments)]
async fn write_window(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    db: &Db,
    table: &Table,
    window: &Window,
    records: &[String],
    request: &str,
    fetched_at: &str,
    owner: &str,
) -> Result<Changes, SyncError> {
    let rows = keyed(table, window, records);
    let mut changes = Changes::default();
    let select = format!(
        "SELECT row_key, record FROM {} WHERE account = {} AND window_key = {}",
        table.name,
        db.arg(1),
        db.arg(2)
    );
    let account = db.account().to_owned();
    let existing: HashMap<String, String> = sqlx::query(&select)
        .bind(&account)
        .bind(&window.key)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .filter_map(|r| Some((r.try_get(0).ok()?, r.try_get(1).ok()?)))
        .collect();

    let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    let insert = format!(
        "INSERT INTO {} (account, row_key, record, window_key, request, fetched_at{}{}) VALUES ({}, {}, {}, {}, {}, {}{}{})",
        table.name,
        if names.is_empty() { "" } else { ", " },
        names.join(", "),
        db.arg(1),
        db.arg(2),
        db.arg(3),
        db.arg(4),
        db.arg(5),
        db.stamp_arg(6),
        if names.is_empty() { "" } else { ", " },
        table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| db.typed_arg(i + 7, c.kind))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let update = format!(
        "UPDATE {} SET record = {}, window_key = {}, request = {}, fetched_at = {}{}{} WHERE account = {} AND row_key = {}",
        table.name,
        db.arg(3),
        db.arg(4),
        db.arg(5),
        db.stamp_arg(6),
        if names.is_empty() { "" } else { ", " },
        table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = {}", c.name, db.typed_arg(i + 7, c.kind)))
            .collect::<Vec<_>>()
            .join(", "),
        db.arg(1),
        db.arg(2)
    );
    let elsewhere = format!(
        "SELECT record, window_key FROM {} WHERE account = {} AND row_key = {}",
        table.name,
        db.arg(1),
        db.arg(2)
    );
    let mut returned = HashSet::new();
    for (key, record) in &rows {
        returned.insert(key.as_str());
        let write = match existing.get(key) {
            Some(old) if old == record => None,
            Some(_) => Some(&update),
            None => {
                // A record may have moved here from another window (a rescheduled appointment).
                let moved = sqlx::query(&elsewhere)
                    .bind(&account)
                    .bind(key)
                    .fetch_optional(&mut **tx)
                    .await?;
                match moved {
                    Some(_) => Some(&update),
                    None => Some(&insert),
                }
            }
        };
        let Some(sql) = write else { continue };
        let mut query = sqlx::query(sql)
            .bind(account.clone())
            .bind(key.clone())
            .bind(record.to_string())
            .bind(window.key.clone())
            .bind(request.to_owned())
            .bind(fetched_at.to_owned());
        for (value, column) in typed_values(table, record).into_iter().zip(table.columns) {
            query = bind(query, value, column.kind, db.dialect);
        }
        query.execute(&mut **tx).await?;
        if std::ptr::eq(sql, &insert) {
            changes.inserted += 1;
        } else {
            changes.updated += 1;
        }
    }
    let delete = format!(
        "DELETE FROM {} WHERE account = {} AND row_key = {} AND window_key = {}",
        table.name,
        db.arg(1),
        db.arg(2),
        db.arg(3)
    );
    for key in existing.keys().filter(|k| !returned.contains(k.as_str())) {
        sqlx::query(&delete)
            .bind(account.clone())
            .bind(key.clone())
            .bind(window.key.clone())
            .execute(&mut **tx)
            .await?;
        changes.removed += 1;
    }

    let (from, to) = match &window.range {
        Some(r) => (Some(r.start().to_string()), Some(r.end().to_string())),
        None => (None, None),
    };
    let cover = format!(
        "INSERT INTO sync_coverage (account, report, window_key, window_from, window_to, fetched_at, row_count) VALUES ({}, {}, {}, {}, {}, {}, {}) \
         ON CONFLICT (account, report, window_key) DO UPDATE SET window_from = excluded.window_from, window_to = excluded.window_to, fetched_at = excluded.fetched_at, row_count = excluded.row_count",
        db.arg(1),
        db.arg(2),
        db.arg(3),
        db.arg(4),
        db.arg(5),
        db.arg(6),
        db.arg(7)
    );
    sqlx::query(&cover)
        .bind(account)
        .bind(table.name)
        .bind(window.key.clone())
        .bind(from)
        .bind(to)
        .bind(fetched_at.to_owned())
        .bind(i64::try_from(records.len()).unwrap_or(i64::MAX))
        .execute(&mut **tx)
        .await?;
    crate::lease::release_in(tx, db, window, owner).await?;
    Ok(changes)
}
