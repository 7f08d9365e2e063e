//! The sync database's schema (`crates/practice-sync/src/generated/`) from the vendors' models:
//! one table per record kind, a typed column per documented scalar field (snake_case; money
//! exact; real dates and times), beside the record's JSON and where it came from. Written as
//! DDL for SQLite and PostgreSQL and as a Rust table of columns that the sync engine reads.

use std::fmt::Write as _;

use heck::ToSnakeCase;

use super::super::ir::{Api, EnumRepr, Model, RangeRows, StructModel, Ty};

/// One synced record kind: which vendor model fills the table and what identifies a record.
struct Kind {
    table: &'static str,
    vendor: &'static str,
    model: &'static str,
    /// The wire field that identifies a record; `None`: the report has no record id, and its
    /// rows are kept per fetched window.
    key: Option<&'static str>,
    /// The operation that fetches it: its `x-range-rows` says how its windows may be cut.
    operation: &'static str,
}

/// The record kinds, in table order. Which field is a record's id is not in the specs (the
/// vendors do not say), so it is decided here.
const KINDS: &[Kind] = &[
    Kind {
        table: "aloha_clients",
        vendor: "aloha",
        model: "Client",
        key: Some("clientId"),
        operation: "listClients",
    },
    Kind {
        table: "aloha_appointments",
        vendor: "aloha",
        model: "Appointment",
        key: Some("appointmentId"),
        operation: "listAppointments",
    },
    Kind {
        table: "aloha_billing_ledger",
        vendor: "aloha",
        model: "BillingLedgerEntry",
        key: Some("invoiceId"),
        operation: "listBillingLedger",
    },
    Kind {
        table: "aloha_client_authorizations",
        vendor: "aloha",
        model: "ClientAuthorization",
        key: None,
        operation: "listClientAuthorizations",
    },
    Kind {
        table: "aloha_authorizations_without_appointments",
        vendor: "aloha",
        model: "AuthorizationWithoutAppointments",
        key: None,
        operation: "listAuthorizationsWithoutAppointments",
    },
    Kind {
        table: "aerona_payments",
        vendor: "aerona",
        model: "Payment",
        key: Some("id"),
        operation: "searchPayments",
    },
    Kind {
        table: "aerona_invoices",
        vendor: "aerona",
        model: "Invoice",
        key: Some("id"),
        operation: "searchInvoices",
    },
    Kind {
        table: "aerona_patients",
        vendor: "aerona",
        model: "Patient",
        key: None,
        operation: "getPatient",
    },
];

/// A typed column: SQL name, wire name, the engine's conversion.
struct Column {
    name: String,
    wire: String,
    kind: &'static str,
}

/// The column kind the engine converts a field with, or `None` for fields kept only in
/// `record` (lists, nested records).
fn column_kind(ty: &Ty) -> Option<&'static str> {
    Some(match ty {
        Ty::Int | Ty::Enum(_, EnumRepr::Int) => "Integer",
        Ty::Bool => "Boolean",
        Ty::Str | Ty::Secret | Ty::Enum(_, EnumRepr::Str) => "Text",
        Ty::Money => "Money",
        Ty::IsoDate => "IsoDate",
        Ty::UsDate => "UsDate",
        Ty::Clock => "Clock",
        Ty::Timestamp => "Timestamp",
        Ty::List(_) | Ty::Struct(_) | Ty::Record(_) | Ty::OpenRecord | Ty::Json => return None,
    })
}

/// Columns every table has, before the typed ones; the engine fills them.
const BOOKKEEPING: &[&str] = &[
    "account",
    "row_key",
    "record",
    "window_key",
    "request",
    "fetched_at",
];

/// The two databases' DDL differ only in the types of their columns.
#[derive(Clone, Copy)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    const ALL: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgres];

    /// The generated file holding this dialect's DDL.
    fn file(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite.sql",
            Dialect::Postgres => "postgres.sql",
        }
    }

    /// The SQL type of a typed column of `kind` (SQLite keeps money, dates and times as text).
    fn column_type(self, kind: &str) -> &'static str {
        match (self, kind) {
            (Dialect::Sqlite, "Integer" | "Boolean") => "INTEGER",
            (Dialect::Sqlite, _) => "TEXT",
            (Dialect::Postgres, "Integer") => "BIGINT",
            (Dialect::Postgres, "Boolean") => "BOOLEAN",
            (Dialect::Postgres, "Money") => "NUMERIC",
            (Dialect::Postgres, "IsoDate" | "UsDate") => "DATE",
            (Dialect::Postgres, "Clock") => "TIME",
            (Dialect::Postgres, "Timestamp") => "TIMESTAMPTZ",
            (Dialect::Postgres, _) => "TEXT",
        }
    }

    /// The type of the stamps the engine writes (`fetched_at`, `received_at`).
    fn stamp(self) -> &'static str {
        self.column_type("Timestamp")
    }
}

fn columns(model: &StructModel, key: Option<&str>) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::new();
    for field in &model.fields {
        let Some(kind) = column_kind(&field.ty) else {
            continue;
        };
        let mut name = field.rust.to_snake_case();
        // Never shadow a bookkeeping column; `id` says less than the table's own id.
        if BOOKKEEPING.contains(&name.as_str())
            || (Some(field.wire.as_str()) == key && name == "id")
        {
            name = format!("{}_{name}", model.name.to_snake_case());
        }
        if out.iter().any(|c| c.name == name) {
            continue;
        }
        out.push(Column {
            name,
            wire: field.wire.clone(),
            kind,
        });
    }
    out
}

fn find_model<'a>(apis: &'a [(String, Api)], kind: &Kind) -> Result<&'a StructModel, String> {
    let api = apis
        .iter()
        .find(|(vendor, _)| vendor == kind.vendor)
        .map(|(_, api)| api)
        .ok_or_else(|| format!("no spec for vendor {}", kind.vendor))?;
    api.models
        .iter()
        .find_map(|m| match m {
            Model::Struct(s) if s.name == kind.model => Some(s),
            _ => None,
        })
        .ok_or_else(|| {
            format!(
                "{}: no model {} for {}",
                kind.vendor, kind.model, kind.table
            )
        })
}

/// The engine's `RangeRows` of `kind`, from its operation's `x-range-rows`: a dated field
/// must be a typed date or timestamp column of the table.
fn range_rows(apis: &[(String, Api)], kind: &Kind, columns: &[Column]) -> Result<String, String> {
    let op = apis
        .iter()
        .filter(|(vendor, _)| vendor == kind.vendor)
        .flat_map(|(_, api)| &api.operations)
        .find(|op| op.name == kind.operation)
        .ok_or_else(|| format!("{}: no operation {}", kind.table, kind.operation))?;
    Ok(match &op.range_rows {
        None => "RangeRows::None".to_owned(),
        Some(RangeRows::Monthly) | Some(RangeRows::WholeRange) => "RangeRows::PerMonth".to_owned(),
        Some(RangeRows::Dated(field)) => {
            let dated = columns
                .iter()
                .any(|c| c.wire == *field && matches!(c.kind, "UsDate" | "IsoDate" | "Timestamp"));
            if !dated {
                return Err(format!(
                    "{}: `x-range-rows` of {} names {field}, which is not a date field of {}",
                    kind.table, kind.operation, kind.model
                ));
            }
            format!("RangeRows::Dated {{ field: {field:?} }}")
        }
    })
}

fn ddl(table: &str, columns: &[Column], dialect: Dialect) -> String {
    let mut sql = format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n    account TEXT NOT NULL,\n    row_key TEXT NOT NULL,\n    record TEXT NOT NULL,\n    window_key TEXT NOT NULL,\n    request TEXT NOT NULL,\n    fetched_at {} NOT NULL",
        dialect.stamp()
    );
    for c in columns {
        let _ = write!(sql, ",\n    {} {}", c.name, dialect.column_type(c.kind));
    }
    // One database holds many accounts, whose record ids may be equal: the account is part
    // of every row's identity and leads the window index (each run reads its own windows).
    sql.push_str(",\n    PRIMARY KEY (account, row_key)\n);\n");
    let _ = writeln!(
        sql,
        "CREATE INDEX IF NOT EXISTS {table}_window ON {table} (account, window_key);"
    );
    sql
}

/// The webhook events table: not a vendor model (the payload is undocumented), so its
/// columns are fixed: the delivery's identity, when it arrived, and the body as received.
fn webhook_ddl(dialect: Dialect) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS aerona_webhook_events (\n    delivery_key TEXT PRIMARY KEY,\n    record TEXT NOT NULL,\n    event TEXT,\n    received_at {} NOT NULL\n);\n",
        dialect.stamp()
    )
}

/// One dialect's whole DDL file: every table in order, then the webhook events.
fn schema(header: &str, tables: &[(&Kind, Vec<Column>, String)], dialect: Dialect) -> String {
    let mut sql = header.replacen("//", "--", 1);
    for (kind, columns, _) in tables {
        sql.push('\n');
        sql.push_str(&ddl(kind.table, columns, dialect));
    }
    sql.push('\n');
    sql.push_str(&webhook_ddl(dialect));
    sql
}

/// The files of `crates/practice-sync/src/generated/`: `mod.rs` (the tables as data),
/// `sqlite.sql` and `postgres.sql`.
pub fn files(apis: &[(String, Api)], header: &str) -> Result<Vec<(&'static str, String)>, String> {
    let mut tables = Vec::new();
    for kind in KINDS {
        let model = find_model(apis, kind)?;
        let cols = columns(model, kind.key);
        if let Some(key) = kind.key
            && !cols.iter().any(|c| c.wire == key)
        {
            return Err(format!(
                "{}: the key {key} is not a typed field",
                kind.table
            ));
        }
        let rows = range_rows(apis, kind, &cols)?;
        tables.push((kind, cols, rows));
    }
    let mut rust = String::from(header);
    rust.push_str(
        "\n//! The sync tables, generated from the vendors' OpenAPI specs: their typed columns \
         and the DDL for each dialect.\n\nuse crate::schema::{Column, ColumnKind, RangeRows, Table};\n\n\
         /// The DDL of every table for SQLite.\npub const SQLITE: &str = include_str!(\"sqlite.sql\");\n\n\
         /// The DDL of every table for PostgreSQL.\npub const POSTGRES: &str = include_str!(\"postgres.sql\");\n\n\
         /// Every synced record kind, in table order.\npub const TABLES: &[Table] = &[\n",
    );
    for (kind, cols, rows) in &tables {
        let _ = writeln!(
            rust,
            "    Table {{ name: {:?}, vendor: {:?}, key: {:?}, rows: {rows}, columns: &[",
            kind.table, kind.vendor, kind.key
        );
        for c in cols {
            let _ = writeln!(
                rust,
                "        Column {{ name: {:?}, wire: {:?}, kind: ColumnKind::{} }},",
                c.name, c.wire, c.kind
            );
        }
        rust.push_str("    ] },\n");
    }
    rust.push_str("];\n");
    let mut files = vec![("mod.rs", super::super::rustfmt(&rust)?)];
    files.extend(
        Dialect::ALL
            .iter()
            .map(|&dialect| (dialect.file(), schema(header, &tables, dialect))),
    );
    Ok(files)
}
