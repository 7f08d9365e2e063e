//! The parsing of command-line values shared by the commands: dates, ranges and ids.

use practice_core::time::Date;
use practice_core::{DateRange, wire::IsoDate};

use crate::args::Range;
use crate::exit::Failure;

pub fn date(flag: &str, text: &str) -> Result<Date, Failure> {
    IsoDate::parse(text)
        .map_err(|_| Failure::input(format!("{flag} {text:?} is not a date as YYYY-MM-DD")))
}

pub fn range(r: &Range) -> Result<DateRange, Failure> {
    let range = DateRange::new(date("--from", &r.from)?, date("--to", &r.to)?);
    range.map_err(|e| Failure::input(e.message().to_owned()))
}

pub fn id(flag: &str, text: &str) -> Result<i64, Failure> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| Failure::input(format!("{flag} {text:?} is not a number")))?;
    if value < 0 {
        return Err(Failure::input(format!(
            "{flag} {text:?} must not be negative"
        )));
    }
    Ok(value)
}

pub fn opt_id(flag: &str, text: &Option<String>) -> Result<Option<i64>, Failure> {
    text.as_deref().map(|t| id(flag, t)).transpose()
}
