//! Snapshot files: an export's records written atomically into `{out}/{job}/` as JSON, NDJSON
//! and CSV, with a metadata sidecar, `latest.*` links, retention and a per-job lock.
//!
//! Records are opaque JSON objects: this module knows nothing about Auth0 or HTTP. It streams
//! every record straight to disk, so memory does not grow with the size of an export, and a
//! snapshot only ever appears complete: each file is written under a temporary name in the same
//! folder, flushed, synced and renamed. A [`Snapshot`] dropped without [`Snapshot::commit`]
//! leaves nothing behind and never touches `latest.*` or older snapshots.
//!
//! The usual sequence for one run of a job:
//! 1. [`JobLock::try_acquire`] on [`job_dir`] (skip the run if another process holds it);
//! 2. [`sweep_temp_files`] and [`sweep_uncommitted`] to clear what a killed run left;
//! 3. [`Snapshot::begin`], [`Snapshot::write`] for every record, [`Snapshot::commit`].
//!
//! With [`OutputSpec::changes`] set, a commit also writes `{stem}.changes.json`: the records
//! added, removed and changed since the previous snapshot (see [`ChangeSummary`]).
//!
//! The format writers ([`CsvWriter`], [`json_writer::JsonWriter`], [`json_writer::NdjsonWriter`]) are generic over
//! [`std::io::Write`], so a benchmark can measure a conversion alone.

mod access;
mod baseline;
mod changes;
mod column;
mod csv_writer;
mod error;
mod files;
mod format;
mod json_writer;
mod latest;
mod lock;
mod lookup;
mod meta;
mod naming;
mod previous;
mod raw;
mod redact;
mod retention;
#[allow(clippy::module_inception)]
mod snapshot;
mod spec;
mod writer;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub(crate) use crate::atomic_file::sweep_temp_files;
pub(crate) use changes::ChangeSummary;
pub use column::Column;
pub use csv_writer::CsvWriter;
pub(crate) use error::SnapshotError;
pub(crate) use format::Format;
pub(crate) use lock::JobLock;
pub(crate) use meta::MetaInput;
pub(crate) use naming::is_valid_job_name;
pub use redact::{REDACTED, Redactor};
pub(crate) use retention::sweep_uncommitted;
pub(crate) use snapshot::{Committed, Snapshot};
pub(crate) use spec::OutputSpec;

/// The folder that holds one job's snapshots: `{out_dir}/{job}`.
pub fn job_dir(out_dir: &Path, job: &str) -> PathBuf {
    out_dir.join(job)
}
