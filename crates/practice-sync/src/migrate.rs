//! The schema's creation and additive migration, including the move of a database written
//! before accounts to the `account`-keyed tables.

use sqlx::{Connection as _, Row as _};

use crate::db::{DEFAULT_ACCOUNT, Db, Dialect};
use crate::error::SyncError;
use crate::generated::{POSTGRES, SQLITE, TABLES};

/// Bookkeeping tables: the schema's version, which windows are covered, who fetches what.
const BOOKKEEPING: &str = "
CREATE TABLE IF NOT EXISTS sync_schema (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_coverage (
    account TEXT NOT NULL,
    report TEXT NOT NULL,
    window_key TEXT NOT NULL,
    window_from TEXT,
    window_to TEXT,
    fetched_at TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    PRIMARY KEY (account, report, window_key)
);
CREATE TABLE IF NOT EXISTS sync_leases (
    account TEXT NOT NULL,
    report TEXT NOT NULL,
    window_key TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_ms BIGINT NOT NULL,
    PRIMARY KEY (account, report, window_key)
);
";

/// The bookkeeping tables keyed per account, and the key they had before accounts.
const ACCOUNT_BOOKKEEPING: [&str; 2] = ["sync_coverage", "sync_leases"];

/// The name a table written before accounts has while its rows are copied into its new form
/// (SQLite cannot change a primary key in place).
fn premigration(table: &str) -> String {
    format!("{table}__single_account")
}

impl Db {
    /// Creates what is missing and adds columns a newer spec documents. Idempotent; in
    /// PostgreSQL serialised by an advisory lock so that a fleet starting at once migrates
    /// once.
    pub(crate) async fn migrate(&self) -> Result<(), SyncError> {
        let mut conn = self.pool.acquire().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_lock(719019)")
                .execute(&mut *conn)
                .await?;
        }
        let result = self.migrate_on(&mut conn).await;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_unlock(719019)")
                .execute(&mut *conn)
                .await?;
        }
        result
    }

    async fn migrate_on(&self, conn: &mut sqlx::AnyConnection) -> Result<(), SyncError> {
        let ddl = match self.dialect {
            Dialect::Sqlite => SQLITE,
            Dialect::Postgres => POSTGRES,
        };
        let digest = format!("{:016x}", fnv64(ddl));
        let current: Option<String> = sqlx::query("SELECT digest FROM sync_schema WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .ok()
            .flatten()
            .and_then(|row| row.try_get::<String, _>(0).ok());
        if current.as_deref() == Some(digest.as_str()) {
            return Ok(());
        }
        // One transaction: a database is migrated whole or not at all (both dialects' DDL
        // is transactional), so a killed migration leaves the old schema and its rows.
        // SQLite: IMMEDIATE takes the write lock at once, so that processes migrating together
        // take turns (busy_timeout) instead of one failing on a read lock it cannot upgrade.
        let mut tx = match self.dialect {
            Dialect::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => conn.begin().await?,
        };
        let mut rebuilt = Vec::new();
        let names = ACCOUNT_BOOKKEEPING
            .into_iter()
            .chain(TABLES.iter().map(|t| t.name));
        for table in names {
            let have = self.typed_columns_of(&mut tx, table).await?;
            if have.is_empty() || have.iter().any(|(c, _)| c == "account") {
                continue;
            }
            self.add_account(&mut tx, table).await?;
            if self.dialect == Dialect::Sqlite {
                rebuilt.push((table, have));
            }
        }
        for statement in statements(BOOKKEEPING).chain(statements(ddl)) {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        for table in TABLES {
            let have = self.columns_of(&mut tx, table.name).await?;
            for column in table.columns {
                if !have.iter().any(|c| c == column.name) {
                    let ty = self.dialect.sql_type(column.kind);
                    let sql = format!("ALTER TABLE {} ADD COLUMN {} {ty}", table.name, column.name);
                    sqlx::query(&sql).execute(&mut *tx).await?;
                }
            }
        }
        for (table, old) in rebuilt {
            self.copy_back(&mut tx, table, &old).await?;
        }
        let upsert = format!(
            "INSERT INTO sync_schema (id, digest) VALUES (1, {}) ON CONFLICT (id) DO UPDATE SET digest = excluded.digest",
            self.arg(1)
        );
        sqlx::query(&upsert).bind(digest).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes `table`, written before accounts, `account`-keyed, its rows [`DEFAULT_ACCOUNT`]'s.
    /// PostgreSQL alters it in place. SQLite cannot change a primary key: the table is set
    /// aside under [`premigration`] (its index dropped, so the new one can take the name),
    /// created anew by the DDL, and [`Db::copy_back`] moves the rows over.
    async fn add_account(
        &self,
        conn: &mut sqlx::AnyConnection,
        table: &str,
    ) -> Result<(), SyncError> {
        let old_key = if ACCOUNT_BOOKKEEPING.contains(&table) {
            "report, window_key"
        } else {
            "row_key"
        };
        let statements = match self.dialect {
            Dialect::Sqlite => vec![
                format!("ALTER TABLE {table} RENAME TO {}", premigration(table)),
                format!("DROP INDEX IF EXISTS {table}_window"),
            ],
            Dialect::Postgres => {
                let primary: Option<String> = sqlx::query_scalar(
                    "SELECT conname::text FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'",
                )
                .bind(table)
                .fetch_optional(&mut *conn)
                .await?;
                let mut out = vec![
                    format!(
                        "ALTER TABLE {table} ADD COLUMN account TEXT NOT NULL DEFAULT '{DEFAULT_ACCOUNT}'"
                    ),
                    format!("ALTER TABLE {table} ALTER COLUMN account DROP DEFAULT"),
                ];
                if let Some(primary) = primary {
                    out.push(format!("ALTER TABLE {table} DROP CONSTRAINT {primary}"));
                }
                out.push(format!(
                    "ALTER TABLE {table} ADD PRIMARY KEY (account, {old_key})"
                ));
                // Recreated by the DDL over (account, window_key).
                out.push(format!("DROP INDEX IF EXISTS {table}_window"));
                out
            }
        };
        for sql in statements {
            sqlx::query(&sql).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// SQLite: the rows of the set-aside `table` (columns `old`) into its new form, as
    /// [`DEFAULT_ACCOUNT`]'s. A column the new DDL no longer has (a renamed field) is kept,
    /// with its old type, as the additive migration keeps such columns.
    async fn copy_back(
        &self,
        conn: &mut sqlx::AnyConnection,
        table: &str,
        old: &[(String, String)],
    ) -> Result<(), SyncError> {
        let have = self.columns_of(conn, table).await?;
        for (column, ty) in old {
            if !have.contains(column) {
                let sql = format!("ALTER TABLE {table} ADD COLUMN {column} {ty}");
                sqlx::query(&sql).execute(&mut *conn).await?;
            }
        }
        let columns = old
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let from = premigration(table);
        let copy = format!(
            "INSERT INTO {table} (account, {columns}) SELECT '{DEFAULT_ACCOUNT}', {columns} FROM {from}"
        );
        sqlx::query(&copy).execute(&mut *conn).await?;
        sqlx::query(&format!("DROP TABLE {from}"))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn columns_of(
        &self,
        conn: &mut sqlx::AnyConnection,
        table: &str,
    ) -> Result<Vec<String>, SyncError> {
        Ok(self
            .typed_columns_of(conn, table)
            .await?
            .into_iter()
            .map(|(name, _)| name)
            .collect())
    }

    /// The columns of `table` with their SQL types; empty when there is no such table.
    async fn typed_columns_of(
        &self,
        conn: &mut sqlx::AnyConnection,
        table: &str,
    ) -> Result<Vec<(String, String)>, SyncError> {
        let rows = match self.dialect {
            Dialect::Sqlite => {
                // Table names come from the generated list, never from input.
                sqlx::query(&format!(
                    "SELECT name, type FROM pragma_table_info('{table}')"
                ))
                .fetch_all(&mut *conn)
                .await?
            }
            Dialect::Postgres => {
                sqlx::query(
                    "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(table)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        Ok(rows
            .iter()
            .filter_map(|row| Some((row.try_get(0).ok()?, row.try_get(1).ok()?)))
            .collect())
    }
}

/// The statements of a DDL text, comments dropped.
fn statements(ddl: &str) -> impl Iterator<Item = &str> {
    ddl.split(";\n")
        .map(|s| s.trim().trim_end_matches(';'))
        .filter(|s| {
            s.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
        })
}

/// FNV-1a: a stable digest of the schema text, so a changed spec is noticed.
fn fnv64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
