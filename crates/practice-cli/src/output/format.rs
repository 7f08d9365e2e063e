//! `--format`: the output formats.

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON array for lists, one object for a single record.
    Json,
    /// One record per line.
    Ndjson,
    /// A header row (documented fields in spec order, then the others), then one row per
    /// record.
    Csv,
    /// Aligned columns, for people.
    Table,
}
