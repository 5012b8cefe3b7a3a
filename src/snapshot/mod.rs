//! Snapshot files: an export's records written atomically into `{out}/{job}/` as JSON, NDJSON
//! and CSV, with a metadata sidecar, `latest.*` links, retention and a per-job lock.
//!
//! Records are opaque JSON objects: this module knows nothing about Auth0 or HTTP. It streams
//! every record straight to its file, so memory does not grow with the size of an export, and a
//! snapshot only ever appears complete. The job's folder is a [`JobFolder`](crate::store::JobFolder):
//! a local folder, where each file is written under a temporary name, flushed, synced and
//! renamed; or a prefix in an object store, where each data file is a multipart upload that the
//! store shows only once completed. The order of a commit is the same on both: data files (and
//! the change report), then the meta file, which commits the snapshot, then `latest.*`. A
//! [`Snapshot`] dropped without [`Snapshot::commit`] leaves nothing behind and never touches
//! `latest.*` or older snapshots.
//!
//! The usual sequence for one run of a job:
//! 1. [`JobFolder::try_lock`](crate::store::JobFolder::try_lock) (skip the run if another
//!    process holds the lock or the lease);
//! 2. [`sweep_temp_files`] (a local folder) and [`sweep_uncommitted`] to clear what a killed
//!    run left;
//! 3. [`Snapshot::begin`], [`Snapshot::write`] for every record, [`Snapshot::commit`].
//!
//! With [`OutputSpec::changes`] set, a commit also writes `{stem}.changes.json`: the records
//! added, removed and changed since the previous snapshot, with each changed field's old and
//! new value (see [`ChangeSummary`]), and `{stem}.secret-digests.json` when it is redacted.
//!
//! # Floor plan
//! - The lifecycle, at the top: [`Snapshot`] (`snapshot.rs`: begin, write, commit), its files
//!   in progress (`pending_file.rs`) and written (`files.rs`: [`files::WrittenFile`], who may read
//!   them), their names (`naming.rs`), `latest.*` (`latest.rs`), the meta file (`meta.rs`),
//!   retention (`retention.rs`), and what a job asks for
//!   ([`OutputSpec`], checked once by [`OutputDraft::check`], in `spec.rs`).
//! - `encode/`: records into bytes. The format writers ([`CsvWriter`],
//!   [`encode::JsonWriter`], [`encode::NdjsonWriter`]) are generic over [`std::io::Write`],
//!   so a benchmark can measure a conversion alone; CSV columns and their lookup, redaction,
//!   and raw JSON helpers.
//! - `changes/`: the change report ([`ChangeSummary`]), the previous snapshot it compares
//!   against, the baseline of digests it keeps of it, the comparison by path, the spill files
//!   that bound its memory and the secret digests kept beside a redacted snapshot.
//!
//! Files of this module import each other without circles: `encode` and `spec` know nothing
//! of the lifecycle, and the lifecycle's files share [`files::WrittenFile`] and `Access` through
//! `files.rs`.

mod changes;
mod encode;
mod error;
mod files;
mod format;
mod latest;
mod meta;
mod naming;
mod pending_file;
mod retention;
#[allow(clippy::module_inception)]
mod snapshot;
mod spec;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub(crate) use crate::atomic_file::sweep_temp_files;
pub(crate) use crate::store::JobLock;
pub(crate) use changes::ChangeSummary;
pub use encode::{Column, CsvWriter, REDACTED, Redactor};
pub(crate) use error::SnapshotError;
pub(crate) use format::Format;
pub(crate) use latest::latest_meta;
pub(crate) use meta::MetaInput;
pub(crate) use naming::{is_valid_job_name, parse_snapshot_file};
pub(crate) use retention::{
    newest_committed_meta, newest_committed_meta_listed, sweep_uncommitted,
};
pub(crate) use snapshot::{Committed, Snapshot};
pub(crate) use spec::{OutputDraft, OutputProblem, OutputSpec};

/// The folder that holds one job's snapshots: `{out_dir}/{job}`.
pub fn job_dir(out_dir: &Path, job: &str) -> PathBuf {
    out_dir.join(job)
}
