//! The problems found while the settings are checked, collected so that every one is reported
//! at once, each naming its variable.

use super::Problem;

/// Collects problems while settings are checked.
#[derive(Default)]
pub(super) struct Problems(Vec<Problem>);

impl Problems {
    pub(super) fn add(&mut self, variable: &'static str, message: impl Into<String>) {
        self.0.push(Problem {
            variable,
            message: message.into(),
        });
    }

    /// Whether nothing was found.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every problem found, in the order found.
    pub(super) fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    pub(super) fn take<T>(
        &mut self,
        variable: &'static str,
        result: Result<T, String>,
    ) -> Option<T> {
        result.map_err(|message| self.add(variable, message)).ok()
    }
}
