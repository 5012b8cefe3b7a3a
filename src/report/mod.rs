//! The HTML report, `{out}/index.html`: one static, self-contained page (no script, no network,
//! no external font or style) that works from `file://` and behind any static file server.
//! Issue #15 part 3: a table of every job's status (from [`crate::status`], not judged again
//! here), each job's records over time as an inline SVG chart (its last
//! [`history::HISTORY_LEN`] meta files), the latest change report of each job as tables, and
//! the event counts per run of incremental logs jobs.
//!
//! This module reads the output folder and writes only `index.html`, atomically
//! ([`crate::atomic_file`]); it never touches a snapshot. Every value from the tenant is
//! escaped by the template ([`page`], `maud`); nothing here builds HTML by hand.

mod chart;
pub(crate) mod history;
mod page;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use crate::atomic_file::{self, AtomicFileError, FileMode};
use crate::jobs::Job;
use crate::snapshot;
use crate::status::{self, JobStatus};
use history::{ChangeReport, Point};

/// The report's file name, in the output folder.
pub(crate) const FILE_NAME: &str = "index.html";

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output folder could not be created.
    #[error("cannot create the output folder {}: {source}; check its parent's permissions", path.display())]
    CreateDir {
        /// The output folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `index.html` could not be written.
    #[error("cannot {action} {}: {source}; check the output folder's permissions and free space", path.display())]
    Write {
        /// What was being done ("write", "rename").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl From<AtomicFileError> for ReportError {
    fn from(error: AtomicFileError) -> Self {
        Self::Write {
            action: error.action,
            path: error.path,
            source: error.source,
        }
    }
}

/// What the page shows about one job.
#[derive(Debug, Clone)]
pub(crate) struct JobReport {
    /// Its status, as `a0snap status` judges it.
    pub status: JobStatus,
    /// The endpoint it exports (`clients`).
    pub endpoint: String,
    /// Whether it is an incremental logs job (its snapshots are deltas: events per run).
    pub incremental: bool,
    /// Its last snapshots, oldest first.
    pub history: Vec<Point>,
    /// Its `latest.*` files, by name.
    pub latest: Vec<String>,
    /// The latest snapshot's change report, if it has one.
    pub changes: Option<ChangeReport>,
    /// Files that could not be read, as sentences.
    pub problems: Vec<String>,
}

/// Gathers every job's report from `out_dir` at `now`.
pub(crate) fn gather(jobs: &[Job], out_dir: &Path, now: Timestamp) -> Vec<JobReport> {
    jobs.iter()
        .map(|job| {
            let dir = snapshot::job_dir(out_dir, &job.name);
            let (history, mut problems) = history::history(&dir, &job.name);
            let changes = history::latest_changes(&dir).unwrap_or_else(|problem| {
                problems.push(problem);
                None
            });
            JobReport {
                status: status::job_status(job, out_dir, now, None),
                endpoint: job.endpoint.name().to_owned(),
                incremental: job.incremental,
                history,
                latest: history::latest_files(&dir),
                changes,
                problems,
            }
        })
        .collect()
}

/// Writes `{out_dir}/index.html` for `jobs` at `now` (atomically: a reader sees the old page
/// or the new one) and returns its path.
pub(crate) fn write(jobs: &[Job], out_dir: &Path, now: Timestamp) -> Result<PathBuf, ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ReportError::CreateDir {
        path: out_dir.to_owned(),
        source,
    })?;
    let reports = gather(jobs, out_dir, now);
    let html = page::render(&reports, now);
    let path = out_dir.join(FILE_NAME);
    atomic_file::write_atomically(&path, html.as_bytes(), FileMode::Shared)?;
    Ok(path)
}

/// `at`'s age at `now`, for people ("3h 5m").
fn age(at: Timestamp, now: Timestamp) -> String {
    let elapsed: Duration = crate::clock::until(at, now);
    if elapsed.as_secs() == 0 {
        "just now".to_owned()
    } else {
        format!(
            "{} ago",
            crate::trigger::interval::format_every(Duration::from_secs(elapsed.as_secs()))
        )
    }
}
