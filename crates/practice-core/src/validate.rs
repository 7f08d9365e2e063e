//! Client-side checks from the specs' constraints, collected into one
//! [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) error before anything is
//! sent.

use crate::error::Error;

/// One failed client-side check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The parameter or field, by its wire name.
    pub field: &'static str,
    /// What is wrong, in words.
    pub problem: String,
}

/// Collects client-side validation failures and turns them into one
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) error.
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<Violation>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failed check.
    pub fn fail(&mut self, field: &'static str, problem: impl Into<String>) {
        self.violations.push(Violation {
            field,
            problem: problem.into(),
        });
    }

    /// Requires a value to be present.
    pub fn require<T>(&mut self, field: &'static str, value: &Option<T>) {
        if value.is_none() {
            self.fail(field, "is required");
        }
    }

    /// Requires a string path parameter to be usable as one segment of the URL path: not
    /// empty, `.` or `..`, which would address another resource (percent-encoding keeps
    /// every other value inside its segment).
    pub fn path_segment(&mut self, field: &'static str, value: &str) {
        if matches!(value, "" | "." | "..") {
            self.fail(
                field,
                format!("must not be {value:?}: it is one segment of the URL path"),
            );
        }
    }

    /// Requires an integer to have at most `digits` decimal digits (sign not counted).
    pub fn max_digits(&mut self, field: &'static str, value: Option<i64>, digits: u32) {
        if let Some(v) = value
            && v.unsigned_abs() >= 10u64.saturating_pow(digits)
        {
            self.fail(field, format!("must have at most {digits} digits, got {v}"));
        }
    }

    /// Requires exactly one of a group of optional parameters.
    pub fn exactly_one(&mut self, fields: &[(&'static str, bool)]) {
        let given = fields.iter().filter(|(_, present)| *present).count();
        if given != 1 {
            let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
            let field = fields.first().map(|(n, _)| *n).unwrap_or("");
            self.fail(
                field,
                format!(
                    "exactly one of {} must be given, got {given}",
                    names.join(", ")
                ),
            );
        }
    }

    /// Requires `field` when `trigger` is present.
    pub fn required_with(
        &mut self,
        field: &'static str,
        present: bool,
        trigger: &'static str,
        trigger_present: bool,
    ) {
        if trigger_present && !present {
            self.fail(field, format!("is required when {trigger} is given"));
        }
    }

    /// The failures so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// `Ok` when every check passed, else one error listing every failure.
    pub fn finish(self, operation: &'static str) -> Result<(), Error> {
        if self.violations.is_empty() {
            return Ok(());
        }
        let text = self
            .violations
            .iter()
            .map(|v| format!("`{}` {}", v.field, v.problem))
            .collect::<Vec<_>>()
            .join("; ");
        Err(Error::invalid_request(text).with_operation(operation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Dispatch, ErrorKind};

    #[test]
    fn validator_collects_every_violation() {
        let mut v = Validator::new();
        v.max_digits("appointmentId", Some(123_456_789_012), 11);
        v.max_digits("duration", Some(999_999), 6);
        v.exactly_one(&[("clinicianId", true), ("clinicianTypeId", true)]);
        v.required_with("practiceId", false, "clinicianTypeId", true);
        let err = v.finish("findAppointmentSlots").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert_eq!(err.dispatch(), Dispatch::NotSent);
        let text = err.to_string();
        assert!(
            text.starts_with("findAppointmentSlots: invalid request"),
            "{text}"
        );
        assert!(
            text.contains("`appointmentId` must have at most 11 digits"),
            "{text}"
        );
        assert!(!text.contains("duration"), "999999 has six digits: {text}");
        assert!(
            text.contains("exactly one of clinicianId, clinicianTypeId"),
            "{text}"
        );
        assert!(
            text.contains("`practiceId` is required when clinicianTypeId is given"),
            "{text}"
        );
    }

    #[test]
    fn path_segments_that_would_address_another_resource_are_refused() {
        for bad in ["", ".", ".."] {
            let mut v = Validator::new();
            v.path_segment("noteId", bad);
            let err = v.finish("getNote").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad:?}");
            assert!(err.to_string().contains("`noteId` must not be"), "{err}");
        }
        let mut v = Validator::new();
        for good in ["a", "...", "a.b", "../x", " "] {
            v.path_segment("noteId", good);
        }
        assert!(
            v.finish("getNote").is_ok(),
            "percent-encoding keeps these in one segment"
        );
    }
}
