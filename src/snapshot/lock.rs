//! The per-job lock: at most one process writes a job's folder at a time.
//!
//! It is an advisory lock (`flock` on Unix) on `{job_dir}/.lock`, taken with
//! [`std::fs::File::try_lock`]. The operating system releases it when the file is closed, so a
//! killed process never leaves a stale lock behind. The lock file itself stays: removing it
//! would let two processes lock two different files of the same name.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::Path;

use super::error::{IoContext, SnapshotError};

/// The lock file's name inside the job folder.
pub(crate) const LOCK_FILE: &str = ".lock";

/// Proof that this process holds a job's lock; released on drop.
#[derive(Debug)]
pub(crate) struct JobLock {
    /// The open, locked file; closing it releases the lock.
    _file: File,
    /// The lock file's path (only tests ask).
    #[cfg(test)]
    path: std::path::PathBuf,
}

impl JobLock {
    /// Takes the job's lock without waiting, creating the job folder if needed.
    ///
    /// `Ok(None)` means another process (or another open handle in this one) holds it.
    pub(crate) fn try_acquire(job_dir: &Path) -> Result<Option<JobLock>, SnapshotError> {
        fs::create_dir_all(job_dir).context("create", job_dir)?;
        let path = job_dir.join(LOCK_FILE);
        let file = open_lock_file(&path).context("open the lock file", &path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(JobLock {
                _file: file,
                #[cfg(test)]
                path,
            })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(error)) => Err(SnapshotError::io("lock", path, error)),
        }
    }

    /// The lock file's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_acquire_fails_while_the_first_lock_is_held_and_succeeds_after() {
        let dir = tempfile::tempdir().unwrap();
        let job_dir = dir.path().join("apps");
        let first = JobLock::try_acquire(&job_dir).unwrap().expect("first lock");
        assert!(JobLock::try_acquire(&job_dir).unwrap().is_none());
        assert_eq!(first.path(), job_dir.join(".lock"));
        drop(first);
        assert!(JobLock::try_acquire(&job_dir).unwrap().is_some());
    }

    #[test]
    fn locks_of_different_jobs_are_independent() {
        let dir = tempfile::tempdir().unwrap();
        let _apps = JobLock::try_acquire(&dir.path().join("apps"))
            .unwrap()
            .unwrap();
        assert!(
            JobLock::try_acquire(&dir.path().join("users"))
                .unwrap()
                .is_some()
        );
    }
}
