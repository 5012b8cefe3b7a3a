//! Where a job's files live: a local folder, or a prefix in an object store (Amazon S3 and
//! S3-compatible stores, Google Cloud Storage, Azure Blob Storage) reached through the
//! `object_store` crate.
//!
//! [`Output`] is what `A0SNAP_OUTPUT_DIR` (or `--out`) names: a path, or `s3://bucket/prefix`,
//! `gs://bucket/prefix`, `az://container/prefix`. [`JobFolder`] is one job's folder in it,
//! `{out}/{job}`, with the few operations the snapshot lifecycle needs, each the same promise
//! on both kinds:
//! - [`JobFolder::create`]: a new file that becomes visible, complete, only when
//!   [`NewFile::persist`] runs (a temporary file renamed into place; a multipart upload
//!   completed). Dropped before that, it leaves nothing visible.
//! - [`JobFolder::put`]: a small file written whole in one step.
//! - [`JobFolder::list`], [`JobFolder::read`], [`JobFolder::open`], [`JobFolder::remove`],
//!   [`JobFolder::sync`]; in a store, a server-side copy for `latest.*`.
//! - [`JobLock`]: one writer per job folder, an `flock` on a local folder and a lease object
//!   on a store (see `lease`).
//!
//! Object stores have no rename and no folders: a multipart upload is invisible until it is
//! completed, so data objects are written under their final names; `latest.*` objects are
//! server-side copies. What the lifecycle does with these operations, and in which order, is
//! [`crate::snapshot`]'s; this module never decides a name or an order.
//!
//! Every operation is blocking: a0snap does all of its file work on blocking threads
//! (`tokio::task::spawn_blocking`), and an object store's requests are driven from there with
//! the runtime's handle. Calling one from an async task's own thread panics.
//!
//! Credentials come from each cloud's standard chain, as `object_store` reads them from the
//! environment (`AWS_*`, `GOOGLE_*`, `AZURE_*`); `AWS_ENDPOINT_URL` points at an S3-compatible
//! store. Plain `http://` endpoints are accepted only on loopback: TLS is never off.

mod client;
mod error;
mod file;
mod lease;
mod object;

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::atomic_file::{self, FileMode};
pub(crate) use error::StoreError;
pub(crate) use file::NewFile;
pub(crate) use lease::{DEFAULT_LEASE_TTL, LEASE_OBJECT};
use object::ObjectFolder;
pub(crate) use object::ObjectOutput;

/// Where snapshots go, as `A0SNAP_OUTPUT_DIR` or `--out` names it.
#[derive(Clone)]
pub enum Output {
    /// A local folder.
    Local(PathBuf),
    /// A bucket (or container) and a prefix in an object store.
    Object(Arc<ObjectOutput>),
}

impl Output {
    /// Reads an output location: `s3://`, `gs://` and `az://` (also `abfs://`, `azure://`) URLs
    /// name an object store, anything else a local path.
    ///
    /// # Errors
    /// A URL that names no bucket, a scheme `object_store` cannot serve, or a store whose
    /// settings (from the environment) are incomplete or refused, such as a plain `http://`
    /// endpoint that is not on loopback. The message names the variable to fix.
    pub(crate) fn parse(text: &str) -> Result<Output, StoreError> {
        client::refuse_foreign_scheme(text)?;
        if client::is_url(text) {
            Ok(Output::Object(Arc::new(ObjectOutput::from_url(text)?)))
        } else {
            Ok(Output::Local(PathBuf::from(text)))
        }
    }

    /// The local folder, when the output is one.
    pub fn local_dir(&self) -> Option<&Path> {
        match self {
            Output::Local(dir) => Some(dir),
            Output::Object(_) => None,
        }
    }

    /// One job's folder: `{out}/{job}`.
    pub(crate) fn job(&self, job: &str) -> JobFolder {
        match self {
            Output::Local(dir) => JobFolder::Local(dir.join(job)),
            Output::Object(output) => JobFolder::Object(ObjectFolder::new(output.clone(), job)),
        }
    }

    /// A stable key for this output, for names derived from it (incremental checkpoints): the
    /// absolute folder, or the URL.
    pub(crate) fn key(&self) -> String {
        match self {
            Output::Local(dir) => fs::canonicalize(dir)
                .or_else(|_| std::path::absolute(dir))
                .unwrap_or_else(|_| dir.clone())
                .display()
                .to_string(),
            Output::Object(output) => output.url().to_owned(),
        }
    }

    /// Checks that the output can be written: for an object store, a small probe object is
    /// put and removed again (see [`ObjectOutput::probe`]). A local folder is left to the
    /// checks that already exist.
    pub(crate) fn probe(&self) -> Result<(), StoreError> {
        match self {
            Output::Local(_) => Ok(()),
            Output::Object(output) => output.probe(),
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Local(dir) => write!(f, "{}", dir.display()),
            Output::Object(output) => f.write_str(output.url()),
        }
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Output({self})")
    }
}

impl From<PathBuf> for Output {
    fn from(dir: PathBuf) -> Self {
        Output::Local(dir)
    }
}

impl From<&Path> for Output {
    fn from(dir: &Path) -> Self {
        Output::Local(dir.to_owned())
    }
}

impl From<&PathBuf> for Output {
    fn from(dir: &PathBuf) -> Self {
        Output::Local(dir.clone())
    }
}

impl From<&Output> for Output {
    fn from(output: &Output) -> Self {
        output.clone()
    }
}

/// One job's folder, `{out}/{job}`, on a local disk or in an object store.
#[derive(Clone)]
pub(crate) enum JobFolder {
    /// `{dir}/{job}`.
    Local(PathBuf),
    /// `{prefix}/{job}/` in a store.
    Object(ObjectFolder),
}

impl JobFolder {
    /// The local folder, when it is one.
    pub(crate) fn local_dir(&self) -> Option<&Path> {
        match self {
            JobFolder::Local(dir) => Some(dir),
            JobFolder::Object(_) => None,
        }
    }

    /// The job's name: the folder's last component.
    pub(crate) fn job_name(&self) -> String {
        match self {
            JobFolder::Local(dir) => dir
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            JobFolder::Object(folder) => folder.job().to_owned(),
        }
    }

    /// Where `name` is, for messages: a path, or the object's URL.
    pub(crate) fn location(&self, name: &str) -> PathBuf {
        match self {
            JobFolder::Local(dir) => dir.join(name),
            JobFolder::Object(folder) => PathBuf::from(folder.url_of(name)),
        }
    }

    /// The folder itself, for messages: a path, or its URL.
    pub(crate) fn folder_location(&self) -> PathBuf {
        match self {
            JobFolder::Local(dir) => dir.clone(),
            JobFolder::Object(folder) => PathBuf::from(folder.url_of("")),
        }
    }

    /// Creates the folder if needed (nothing to do in a store, which has no folders).
    pub(crate) fn ensure(&self) -> Result<(), StoreError> {
        match self {
            JobFolder::Local(dir) => {
                fs::create_dir_all(dir).map_err(|error| StoreError::io("create", dir, error))
            }
            JobFolder::Object(_) => Ok(()),
        }
    }

    /// The names of the files directly in the folder (not in sub-folders), unsorted; none when
    /// the folder does not exist.
    pub(crate) fn list(&self) -> Result<Vec<String>, StoreError> {
        match self {
            JobFolder::Local(dir) => list_local(dir),
            JobFolder::Object(folder) => folder.list(),
        }
    }

    /// The whole of a small file, `None` when there is none of that name.
    pub(crate) fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            JobFolder::Local(dir) => {
                let path = dir.join(name);
                match fs::read(&path) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(error) => Err(StoreError::io("read", path, error)),
                }
            }
            JobFolder::Object(folder) => folder.read(name),
        }
    }

    /// A file to read from the start, streamed (an object is fetched as it is read).
    pub(crate) fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, StoreError> {
        match self {
            JobFolder::Local(dir) => {
                let path = dir.join(name);
                let file = fs::File::open(&path).map_err(|e| StoreError::io("read", &path, e))?;
                Ok(Box::new(file))
            }
            JobFolder::Object(folder) => Ok(Box::new(folder.open(name)?)),
        }
    }

    /// Writes a small file whole and at once, readable as `mode` says (local files; a store's
    /// objects are as private as its bucket). The local folder is not synced: see
    /// [`JobFolder::sync`].
    pub(crate) fn put(&self, name: &str, bytes: &[u8], mode: FileMode) -> Result<(), StoreError> {
        match self {
            JobFolder::Local(dir) => {
                atomic_file::write_atomically(&dir.join(name), bytes, mode).map_err(Into::into)
            }
            JobFolder::Object(folder) => folder.put(name, bytes.to_vec()),
        }
    }

    /// Starts a new file `name`, visible only once [`NewFile::persist`] runs.
    pub(crate) fn create(&self, name: &str, mode: FileMode) -> Result<NewFile, StoreError> {
        match self {
            JobFolder::Local(dir) => NewFile::local(dir, name, mode),
            JobFolder::Object(folder) => NewFile::object(folder, name),
        }
    }

    /// Removes `name`; one that is not there is no error.
    pub(crate) fn remove(&self, name: &str) -> Result<(), StoreError> {
        match self {
            JobFolder::Local(dir) => {
                let path = dir.join(name);
                match fs::remove_file(&path) {
                    Err(error) if error.kind() != io::ErrorKind::NotFound => {
                        Err(StoreError::io("remove", path, error))
                    }
                    _ => Ok(()),
                }
            }
            JobFolder::Object(folder) => folder.remove(name),
        }
    }

    /// Flushes the folder's entries to disk after renames and removals (nothing to do in a
    /// store, whose operations are durable when they return).
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        match self {
            JobFolder::Local(dir) => atomic_file::sync_dir(dir).map_err(Into::into),
            JobFolder::Object(_) => Ok(()),
        }
    }

    /// Takes the folder's writer lock without waiting (see [`JobLock`]).
    pub(crate) fn try_lock(&self, lease_ttl: Duration) -> Result<Option<JobLock>, StoreError> {
        match self {
            JobFolder::Local(dir) => {
                Ok(lease::try_flock(dir)?.map(|file| JobLock::Local { _file: file }))
            }
            JobFolder::Object(folder) => {
                Ok(lease::Lease::try_acquire(folder, lease_ttl)?.map(JobLock::Lease))
            }
        }
    }
}

impl fmt::Debug for JobFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobFolder({})", self.folder_location().display())
    }
}

/// Proof that this process is the one writer of a job's folder; released on drop.
///
/// On a local folder it is an advisory lock (`flock`) on `{job_dir}/.lock`, which the system
/// releases when the process dies. In a store it is the lease object `{job}/.lock`, created
/// only if absent and renewed while held; a holder that dies leaves it until it expires
/// (`A0SNAP_LEASE_TTL`), after which the next run takes it over.
#[derive(Debug)]
pub(crate) enum JobLock {
    /// The `flock`ed file, held open.
    Local {
        /// Closing it releases the lock.
        _file: fs::File,
    },
    /// The lease object.
    Lease(lease::Lease),
}

impl JobLock {
    /// Takes the lock of the local folder `dir` (tests).
    #[cfg(test)]
    pub(crate) fn try_acquire(dir: &Path) -> Result<Option<JobLock>, StoreError> {
        JobFolder::from(dir).try_lock(DEFAULT_LEASE_TTL)
    }

    /// Checks that the lock is still this process's: a lease whose renewal failed may have
    /// been taken over by another process, which must then be the only one to commit.
    ///
    /// # Errors
    /// [`StoreErrorKind::LeaseLost`] naming the lease object.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        match self {
            JobLock::Local { .. } => Ok(()),
            JobLock::Lease(lease) => lease.check(),
        }
    }
}

fn list_local(dir: &Path) -> Result<Vec<String>, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(StoreError::io("list", dir, error)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| StoreError::io("list", dir, error))?;
        if !entry.file_type().is_ok_and(|kind| kind.is_file()) {
            continue;
        }
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests;

impl From<&Path> for JobFolder {
    fn from(dir: &Path) -> Self {
        JobFolder::Local(dir.to_owned())
    }
}

impl From<&PathBuf> for JobFolder {
    fn from(dir: &PathBuf) -> Self {
        JobFolder::Local(dir.clone())
    }
}

impl From<PathBuf> for JobFolder {
    fn from(dir: PathBuf) -> Self {
        JobFolder::Local(dir)
    }
}

impl From<&JobFolder> for JobFolder {
    fn from(folder: &JobFolder) -> Self {
        folder.clone()
    }
}
