//! What a change report says, in numbers: for the meta file, the run summary and the log.

use std::path::PathBuf;

use serde_json::{Value, json};

/// What a committed snapshot's change report says, in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeSummary {
    /// The stem of the snapshot compared against; `None` when there was none to compare
    /// against (and no report was written).
    pub previous: Option<String>,
    /// Records whose identity the previous snapshot did not have.
    pub added: u64,
    /// Records of the previous snapshot that are gone.
    pub removed: u64,
    /// Records with at least one field that differs.
    pub changed: u64,
    /// The top-level fields that differ in at least one changed record, sorted.
    pub fields: Vec<String>,
    /// The report, `{stem}.changes.json`.
    pub file: Option<PathBuf>,
    /// The secret digests kept for the next report, `{stem}.secret-digests.json`.
    pub digests: Option<PathBuf>,
}

impl ChangeSummary {
    /// "3 added, 1 removed, 2 changed: callbacks, name": the counts, then the top-level fields
    /// that changed (the first ten, then how many more).
    pub(crate) fn line(&self) -> String {
        let mut line = format!(
            "{} added, {} removed, {} changed",
            self.added, self.removed, self.changed
        );
        if !self.fields.is_empty() {
            const SHOWN: usize = 10;
            let names: Vec<&str> = self.fields.iter().take(SHOWN).map(String::as_str).collect();
            line.push_str(": ");
            line.push_str(&names.join(", "));
            if self.fields.len() > SHOWN {
                line.push_str(&format!(" and {} more", self.fields.len() - SHOWN));
            }
        }
        line
    }

    /// The names of the files this report wrote (the report, the secret digests), for a
    /// commit that must remove them again.
    pub(crate) fn written_names(&self) -> Vec<String> {
        [&self.file, &self.digests]
            .into_iter()
            .flatten()
            .filter_map(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .collect()
    }

    /// The `changes` object of the meta file.
    pub(crate) fn meta(&self) -> Value {
        let file = self
            .file
            .as_ref()
            .and_then(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned());
        json!({
            "previous": self.previous,
            "file": file,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
        })
    }
}
