//! Settings from environment variables, as the vendor crates' `Client::from_env` and the
//! `practice` CLI read them: a blank value counts as unset, and an error names every variable
//! that is missing or empty, never a value.

use crate::error::Error;

/// Variables looked up through a function, so that tests need not change the process
/// environment (which edition 2024 makes `unsafe`).
pub struct Vars<F> {
    lookup: F,
}

/// The lookup is a function: its values (credentials among them) are never shown.
impl<F> std::fmt::Debug for Vars<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vars").finish_non_exhaustive()
    }
}

/// Looks a variable up in this process's environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Variables from a fixed list of `(name, value)` pairs instead of the process environment
/// (tests, settings read from elsewhere); the first pair with a name gives its value.
pub fn from_pairs(pairs: &[(&str, &str)]) -> Vars<impl Fn(&str) -> Option<String> + use<>> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    Vars::new(move |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.clone())
    })
}

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    /// Variables answered by `lookup` (for the process: [`process_env`]).
    pub fn new(lookup: F) -> Self {
        Vars { lookup }
    }

    /// The value of `name`, or `None` when it is unset or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// The values of `names`, or a configuration error naming each one that is unset or empty.
    pub fn required<const N: usize>(&self, names: [&str; N]) -> Result<[String; N], Error> {
        let mut values = Vec::with_capacity(N);
        let (mut unset, mut empty) = (Vec::new(), Vec::new());
        for name in names {
            match (self.lookup)(name) {
                None => unset.push(name),
                Some(value) if value.trim().is_empty() => empty.push(name),
                Some(value) => values.push(value),
            }
        }
        let mut problems = Vec::new();
        for (names, state) in [(unset, "set"), (empty, "empty")] {
            if names.is_empty() {
                continue;
            }
            let verb = match (names.len(), state) {
                (1, "set") => "is not set",
                (_, "set") => "are not set",
                (1, _) => "is empty",
                _ => "are empty",
            };
            problems.push(format!("{} {verb}", names.join(" and ")));
        }
        if !problems.is_empty() {
            return Err(Error::configuration(problems.join(", and ")));
        }
        values
            .try_into()
            .map_err(|_| Error::configuration("the environment changed while it was read"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn vars(pairs: &[(&'static str, &'static str)]) -> Vars<impl Fn(&str) -> Option<String>> {
        from_pairs(pairs)
    }

    #[test]
    fn every_missing_or_empty_variable_is_named_and_no_value_is() {
        let err = vars(&[("B", " "), ("C", "hunter2")])
            .required(["A", "B", "C", "D"])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        let text = err.to_string();
        assert!(
            text.contains("A and D are not set, and B is empty"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn set_variables_are_read_and_blank_optional_ones_are_unset() {
        let v = vars(&[("A", "1"), ("B", "2"), ("O", "")]);
        assert_eq!(v.required(["A", "B"]).unwrap(), ["1", "2"]);
        assert_eq!(v.optional("O"), None);
        assert_eq!(v.optional("A").as_deref(), Some("1"));
    }
}
