//! What a job asks the snapshot writer for: formats, CSV columns, retention and safety switches.

use std::time::Duration;

use super::column::Column;
use super::format::Format;

/// The output part of a job, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The files to write, one per format; duplicates are written once.
    pub formats: Vec<Format>,
    /// The CSV columns, in order; required when `formats` holds [`Format::Csv`].
    pub columns: Vec<Column>,
    /// How many snapshots of the job to keep after a commit; 0 sets no limit by count.
    /// With [`OutputSpec::keep_for`] too, a snapshot goes only when both rules say so.
    pub keep: u32,
    /// Snapshots younger than this (by the time stamp in their name, against the new
    /// snapshot's) are kept; `None` sets no limit by age. The newest snapshot is never
    /// removed by age.
    pub keep_for: Option<Duration>,
    /// The snapshots are an incremental job's deltas: one with 0 records (written by versions
    /// before 2026-11-29, which committed quiet runs) never counts towards `keep`, so quiet
    /// runs cannot push the events out.
    pub deltas: bool,
    /// Whether secret fields are replaced by `"[REDACTED]"` (the default).
    pub redact: bool,
    /// Whether CSV cells a spreadsheet would run as a formula get a leading `'` (the default).
    pub neutralise_formulas: bool,
    /// With a change report: the top-level field that identifies a record (`client_id`).
    /// Needs [`Format::Json`] or [`Format::Ndjson`] among the formats.
    pub changes: Option<String>,
}

impl Default for OutputSpec {
    /// JSON only, no columns, every snapshot kept (by count and by age), not deltas,
    /// redaction and formula neutralising on, no change report.
    fn default() -> Self {
        Self {
            formats: vec![Format::Json],
            columns: Vec::new(),
            keep: 0,
            keep_for: None,
            deltas: false,
            redact: true,
            neutralise_formulas: true,
            changes: None,
        }
    }
}
