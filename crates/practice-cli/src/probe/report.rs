//! The probe's findings and how they are written: a readable report on a terminal, one JSON
//! object otherwise. Evidence names types, shapes, statuses and counts only.

use std::io::Write;

use serde::Serialize;

use super::fields::FieldFinding;

/// A verdict on one assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// What was seen agrees with it.
    Held,
    /// What was seen disagrees with it.
    Contradicted,
    /// A read-only request cannot test it, or nothing was seen to test it with.
    Untested,
}

/// One assumption's verdict and why.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The register's id, e.g. `A1`.
    pub id: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// What was seen: types, shapes, statuses and counts.
    pub evidence: String,
    /// What the assumption says (terminal report only).
    #[serde(skip)]
    pub what: &'static str,
}

/// A change that makes things work: a variable to set, or a spec correction.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// The assumption or field it answers, e.g. `A16` or `Client.officeId`.
    pub about: String,
    /// The variable to set, when a setting fixes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
    /// What to do, in words.
    pub action: String,
}

/// Everything the probe found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `aloha` or `aerona`.
    pub vendor: &'static str,
    /// The base URL probed.
    pub base_url: String,
    /// Requests sent, logins included.
    pub requests: usize,
    /// One verdict per assumption of this vendor.
    pub assumptions: Vec<Finding>,
    /// Fields whose type or format differs from the spec, and fields it lacks.
    pub fields: Vec<FieldFinding>,
    /// What to do about it.
    pub fixes: Vec<Fix>,
}

impl Report {
    /// Whether something the spec says was contradicted (exit 1): an assumption, or a field's
    /// type or format. A field the spec lacks alone is not.
    pub fn contradicted(&self) -> bool {
        self.assumptions
            .iter()
            .any(|a| a.verdict == Verdict::Contradicted)
            || self.fields.iter().any(FieldFinding::is_mismatch)
    }

    /// The JSON object.
    pub fn write_json(&self, out: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// The readable report.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "{} probe of {} ({} requests)",
            self.vendor, self.base_url, self.requests
        )?;
        writeln!(out)?;
        writeln!(out, "Assumptions:")?;
        for a in &self.assumptions {
            let verdict = match a.verdict {
                Verdict::Held => "held",
                Verdict::Contradicted => "CONTRADICTED",
                Verdict::Untested => "untested",
            };
            writeln!(out, "  {:<4} {:<12} {}", a.id, verdict, a.what)?;
            writeln!(out, "       {:<12} {}", "", a.evidence)?;
        }
        writeln!(out)?;
        if self.fields.is_empty() {
            writeln!(out, "Fields: every field seen matches the spec.")?;
        } else {
            writeln!(out, "Fields that differ from the spec or that it lacks:")?;
            for f in &self.fields {
                writeln!(
                    out,
                    "  {}.{}: documented {}, seen {} in {} row(s)",
                    f.schema, f.field, f.documented, f.seen, f.count
                )?;
            }
        }
        writeln!(out)?;
        if self.fixes.is_empty() {
            writeln!(out, "Nothing to do.")?;
        } else {
            writeln!(out, "What to do:")?;
            for fix in &self.fixes {
                match &fix.set {
                    Some(set) => writeln!(out, "  {}: set {} ({})", fix.about, set, fix.action)?,
                    None => writeln!(out, "  {}: {}", fix.about, fix.action)?,
                }
            }
        }
        writeln!(out)?;
        writeln!(
            out,
            "Send us the output of the same command with --format json: it holds no record values."
        )
    }
}
