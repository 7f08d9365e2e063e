//! The database: connecting to SQLite or PostgreSQL through sqlx's `Any` driver, the SQL
//! that differs between the two (the schema's creation and migration: [`crate::migrate`]).

use std::sync::Arc;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

use crate::error::SyncError;
use crate::schema::ColumnKind;

/// Which SQL the database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (embedded, bundled).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// The SQL type of a `kind` column in this dialect, as the generated DDL declares it (the
    /// migration adds new columns with it; PostgreSQL placeholders are cast to it).
    pub fn sql_type(self, kind: ColumnKind) -> &'static str {
        match (self, kind) {
            (Dialect::Sqlite, ColumnKind::Integer | ColumnKind::Boolean) => "INTEGER",
            (Dialect::Sqlite, _) => "TEXT",
            (Dialect::Postgres, ColumnKind::Integer) => "BIGINT",
            (Dialect::Postgres, ColumnKind::Boolean) => "BOOLEAN",
            (Dialect::Postgres, ColumnKind::Text) => "TEXT",
            (Dialect::Postgres, ColumnKind::Money) => "NUMERIC",
            (Dialect::Postgres, ColumnKind::IsoDate | ColumnKind::UsDate) => "DATE",
            (Dialect::Postgres, ColumnKind::Clock) => "TIME",
            (Dialect::Postgres, ColumnKind::Timestamp) => "TIMESTAMPTZ",
        }
    }
}

/// The account of a single-account run ([`crate::sync`], `practice sync aloha`), and the
/// account the rows of a database written before accounts existed are given.
pub const DEFAULT_ACCOUNT: &str = "default";

/// A connected database, seen as one account's: every row, coverage entry and lease it reads
/// or writes is that account's ([`Db::for_account`]; [`DEFAULT_ACCOUNT`] from
/// [`Db::connect`]). Clones share the pool.
#[derive(Debug, Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    pub(crate) account: Arc<str>,
}

impl Db {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`, and creates or
    /// migrates the schema. A SQLite file that cannot be opened or created is invalid input
    /// naming the path and why (a missing folder, no permission).
    pub async fn connect(url: &str) -> Result<Db, SyncError> {
        let (dialect, url, path) = parse(url)?;
        if let Some(path) = &path {
            check_folder(path)?;
        }
        Db::open(dialect, &url)
            .await
            .map_err(|err| match (&path, err) {
                (Some(path), SyncError::Database(err)) => SyncError::Input(format!(
                    "--db: cannot open or create the SQLite database {path}: {err}"
                )),
                (_, err) => err,
            })
    }

    /// As [`Db::connect`] for a plan only (`--dry-run`): a SQLite file that does not exist
    /// is not created, nor are the tables of a PostgreSQL database that has never been
    /// synced; either plan is made against an empty database in memory instead, since
    /// nothing is covered yet.
    pub async fn connect_for_plan(url: &str) -> Result<Db, SyncError> {
        match parse(url)? {
            (Dialect::Sqlite, _, Some(path)) if !std::path::Path::new(&path).exists() => {
                Db::open(Dialect::Sqlite, "sqlite::memory:").await
            }
            (Dialect::Postgres, url, _) if !synced_before(&url).await? => {
                Db::open(Dialect::Sqlite, "sqlite::memory:").await
            }
            _ => Db::connect(url).await,
        }
    }

    /// Closes the pool, waiting for its connections to end: SQLite then folds its `-wal`
    /// file back into the database and removes it.
    pub async fn close(&self) {
        // sqlx 0.8's `close` pops the idle connections, then waits for the checked-out ones'
        // permits; one that was being returned when it began (a query just ended) is pushed
        // back to the idle queue after the last pop and stays open, and with it the `-wal`
        // file (seen about one run in six under load). A second pass closes what slipped
        // back; `size` counts every connection still open.
        for _ in 0..4 {
            self.pool.close().await;
            if self.pool.size() == 0 {
                break;
            }
        }
    }

    async fn open(dialect: Dialect, url: &str) -> Result<Db, SyncError> {
        // One SQLite connection: its writers take turns anyway, and one never waits on itself.
        let connections = match dialect {
            Dialect::Sqlite => 1,
            Dialect::Postgres => 8,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL: a killed process loses no committed window, and commits need
                        // no full fsync each; readers do not block the writer.
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA busy_timeout = 10000",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let db = Db {
            pool,
            dialect,
            account: Arc::from(DEFAULT_ACCOUNT),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The same database seen as `account`'s: its rows, coverage and leases only, apart from
    /// every other account's even where record ids are equal. The pool is shared.
    pub fn for_account(&self, account: &str) -> Db {
        Db {
            account: Arc::from(account),
            ..self.clone()
        }
    }

    /// The account this handle reads and writes.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Which SQL the database speaks.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The pool, for callers that read the tables themselves.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The `n`th (1-based) placeholder.
    pub(crate) fn arg(&self, n: usize) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// The `n`th placeholder for a column of `kind`: PostgreSQL is handed text or numbers and
    /// casts them to the column's type.
    pub(crate) fn typed_arg(&self, n: usize, kind: ColumnKind) -> String {
        let arg = self.arg(n);
        if self.dialect == Dialect::Sqlite {
            return arg;
        }
        format!("{arg}::{}", Dialect::Postgres.sql_type(kind))
    }

    /// A placeholder for a `fetched_at`/`received_at` timestamp given as RFC 3339 text.
    pub(crate) fn stamp_arg(&self, n: usize) -> String {
        match self.dialect {
            Dialect::Sqlite => self.arg(n),
            Dialect::Postgres => format!("${n}::timestamptz"),
        }
    }
}

/// The dialect, the URL to connect to, and for SQLite the file's path.
/// Whether the PostgreSQL database at `url` holds the sync's coverage table, read without
/// creating anything.
async fn synced_before(url: &str) -> Result<bool, SyncError> {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await?;
    let found: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = 'sync_coverage'",
    )
    .fetch_one(&pool)
    .await;
    pool.close().await;
    Ok(found? > 0)
}

fn parse(url: &str) -> Result<(Dialect, String, Option<String>), SyncError> {
    install_default_drivers();
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        if path.is_empty() {
            return Err(SyncError::Input("--db sqlite:// needs a file path".into()));
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        let file = path.split('?').next().unwrap_or(path).to_owned();
        Ok((
            Dialect::Sqlite,
            format!("sqlite://{path}{sep}mode=rwc"),
            Some(file),
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Dialect::Postgres, url.to_owned(), None))
    } else {
        Err(SyncError::Input(
            "--db must be sqlite://PATH or postgres://…".into(),
        ))
    }
}

/// A SQLite file's folder must exist: SQLite creates the file, never the folder.
fn check_folder(path: &str) -> Result<(), SyncError> {
    let folder = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    match folder {
        Some(folder) if !folder.is_dir() => Err(SyncError::Input(format!(
            "--db: cannot create the SQLite database {path}: the folder {} does not exist",
            folder.display()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migration adds columns with `sql_type`: it must be the type the generated DDL
    /// gives every typed column, in both dialects.
    #[test]
    fn sql_types_are_those_of_the_generated_ddl() {
        for (dialect, ddl) in [
            (Dialect::Sqlite, crate::generated::SQLITE),
            (Dialect::Postgres, crate::generated::POSTGRES),
        ] {
            for table in crate::generated::TABLES {
                let body = ddl
                    .split(&format!("CREATE TABLE IF NOT EXISTS {} (\n", table.name))
                    .nth(1)
                    .and_then(|rest| rest.split("\n);").next())
                    .unwrap_or_else(|| panic!("{dialect:?}: no table {}", table.name));
                for column in table.columns {
                    let line = format!("    {} {}", column.name, dialect.sql_type(column.kind));
                    assert!(
                        body.lines().any(|l| l.trim_end_matches(',') == line),
                        "{dialect:?} {}: {line:?}",
                        table.name
                    );
                }
            }
        }
    }
}
