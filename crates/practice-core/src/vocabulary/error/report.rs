//! How an [`Error`] reads: `Display` is one line; `Debug` adds the `caused by:` lines of its
//! source chain, and no field dump.

use std::fmt;

use super::{Cause, Error};

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = self.inner.operation {
            write!(f, "{op}: ")?;
        }
        f.write_str(self.inner.kind.describe())?;
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if !self.inner.message.is_empty() {
            write!(f, ": {}", self.inner.message)?;
        }
        for m in &self.inner.vendor_messages {
            match &m.name {
                Some(name) => write!(f, "; {name}: {}", m.message)?,
                None => write!(f, "; {}", m.message)?,
            }
        }
        if let Some(d) = &self.inner.decode {
            write!(f, " at `{}`", d.path)?;
            if let Some(row) = d.row {
                write!(f, " (row {row})")?;
            }
        }
        if let Some(at) = self.inner.retry_at {
            let at = at
                .replace_nanosecond(0)
                .unwrap_or(at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            write!(f, "; retry at {at}")?;
        }
        Ok(())
    }
}

/// The `Display` line, then one `caused by:` line per error of the source chain (causes that
/// repeat the line above them are left out). No field dump: nothing here that `Display` does
/// not show, so no secret and no body excerpt.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        for cause in chain(self) {
            write!(f, "\ncaused by: {cause}")?;
        }
        Ok(())
    }
}

/// The texts of `err`'s causes, outermost first, without the ones that only repeat the text
/// above them (a wrapper that displays its inner error). For reports: the CLI prints them as
/// `caused by:` lines.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut above = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && text != above && !above.ends_with(&format!(": {text}")) {
            out.push(text.clone());
        }
        above = text;
        next = cause.source();
    }
    out
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.source {
            Cause::None => None,
            Cause::Own(source) => Some(source.as_ref() as &(dyn std::error::Error + 'static)),
            Cause::SameAs(shared) => std::error::Error::source(shared.as_ref()),
        }
    }
}
