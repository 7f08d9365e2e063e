//! The model between reading a spec and emitting code: models (structs, enumerations,
//! aliases) and operations, with every Rust name, type and check already decided. The
//! reader ([`super::read`]) builds it; the emitters ([`super::emit`]) only read it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::docs::Doc;

/// A Rust type of a field, parameter or answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `i64`.
    Int,
    /// `bool`.
    Bool,
    /// `String`.
    Str,
    /// `Decimal` through `wire::Money`.
    Money,
    /// `Date` through `wire::IsoDate`.
    IsoDate,
    /// `Date` through `wire::UsDate`.
    UsDate,
    /// `Time` through `wire::ClockTime`.
    Clock,
    /// `OffsetDateTime` through `wire::Timestamp`.
    Timestamp,
    /// `practice_core::Secret`.
    Secret,
    /// `Vec<T>`.
    List(Box<Ty>),
    /// A generated struct.
    Struct(String),
    /// A generated alias of `OpenRecord`.
    Record(String),
    /// A generated enumeration.
    Enum(String, EnumRepr),
    /// `practice_core::wire::OpenRecord`.
    OpenRecord,
    /// `practice_core::serde_json::Value`.
    Json,
}

/// How an enumeration is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    /// As an integer code.
    Int,
    /// As a string.
    Str,
}

/// Everything generated for one spec.
#[derive(Debug)]
pub struct Api {
    /// The spec's title.
    pub title: String,
    /// The spec's version.
    pub version: String,
    /// Models in spec order (inline schemas hoisted next to their first use).
    pub models: Vec<Model>,
    /// Operations in spec order.
    pub operations: Vec<Operation>,
    /// Example records per struct name, from schema and response examples.
    pub examples: BTreeMap<String, Vec<Value>>,
}

impl Api {
    /// "X API", without doubling a title that already says "API".
    pub fn api_name(&self) -> String {
        let title = self.title.trim();
        if title
            .split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("api"))
        {
            title.to_owned()
        } else {
            format!("{title} API")
        }
    }
}

/// A generated model type.
#[derive(Debug)]
pub enum Model {
    /// A record.
    Struct(StructModel),
    /// An open enumeration.
    Enum(EnumModel),
    /// A type alias.
    Alias(AliasModel),
}

/// A record with named fields.
#[derive(Debug)]
pub struct StructModel {
    /// Rust name.
    pub name: String,
    /// Docs.
    pub doc: Doc,
    /// Fields in spec order.
    pub fields: Vec<Field>,
    /// `x-table-columns`: the wire names a table shows by default (empty: every field).
    pub table_columns: Vec<String>,
}

/// One field or parameter.
#[derive(Debug, Clone)]
pub struct Field {
    /// The wire name.
    pub wire: String,
    /// The Rust name (unescaped).
    pub rust: String,
    /// The type.
    pub ty: Ty,
    /// Required by the spec (only request fields use it).
    pub required: bool,
    /// Docs.
    pub doc: Doc,
    /// Whether the docs start with the spec's own description.
    pub described: bool,
    /// Client-side checks.
    pub checks: Checks,
}

/// Client-side checks from the spec's constraints.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// `x-max-digits`.
    pub max_digits: Option<u32>,
    /// `minimum` (inclusive) of an integer.
    pub minimum: Option<i64>,
    /// `maximum` (inclusive) of an integer.
    pub maximum: Option<i64>,
    /// `minLength` of a string.
    pub min_length: Option<usize>,
    /// `maxLength` of a string.
    pub max_length: Option<usize>,
    /// `x-required-with`: the wire name of the field that makes this one required.
    pub required_with: Option<String>,
}

/// An open enumeration.
#[derive(Debug)]
pub struct EnumModel {
    /// Rust name.
    pub name: String,
    /// Docs.
    pub doc: Doc,
    /// Wire representation.
    pub repr: EnumRepr,
    /// Known values in spec order.
    pub variants: Vec<Variant>,
}

/// A known value of an enumeration.
#[derive(Debug)]
pub struct Variant {
    /// Rust name.
    pub name: String,
    /// The wire value.
    pub value: EnumValue,
    /// The human label (`x-enum-names`, else the value).
    pub label: String,
}

/// A wire value of an enumeration.
#[derive(Debug)]
pub enum EnumValue {
    /// An integer code.
    Int(i64),
    /// A string.
    Str(String),
}

/// A type alias.
#[derive(Debug)]
pub struct AliasModel {
    /// Rust name.
    pub name: String,
    /// Docs.
    pub doc: Doc,
    /// The aliased type.
    pub ty: Ty,
}

/// Where a request field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A member of the JSON body object.
    Body,
    /// The whole JSON body.
    WholeBody,
}

/// A field of a request struct.
#[derive(Debug, Clone)]
pub struct RequestField {
    /// The field.
    pub field: Field,
    /// Where it goes.
    pub location: Location,
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// The `operationId` (or a name derived from method and path).
    pub name: String,
    /// Name of the metadata static.
    pub const_name: String,
    /// Name of the request struct.
    pub struct_name: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Docs.
    pub doc: Doc,
    /// `x-idempotent` (default: safe methods only).
    pub idempotent: bool,
    /// Whether the request carries the vendor's token.
    pub authenticated: bool,
    /// Path, query and body fields in spec order.
    pub fields: Vec<RequestField>,
    /// `x-exactly-one-of` groups of wire names.
    pub exactly_one: Vec<Vec<String>>,
    /// The decoded answer (`None`: no content).
    pub output: Option<Ty>,
    /// `x-payload`: the member of the answer's envelope that holds the output, if the
    /// answer is an envelope.
    pub payload: Option<String>,
    /// `x-range-rows`: what a date-range answer is made of (how its range may be cut).
    pub range_rows: Option<RangeRows>,
    /// `x-client-method`: a convenience method of the vendor's `Client` for this operation.
    pub client_method: Option<ClientMethod>,
}

/// `x-client-method`: a method of the vendor's `Client` that builds this operation's request
/// from `args` (or takes the request whole when `args` is empty) and executes it.
#[derive(Debug, Clone)]
pub struct ClientMethod {
    /// The method's name.
    pub name: String,
    /// Wire names of the fields the method takes as arguments, in order.
    pub args: Vec<String>,
    /// The method's docs: markdown written by this repository's maintainers (examples
    /// included, run as doctests), unlike the vendor's spec text.
    pub doc: String,
}

/// `x-range-rows`: how the rows of a date-range operation depend on its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeRows {
    /// A list of rows, each dated by this wire field: any window returns the rows dated in it.
    Dated(String),
    /// One row per calendar month the range overlaps (monthly aggregates).
    Monthly,
    /// The answer depends on the range as a whole.
    WholeRange,
}
