//! `{out}/{job}/last-run.json`: the trace every finished run leaves, success or failure, so
//! `a0snap status` and the metrics file can tell a failed or silent job from a healthy one.
//!
//! The runner writes it after each run of `a0snap run` and of the daemon (a run skipped
//! because another process holds the job's lock writes nothing: that process leaves its own
//! trace). It is replaced atomically ([`crate::atomic_file`]), lives beside the snapshots but
//! is not one: retention only removes files named `{job}-{stamp}…`, and nothing here touches a
//! snapshot, `latest.*` or a meta file. Writing it never fails a run: a write error is logged.

use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::atomic_file::FileMode;
use crate::store::{JobFolder, StoreError};

/// The file name, in the job's folder.
pub(crate) const FILE_NAME: &str = "last-run.json";

/// How a run ended, as the file's `outcome` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RunEnd {
    /// The run succeeded (a snapshot was written, or a quiet incremental run wrote nothing).
    Success,
    /// The run failed; `error` says why.
    Failure,
}

/// The contents of `last-run.json`. Shape (JSON, every field always present):
/// `{"job": "apps", "outcome": "success"|"failure", "error": null|"…", "started":
/// "2026-01-01T00:00:00Z", "finished": "…", "duration_ms": 1234, "snapshot": null|"apps-…",
/// "records": 12, "pages": 1, "rate_limited": 0, "token_requests": 0}` (the last two are 0
/// when a file written before they existed is read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LastRun {
    /// The job's name.
    pub job: String,
    /// How it ended.
    pub outcome: RunEnd,
    /// The error message of a failed run (the same text the run summary prints; never a
    /// secret, as every a0snap error message).
    pub error: Option<String>,
    /// When the run started (RFC 3339, UTC).
    pub started: Timestamp,
    /// When it ended.
    pub finished: Timestamp,
    /// Wall time of the run, in milliseconds.
    pub duration_ms: u64,
    /// The snapshot's stem (`{job}-{stamp}`), or `null` for a failure or a quiet run.
    pub snapshot: Option<String>,
    /// Records written (0 for a failure).
    pub records: u64,
    /// Pages fetched (0 for a failure).
    pub pages: u64,
    /// Answers 429 Too Many Requests the run's requests got (each was waited out and retried).
    #[serde(default)]
    pub rate_limited: u64,
    /// Token requests to Auth0 the run's requests made (0 when the cached token served).
    #[serde(default)]
    pub token_requests: u64,
}

/// Why `last-run.json` could not be written or read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LastRunError {
    /// The file could not be written (a local write, or the store's put).
    #[error("cannot write the last run's record: {0}")]
    Write(#[from] StoreError),
    /// The job's folder could not be created.
    #[error("cannot create the folder {}: {source}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}; it is rewritten by the job's next run", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not the JSON this module writes.
    #[error("{} is not a last-run record: {source}; it is rewritten by the job's next run", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
}

/// Writes `run` to `{job folder}/last-run.json` at once, creating the folder if need be.
pub(crate) fn write(job_dir: impl Into<JobFolder>, run: &LastRun) -> Result<(), LastRunError> {
    let job_dir = &job_dir.into();
    job_dir.ensure().map_err(|error| LastRunError::Folder {
        path: job_dir.folder_location(),
        source: std::io::Error::other(error.to_string()),
    })?;
    let mut text = serde_json::to_vec_pretty(run).map_err(|source| LastRunError::Parse {
        path: job_dir.location(FILE_NAME),
        source,
    })?;
    text.push(b'\n');
    job_dir.put(FILE_NAME, &text, FileMode::Shared)?;
    Ok(())
}

/// Reads `{job folder}/last-run.json`; `Ok(None)` when the job never left one.
pub(crate) fn read(job_dir: impl Into<JobFolder>) -> Result<Option<LastRun>, LastRunError> {
    let job_dir = &job_dir.into();
    let path = job_dir.location(FILE_NAME);
    let text = match job_dir.read(FILE_NAME) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(None),
        Err(error) => {
            return Err(LastRunError::Read {
                path,
                source: std::io::Error::other(error.to_string()),
            });
        }
    };
    serde_json::from_slice(&text)
        .map(Some)
        .map_err(|source| LastRunError::Parse { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_record_reads_back_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let job_dir = dir.path().join("apps");
        assert!(read(&job_dir).unwrap().is_none());
        let run = LastRun {
            job: "apps".into(),
            outcome: RunEnd::Failure,
            error: Some("the API answered 500".into()),
            started: "2026-01-01T00:00:00Z".parse().unwrap(),
            finished: "2026-01-01T00:00:02Z".parse().unwrap(),
            duration_ms: 2000,
            snapshot: None,
            records: 0,
            pages: 0,
            rate_limited: 3,
            token_requests: 1,
        };
        write(&job_dir, &run).unwrap();
        assert_eq!(read(&job_dir).unwrap(), Some(run));
        let text = std::fs::read_to_string(job_dir.join(FILE_NAME)).unwrap();
        assert!(text.contains("\"outcome\": \"failure\""), "{text}");
    }

    #[test]
    fn a_record_that_cannot_be_written_says_so_and_not_that_the_folder_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        // The folder exists; the file's name is taken by a folder, so only the write fails.
        std::fs::create_dir(dir.path().join(FILE_NAME)).unwrap();
        let run = LastRun {
            job: "apps".into(),
            outcome: RunEnd::Success,
            error: None,
            started: "2026-01-01T00:00:00Z".parse().unwrap(),
            finished: "2026-01-01T00:00:02Z".parse().unwrap(),
            duration_ms: 2000,
            snapshot: Some("apps-20260101T000000Z".into()),
            records: 1,
            pages: 1,
            rate_limited: 0,
            token_requests: 0,
        };
        let error = write(dir.path(), &run).unwrap_err().to_string();
        assert!(
            error.starts_with("cannot write the last run's record: "),
            "{error}"
        );
        assert!(!error.contains("cannot create the folder"), "{error}");
        assert!(error.contains(FILE_NAME), "{error}");
    }

    #[test]
    fn a_damaged_record_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{").unwrap();
        let error = read(dir.path()).unwrap_err().to_string();
        assert!(error.contains("last-run.json"), "{error}");
    }
}
