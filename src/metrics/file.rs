//! `A0SNAP_METRICS_FILE`: the metrics written to a file after every run, for node_exporter's
//! textfile collector (or any reader that wants the last state of a cron job).
//!
//! The file is replaced atomically (temporary file in the same folder, flushed, renamed), as
//! the textfile collector requires; the temporary name (`.a0snap-tmp-…`) does not end in
//! `.prom`, so the collector never reads a half-written file. This module only writes the text
//! it is given.

use std::path::{Path, PathBuf};

use crate::atomic_file::{self, AtomicFileError, FileMode};

/// Why the metrics file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("A0SNAP_METRICS_FILE: cannot write {}: {source}; check that its folder exists and is writable", path.display())]
pub(crate) struct MetricsFileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    #[source]
    pub source: AtomicFileError,
}

/// Replaces `path` with `text` atomically (readable by every local user, as the collector may
/// run as another user).
pub(crate) fn write(path: &Path, text: &str) -> Result<(), MetricsFileError> {
    atomic_file::write_atomically(path, text.as_bytes(), FileMode::Shared).map_err(|source| {
        MetricsFileError {
            path: path.to_path_buf(),
            source,
        }
    })
}
