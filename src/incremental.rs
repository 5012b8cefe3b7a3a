//! Incremental log exports: a logs job with `incremental = true` exports only the events after
//! its checkpoint, the last `log_id` read by the previous complete run.
//!
//! The checkpoint is `{state}/checkpoints/{job}-{key}.json` (mode 0600 in a 0700 folder, as the
//! token cache), replaced atomically by [`crate::atomic_file`]. `{key}` is the first 12 hex
//! digits of the SHA-256 of the absolute output folder: the state folder is shared by default, and a one-off run into another
//! folder must not move the daemon's checkpoint past events its folder never got. A run stages the new checkpoint before the snapshot commits
//! and moves it into place only after the commit: a failed run never advances it, so nothing
//! is missed; the staged checkpoint of a run killed between the two steps is moved into place
//! by the next run (see `roll_forward`), so no delta is exported twice. The first run
//! (no checkpoint) starts from the oldest event Auth0 still holds, leaving out the events
//! dated before the job's `since`; once there is a checkpoint, `since` no longer applies.
//!
//! When the output is an object store (`s3://`, ...), there is no checkpoint file: the newest
//! committed delta's meta object holds the checkpoint (`incremental.last_log_id`), so a pod
//! with an empty disk every run resumes exactly where the last committed delta ended, and the
//! commit of the meta object is the checkpoint's advance (see `in_store`). The state folder is
//! not needed for it.
//!
//! This module reads and writes the checkpoint and watches events go by ([`LogTap`]); the
//! runner asks the [`crate::api::Pager`] to continue after the checkpoint. Opening a checkpoint
//! sweeps the temporary files a killed run left for it, so it must be opened only under the
//! job's [`crate::snapshot::JobLock`] (the checkpoint is per job and output folder, as the lock
//! is); other checkpoints' temporary files in the shared folder are never touched.

mod error;
mod in_store;
mod roll_forward;
mod tap;

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::api::ApiError;
use crate::atomic_file::{self, FileMode, TempPath};
use crate::store::Output;
pub(crate) use error::IncrementalError;
pub(crate) use tap::LogTap;

/// The format version written into each checkpoint.
const FORMAT_VERSION: u32 = 1;

/// The checkpoint file's contents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Stored {
    version: u32,
    job: String,
    /// The tenant's base URL: a checkpoint means nothing to another tenant.
    tenant: String,
    /// The output folder the snapshots went to, for people reading the file.
    #[serde(default)]
    output: Option<String>,
    /// The last `log_id` read by the last complete run.
    log_id: String,
    /// That event's date, for people reading the file.
    #[serde(default)]
    date: Option<String>,
    /// The snapshot that run wrote.
    snapshot: String,
    updated_at: String,
}

/// The checkpoint of one incremental job.
#[derive(Debug)]
pub(crate) struct Checkpoint {
    /// `{state}/checkpoints/{job}-{key}.json`.
    path: PathBuf,
    job: String,
    tenant: String,
    /// The output: the absolute folder, or the store's URL.
    output: String,
    /// Whether the checkpoint lives in the store's newest delta rather than in `path`.
    in_store: bool,
    /// What the file held, if there was one.
    stored: Option<Stored>,
    /// The job's `since`, for a first run.
    since: Option<Timestamp>,
}

/// Where an incremental run started and ended, for the summary and the meta file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IncrementalRun {
    /// The checkpoint it continued after (`None` on a first run).
    pub after: Option<String>,
    /// The last `log_id` it read (`None` when there was no new event).
    pub last: Option<String>,
    /// The `since` it applied (first runs only).
    pub since: Option<Timestamp>,
    /// Events left out for being before `since`.
    pub skipped: u64,
    /// The tenant's base URL, so that a checkpoint read back from a meta file is checked.
    pub tenant: String,
}

impl Checkpoint {
    /// The checkpoint file under `state_dir` of `job` writing below `output`.
    pub(crate) fn path_for(state_dir: &Path, job: &str, output: impl Into<Output>) -> PathBuf {
        let output = output.into();
        let digest = Sha256::digest(output.key().as_bytes());
        let key = &hex::encode(digest)[..12];
        state_dir
            .join("checkpoints")
            .join(format!("{job}-{key}.json"))
    }

    /// Reads the checkpoint of `job` writing below `output_dir` for the tenant at `tenant` (its
    /// base URL), if there is one. First the checkpoint a killed run staged for a snapshot it
    /// committed is moved into place (see `roll_forward`), then the other temporary files
    /// killed runs left for it are removed.
    ///
    /// Call it only while holding the job's [`crate::snapshot::JobLock`]: another run of the
    /// same job may be staging a checkpoint otherwise.
    pub(crate) fn open(
        state_dir: &Path,
        job: &str,
        output: impl Into<Output>,
        tenant: &str,
        since: Option<Timestamp>,
    ) -> Result<Self, IncrementalError> {
        let output = &output.into();
        let Some(output_dir) = output.local_dir() else {
            return in_store::open(&output.job(job), job, output, tenant, since);
        };
        if state_dir.as_os_str().is_empty() {
            return Err(IncrementalError::NoStateDir {
                job: job.to_owned(),
            });
        }
        let path = Self::path_for(state_dir, job, output);
        let mut stored = read_stored(&path);
        if let Ok(current) = &stored {
            let from = current.as_ref().map(|stored| stored.log_id.as_str());
            let job_dir = crate::snapshot::job_dir(output_dir, job);
            if let Some(snapshot) = roll_forward::roll_forward(&path, &job_dir, from)? {
                tracing::info!(job, %snapshot, path = %path.display(), "moved into place the checkpoint of a committed snapshot whose run was stopped before it could");
                stored = read_stored(&path);
            }
        }
        sweep_leftovers(&path)?;
        let stored = stored?;
        if let Some(stored) = &stored
            && stored.tenant != tenant
        {
            return Err(IncrementalError::OtherTenant {
                path,
                found: stored.tenant.clone(),
                expected: tenant.to_owned(),
            });
        }
        Ok(Self {
            path,
            job: job.to_owned(),
            tenant: tenant.to_owned(),
            output: output.key(),
            in_store: false,
            stored,
            since,
        })
    }

    /// The `log_id` to continue after, or `None` to start from the oldest event held.
    pub(crate) fn resume_after(&self) -> Option<String> {
        self.stored.as_ref().map(|stored| stored.log_id.clone())
    }

    /// The tap for this run: it applies `since` only when there is no checkpoint yet.
    pub(crate) fn tap(&self) -> LogTap {
        LogTap::new(self.since.filter(|_| self.stored.is_none()))
    }

    /// The checkpoint file.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// If `error` came before any page (`pages == 0`) and is the API refusing the request that
    /// continues after the checkpoint, the error that says so and how to reset it.
    pub(crate) fn rejected(&self, error: &ApiError, pages: u64) -> Option<IncrementalError> {
        let stored = self.stored.as_ref()?;
        match error {
            ApiError::Refused { status, body, .. } if pages == 0 && matches!(status, 400 | 404) => {
                let detail = match body.message.as_deref().or(body.error.as_deref()) {
                    Some(said) => format!("it answered {status}: {said}"),
                    None => format!("it answered {status}"),
                };
                let (job, log_id) = (self.job.clone(), stored.log_id.clone());
                Some(if self.in_store {
                    IncrementalError::RejectedInStore {
                        job,
                        log_id,
                        meta: self.path.clone(),
                        detail,
                    }
                } else {
                    IncrementalError::Rejected {
                        job,
                        log_id,
                        path: self.path.clone(),
                        detail,
                    }
                })
            }
            _ => None,
        }
    }

    /// What this run did, as the summary and the meta file tell it.
    pub(crate) fn run(&self, tap: &LogTap) -> IncrementalRun {
        IncrementalRun {
            after: self.resume_after(),
            last: tap.last_log_id().map(str::to_owned),
            since: tap.since(),
            skipped: tap.skipped(),
            tenant: self.tenant.clone(),
        }
    }

    /// Writes the next checkpoint under a temporary name, ready to be moved into place once
    /// `snapshot` is committed; `None` when the run read no event (the checkpoint stays).
    pub(crate) fn stage(
        &self,
        tap: &LogTap,
        snapshot: &str,
        now: Timestamp,
    ) -> Result<Option<StagedCheckpoint>, IncrementalError> {
        let Some(log_id) = tap.last_log_id() else {
            return Ok(None);
        };
        if self.in_store {
            // The meta object the commit writes is the checkpoint.
            return Ok(None);
        }
        let stored = Stored {
            version: FORMAT_VERSION,
            job: self.job.clone(),
            tenant: self.tenant.clone(),
            output: Some(self.output.clone()),
            log_id: log_id.to_owned(),
            date: tap.last_date().map(str::to_owned),
            snapshot: snapshot.to_owned(),
            updated_at: now.to_string(),
        };
        let unwritable = |source| IncrementalError::Unwritable {
            path: self.path.clone(),
            source,
        };
        let mut text = serde_json::to_vec_pretty(&stored).map_err(|e| unwritable(e.into()))?;
        text.push(b'\n');
        let dir = self.path.parent().unwrap_or(Path::new("."));
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(unwritable)?;
        let temp = TempPath::write(&self.path, &text, FileMode::Private)
            .map_err(|error| unwritable(error.source))?;
        Ok(Some(StagedCheckpoint {
            temp,
            target: self.path.clone(),
            snapshot: snapshot.to_owned(),
        }))
    }
}

/// A new checkpoint written under a temporary name; removed on drop unless committed.
#[derive(Debug)]
pub(crate) struct StagedCheckpoint {
    /// The new checkpoint, flushed to disk under its temporary name.
    temp: TempPath,
    /// `{state}/checkpoints/{job}-{key}.json`.
    target: PathBuf,
    /// The snapshot the new checkpoint follows, for the error if it cannot be moved.
    snapshot: String,
}

impl StagedCheckpoint {
    /// Moves the new checkpoint into place and flushes its folder (call after the snapshot is
    /// committed).
    pub(crate) fn commit(self) -> Result<(), IncrementalError> {
        let dir = self.target.parent().unwrap_or(Path::new("."));
        let renamed = self
            .temp
            .persist(&self.target)
            .and_then(|()| atomic_file::sync_dir(dir));
        renamed.map_err(|error| IncrementalError::NotAdvanced {
            snapshot: self.snapshot,
            path: self.target,
            source: error.source,
        })
    }
}

impl IncrementalRun {
    /// The `incremental` object of the meta file.
    pub(crate) fn meta(&self) -> Value {
        json!({
            "after": self.after,
            "last_log_id": self.last,
            "since": self.since.map(|since| since.to_string()),
            "skipped_before_since": self.skipped,
            "tenant": self.tenant,
        })
    }
}

/// Removes the temporary files a killed run left for the checkpoint `path` (only its own).
fn sweep_leftovers(path: &Path) -> Result<(), IncrementalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let label = path.file_name().unwrap_or_default().to_string_lossy();
    let files = atomic_file::sweep_temp_files_of(dir, &label).map_err(|error| {
        IncrementalError::Unwritable {
            path: path.to_owned(),
            source: error.source,
        }
    })?;
    if files > 0 {
        tracing::info!(path = %path.display(), files, "removed temporary checkpoint files left by an interrupted run");
    }
    Ok(())
}

fn read_stored(path: &Path) -> Result<Option<Stored>, IncrementalError> {
    let text = match fs::read(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(IncrementalError::Unreadable {
                path: path.to_owned(),
                source,
            });
        }
    };
    let corrupt = |detail: String| IncrementalError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let stored: Stored = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
    if stored.version != FORMAT_VERSION || stored.log_id.is_empty() {
        return Err(corrupt(format!(
            "version {} with log_id {:?}",
            stored.version, stored.log_id
        )));
    }
    Ok(Some(stored))
}

#[cfg(test)]
mod tests;
