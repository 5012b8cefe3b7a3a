//! Everything that can go wrong while writing a snapshot, with the path involved and a hint.

use std::io;
use std::path::PathBuf;

/// A snapshot could not be written; every variant names the file or folder involved.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SnapshotError {
    /// The file system is mounted read-only.
    #[error(
        "output folder {path} is read-only: {source}; mount it writable or choose another output folder"
    )]
    ReadOnly {
        /// The file or folder being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The process may not write there.
    #[error(
        "no permission to write {path}: {source}; give this user write access or choose another output folder"
    )]
    PermissionDenied {
        /// The file or folder being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The disk or the user's quota is full.
    #[error("no space left on device writing {path}: {source}; free space or lower keep")]
    NoSpace {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Any other I/O failure.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done, as a verb phrase ("create", "rename into place").
        action: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The job name cannot be used as a folder and file name.
    #[error(
        "job name {job:?} cannot name a snapshot folder: use lower-case letters, digits, '-' and '_'"
    )]
    InvalidJobName {
        /// The job name as given.
        job: String,
    },
    /// An object store refused or failed a request (the output is `s3://`, `gs://`, `az://`).
    #[error(transparent)]
    Store(crate::store::StoreError),
    /// A record could not be read as JSON (too deeply nested, for instance).
    #[error("record {number} of {path} could not be read as json: {source}")]
    Record {
        /// The 1-based number of the record in this snapshot.
        number: u64,
        /// The file being written.
        path: PathBuf,
        /// The parser's complaint.
        source: std::io::Error,
    },
}

impl SnapshotError {
    /// Classifies an I/O error so full disks and read-only folders read clearly.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            io::ErrorKind::ReadOnlyFilesystem => SnapshotError::ReadOnly { path, source },
            io::ErrorKind::PermissionDenied => SnapshotError::PermissionDenied { path, source },
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
                SnapshotError::NoSpace { path, source }
            }
            _ => SnapshotError::Io {
                action,
                path,
                source,
            },
        }
    }
}

impl From<crate::atomic_file::AtomicFileError> for SnapshotError {
    fn from(error: crate::atomic_file::AtomicFileError) -> Self {
        SnapshotError::io(error.action, error.path, error.source)
    }
}

impl From<crate::store::StoreError> for SnapshotError {
    fn from(error: crate::store::StoreError) -> Self {
        match error {
            crate::store::StoreError::Local(error) => error.into(),
            error => SnapshotError::Store(error),
        }
    }
}

/// Shorthand for `map_err(|e| SnapshotError::io(action, path, e))`.
pub(crate) trait IoContext<T> {
    /// Attaches what was being done and to which path.
    fn context(self, action: &'static str, path: &std::path::Path) -> Result<T, SnapshotError>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn context(self, action: &'static str, path: &std::path::Path) -> Result<T, SnapshotError> {
        self.map_err(|source| SnapshotError::io(action, path, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: io::ErrorKind) -> String {
        SnapshotError::io("write", "/x/apps.csv", io::Error::from(kind)).to_string()
    }

    #[test]
    fn a_full_disk_says_to_free_space_or_lower_keep() {
        let text = message(io::ErrorKind::StorageFull);
        assert!(
            text.starts_with("no space left on device writing /x/apps.csv"),
            "{text}"
        );
        assert!(text.ends_with("free space or lower keep"), "{text}");
    }

    #[test]
    fn a_read_only_file_system_and_a_permission_problem_read_differently() {
        assert!(
            message(io::ErrorKind::ReadOnlyFilesystem)
                .starts_with("output folder /x/apps.csv is read-only")
        );
        assert!(
            message(io::ErrorKind::PermissionDenied)
                .starts_with("no permission to write /x/apps.csv")
        );
        assert!(message(io::ErrorKind::NotFound).starts_with("could not write /x/apps.csv"));
    }
}
