//! What a job asks the snapshot for (formats, CSV columns, retention and safety switches), and
//! the one check that turns such a request ([`OutputDraft`]) into an [`OutputSpec`].
//!
//! An [`OutputSpec`] can only come out of [`OutputDraft::check`], so whoever holds one may
//! rely on it: at least one format and none twice, columns for CSV, and a change report only
//! with a JSON or NDJSON file to compare and a field to identify records by. Nothing
//! downstream checks these again. This module knows nothing of job files: the job loader maps
//! each [`OutputProblem`] to its key and message.

use std::time::Duration;

use indexmap::IndexSet;

use super::encode::Column;
use super::format::Format;

/// What a job asks to write, before [`OutputDraft::check`]. Sets keep each format and column
/// once, in the order first written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutputDraft {
    /// The files to write, one per format.
    pub formats: IndexSet<Format>,
    /// The CSV columns, in order.
    pub columns: IndexSet<Column>,
    /// How many snapshots to keep after a commit; 0 sets no limit by count.
    pub keep: u32,
    /// Snapshots younger than this are kept; `None` sets no limit by age.
    pub keep_for: Option<Duration>,
    /// The snapshots are an incremental job's deltas.
    pub deltas: bool,
    /// Whether secret fields are replaced by `"[REDACTED]"`.
    pub redact: bool,
    /// Whether CSV cells a spreadsheet would run as a formula get a leading `'`.
    pub neutralise_formulas: bool,
    /// Whether a change report is asked for.
    pub changes: bool,
    /// The top-level field that identifies a record, for the change report, if known.
    pub identity: Option<String>,
}

impl Default for OutputDraft {
    /// JSON only, no columns, every snapshot kept (by count and by age), not deltas,
    /// redaction and formula neutralising on, no change report.
    fn default() -> Self {
        Self {
            formats: IndexSet::from([Format::Json]),
            columns: IndexSet::new(),
            keep: 0,
            keep_for: None,
            deltas: false,
            redact: true,
            neutralise_formulas: true,
            changes: false,
            identity: None,
        }
    }
}

/// Why an [`OutputDraft`] cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OutputProblem {
    /// No format at all.
    #[error("no output format: set [output] format to json, ndjson or csv")]
    NoFormat,
    /// CSV without columns.
    #[error("asks for csv but lists no columns: set [output] columns")]
    CsvWithoutColumns,
    /// A change report of deltas, which hold only new records.
    #[error("a change report of deltas has nothing to compare: every record is new")]
    ChangesOfDeltas,
    /// A change report without a JSON or NDJSON file, the only ones it compares.
    #[error(
        "asks for a change report but writes neither json nor ndjson: add one of them to [output] format"
    )]
    ChangesWithoutJson,
    /// A change report without the field that identifies a record.
    #[error("a change report needs the field that identifies a record")]
    ChangesWithoutIdentity,
}

impl OutputDraft {
    /// The one check: an [`OutputSpec`], or every problem found (at most one about the
    /// change report: deltas, then a missing JSON/NDJSON file, then a missing identity).
    pub(crate) fn check(self) -> Result<OutputSpec, Vec<OutputProblem>> {
        let mut problems = Vec::new();
        if self.formats.is_empty() {
            problems.push(OutputProblem::NoFormat);
        }
        if self.formats.contains(&Format::Csv) && self.columns.is_empty() {
            problems.push(OutputProblem::CsvWithoutColumns);
        }
        if self.changes {
            if self.deltas {
                problems.push(OutputProblem::ChangesOfDeltas);
            } else if !self.formats.iter().any(|format| format.is_comparable()) {
                problems.push(OutputProblem::ChangesWithoutJson);
            } else if self.identity.is_none() {
                problems.push(OutputProblem::ChangesWithoutIdentity);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(OutputSpec {
            formats: self.formats.into_iter().collect(),
            columns: self.columns.into_iter().collect(),
            keep: self.keep,
            keep_for: self.keep_for,
            deltas: self.deltas,
            redact: self.redact,
            neutralise_formulas: self.neutralise_formulas,
            changes: self.identity.filter(|_| self.changes),
        })
    }
}

/// The output part of a job, checked by [`OutputDraft::check`], its only constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The files to write, one per format, none twice, at least one.
    formats: Vec<Format>,
    /// The CSV columns, in order, none twice; not empty when `formats` holds CSV.
    columns: Vec<Column>,
    /// See [`OutputSpec::keep`].
    keep: u32,
    /// See [`OutputSpec::keep_for`].
    keep_for: Option<Duration>,
    /// See [`OutputSpec::deltas`].
    deltas: bool,
    /// See [`OutputSpec::redact`].
    redact: bool,
    /// See [`OutputSpec::neutralise_formulas`].
    neutralise_formulas: bool,
    /// See [`OutputSpec::changes`].
    changes: Option<String>,
}

impl OutputSpec {
    /// The files to write, one per format, in the order asked for; never empty, none twice.
    pub(crate) fn formats(&self) -> &[Format] {
        &self.formats
    }

    /// The CSV columns, in order; not empty when [`OutputSpec::formats`] holds CSV.
    pub(crate) fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// How many snapshots of the job to keep after a commit; 0 sets no limit by count.
    /// With [`OutputSpec::keep_for`] too, a snapshot goes only when both rules say so.
    pub(crate) fn keep(&self) -> u32 {
        self.keep
    }

    /// Snapshots younger than this (by the time stamp in their name, against the new
    /// snapshot's) are kept; `None` sets no limit by age. The newest snapshot is never
    /// removed by age.
    pub(crate) fn keep_for(&self) -> Option<Duration> {
        self.keep_for
    }

    /// The snapshots are an incremental job's deltas: one with 0 records (written by versions
    /// before 2026-11-29, which committed quiet runs) never counts towards `keep`, so quiet
    /// runs cannot push the events out.
    pub(crate) fn deltas(&self) -> bool {
        self.deltas
    }

    /// Whether secret fields are replaced by `"[REDACTED]"` (the default).
    pub(crate) fn redact(&self) -> bool {
        self.redact
    }

    /// Whether CSV cells a spreadsheet would run as a formula get a leading `'` (the default).
    pub(crate) fn neutralise_formulas(&self) -> bool {
        self.neutralise_formulas
    }

    /// With a change report: the top-level field that identifies a record (`client_id`);
    /// a JSON or NDJSON file is then among the formats.
    pub(crate) fn changes(&self) -> Option<&str> {
        self.changes.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv() -> OutputDraft {
        OutputDraft {
            formats: IndexSet::from([Format::Csv]),
            columns: IndexSet::from([Column::parse("client_id").unwrap()]),
            ..OutputDraft::default()
        }
    }

    #[test]
    fn the_default_draft_passes_as_json_only_keeping_everything() {
        let spec = OutputDraft::default().check().unwrap();
        assert_eq!(spec.formats(), [Format::Json]);
        assert!(spec.columns().is_empty());
        assert_eq!(
            (spec.keep(), spec.keep_for(), spec.deltas()),
            (0, None, false)
        );
        assert!(spec.redact() && spec.neutralise_formulas());
        assert_eq!(spec.changes(), None);
    }

    #[test]
    fn a_change_report_names_one_problem_deltas_first_then_json_then_identity() {
        let deltas = OutputDraft {
            changes: true,
            deltas: true,
            ..csv()
        };
        assert_eq!(deltas.check(), Err(vec![OutputProblem::ChangesOfDeltas]));
        let csv_only = OutputDraft {
            changes: true,
            ..csv()
        };
        assert_eq!(
            csv_only.check(),
            Err(vec![OutputProblem::ChangesWithoutJson])
        );
        let unnamed = OutputDraft {
            changes: true,
            ..OutputDraft::default()
        };
        assert_eq!(
            unnamed.check(),
            Err(vec![OutputProblem::ChangesWithoutIdentity])
        );
    }

    #[test]
    fn an_identity_without_changes_asks_for_no_report() {
        let draft = OutputDraft {
            identity: Some("id".to_owned()),
            ..OutputDraft::default()
        };
        assert_eq!(draft.check().unwrap().changes(), None);
    }
}
