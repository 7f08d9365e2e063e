//! Window claims for fleets: a process fetches a window only while it holds the window's
//! lease in `sync_leases`. A claim is one conditional upsert (atomic in SQLite and
//! PostgreSQL alike): it succeeds when nobody holds the window or the holder's lease ran out.
//! A live holder keeps its leases fresh ([`heartbeat`]); a killed one's lapse after the
//! lease time, and the window is fetched again by whoever claims it next.

use std::time::Duration;

use practice_core::time::OffsetDateTime;

use crate::db::Db;
use crate::error::SyncError;
use crate::report::Window;

/// Milliseconds since the epoch on this machine's clock (fleet members' clocks must agree
/// to well within the lease time).
fn now_ms() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(nanos).unwrap_or(i64::MAX)
}

fn later_ms(lease: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

/// A fresh owner id for one run: never reused, so a lease names one process.
pub fn new_owner() -> String {
    format!("{:016x}{:08x}", fastrand::u64(..), std::process::id())
}

/// Claims `window` for `owner` for `lease`; `false` when another live process holds it.
pub async fn claim(
    db: &Db,
    window: &Window,
    owner: &str,
    lease: Duration,
) -> Result<bool, SyncError> {
    let sql = format!(
        "INSERT INTO sync_leases (account, report, window_key, owner, expires_ms) VALUES ({}, {}, {}, {}, {}) \
         ON CONFLICT (account, report, window_key) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms \
         WHERE sync_leases.expires_ms < {} OR sync_leases.owner = excluded.owner",
        db.arg(1),
        db.arg(2),
        db.arg(3),
        db.arg(4),
        db.arg(5),
        db.arg(6)
    );
    let done = sqlx::query(&sql)
        .bind(db.account().to_owned())
        .bind(window.report.table())
        .bind(window.key.clone())
        .bind(owner.to_owned())
        .bind(later_ms(lease))
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Releases `owner`'s lease on `window` inside the transaction that writes the window.
pub(crate) async fn release_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    db: &Db,
    window: &Window,
    owner: &str,
) -> Result<(), SyncError> {
    let sql = format!(
        "DELETE FROM sync_leases WHERE account = {} AND report = {} AND window_key = {} AND owner = {}",
        db.arg(1),
        db.arg(2),
        db.arg(3),
        db.arg(4)
    );
    sqlx::query(&sql)
        .bind(db.account().to_owned())
        .bind(window.report.table())
        .bind(window.key.clone())
        .bind(owner.to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Releases `window` without writing it (a failed or skipped fetch).
pub async fn release(db: &Db, window: &Window, owner: &str) -> Result<(), SyncError> {
    let mut tx = db.pool.begin().await?;
    release_in(&mut tx, db, window, owner).await?;
    tx.commit().await?;
    Ok(())
}

/// Releases every lease of `owner` (the end of a run that stopped early).
pub async fn release_all(db: &Db, owner: &str) -> Result<(), SyncError> {
    let sql = format!("DELETE FROM sync_leases WHERE owner = {}", db.arg(1));
    sqlx::query(&sql)
        .bind(owner.to_owned())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// How long the longest of the leases on `windows` has still to run (zero when none is held).
pub async fn longest_wait(db: &Db, windows: &[Window]) -> Result<Duration, SyncError> {
    let sql = format!(
        "SELECT expires_ms FROM sync_leases WHERE account = {} AND report = {} AND window_key = {}",
        db.arg(1),
        db.arg(2),
        db.arg(3)
    );
    let mut longest = 0_i64;
    for window in windows {
        let expires: Option<i64> = sqlx::query_scalar(&sql)
            .bind(db.account().to_owned())
            .bind(window.report.table())
            .bind(window.key.clone())
            .fetch_optional(&db.pool)
            .await?;
        longest = longest.max(expires.unwrap_or(0).saturating_sub(now_ms()));
    }
    Ok(Duration::from_millis(u64::try_from(longest).unwrap_or(0)))
}

/// Keeps `owner`'s leases from lapsing while the run goes on: extends them every third of
/// the lease time. Drop (abort) the task to stop.
pub fn heartbeat(db: Db, owner: String, lease: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = lease / 3;
        loop {
            tokio::time::sleep(every).await;
            let sql = format!(
                "UPDATE sync_leases SET expires_ms = {} WHERE owner = {}",
                db.arg(1),
                db.arg(2)
            );
            if let Err(err) = sqlx::query(&sql)
                .bind(later_ms(lease))
                .bind(owner.clone())
                .execute(&db.pool)
                .await
            {
                tracing::warn!(error = %err, "could not extend the window leases");
            }
        }
    })
}
