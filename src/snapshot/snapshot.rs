//! An export in progress: records stream into one temporary file per format; a commit makes
//! them visible together with their meta file (and change report, if asked for), updates
//! `latest.*` and applies retention.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::value::RawValue;

use super::changes::{ChangeSummary, ChangeTracker};
use super::encode::Redactor;
use super::error::SnapshotError;
use super::files::{Access, WrittenFile, protect_job_dir};
use super::latest;
use super::meta::{MetaInput, SnapshotFacts, meta_document};
use super::naming::{choose_stem, is_valid_job_name};
use super::pending_file::PendingFile;
use super::retention::{Current, Retention, apply_retention};
use super::spec::OutputSpec;
use crate::store::JobFolder;

/// An export being written. Dropping it without [`Snapshot::commit`] removes every
/// temporary file: nothing becomes visible, and `latest.*` and older snapshots stay as they were.
pub(crate) struct Snapshot {
    /// One file per format, in the spec's order.
    files: Vec<PendingFile>,
    /// The job's folder.
    folder: JobFolder,
    /// The job's name.
    job: String,
    /// `{job}-{YYYYMMDDTHHMMSSZ}`, perhaps with `-2`, `-3`, ...
    stem: String,
    /// When the run started.
    started_at: Timestamp,
    /// What retention keeps after the commit.
    retention: Retention,
    /// Whether secret fields are redacted.
    redact: bool,
    /// Who may read the files.
    access: Access,
    /// Whether a JSON or NDJSON file needs each record's text.
    wants_text: bool,
    /// Reused for the records that hold secrets.
    redactor: Redactor,
    /// Records written so far.
    records: u64,
    /// Compares the records with the previous snapshot, when a change report is asked for.
    changes: Option<ChangeTracker>,
}

/// A committed snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Committed {
    /// The name every file of this snapshot starts with.
    pub stem: String,
    /// How many records it holds.
    pub records: u64,
    /// The data files, in the spec's order of formats.
    pub files: Vec<WrittenFile>,
    /// `{stem}.meta.json` (a path, or the object's URL).
    pub meta_path: PathBuf,
    /// The stems of the older snapshots retention removed, oldest first.
    pub removed_by_retention: Vec<String>,
    /// The change report's numbers, when the spec asked for one.
    pub changes: Option<ChangeSummary>,
    /// Whether every `latest.*` file now belongs to this snapshot. `false` when replacing one
    /// (or syncing the folder) failed after the snapshot was in place: a warning was logged,
    /// the snapshot is complete and the run a success, but `latest.meta.json` may be missing
    /// and `latest.{ext}` older until the next run.
    pub latest_updated: bool,
}

impl Snapshot {
    /// Starts a snapshot of `job` in its folder (created if needed) for a run started at
    /// `started_at`, with one new file (temporary file or upload) per format of `spec`.
    pub(crate) fn begin(
        folder: impl Into<JobFolder>,
        job: &str,
        started_at: Timestamp,
        spec: &OutputSpec,
    ) -> Result<Snapshot, SnapshotError> {
        if !is_valid_job_name(job) {
            return Err(SnapshotError::InvalidJobName {
                job: job.to_owned(),
            });
        }
        let folder = folder.into();
        folder.ensure()?;
        let access = Access::of(spec);
        if let Some(dir) = folder.local_dir() {
            protect_job_dir(dir, access)?;
        }
        let stem = choose_stem(&folder, job, started_at)?;
        let files = spec
            .formats()
            .iter()
            .map(|format| PendingFile::open(&folder, &stem, *format, spec, access))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Snapshot {
            wants_text: files.iter().any(PendingFile::wants_text),
            files,
            job: job.to_owned(),
            stem,
            started_at,
            retention: Retention::of(spec),
            redact: spec.redact(),
            access,
            redactor: Redactor::new(),
            records: 0,
            changes: spec
                .changes()
                .map(|identity| ChangeTracker::new(&folder, identity, access)),
            folder,
        })
    }

    /// The stem this snapshot's files will carry.
    pub(crate) fn stem(&self) -> &str {
        &self.stem
    }

    /// How many records have been written.
    pub(crate) fn records(&self) -> u64 {
        self.records
    }

    /// Appends one record (a JSON object, exactly as the API returned it) to every file.
    ///
    /// After an error the files may be partial: drop the snapshot (nothing becomes visible).
    pub(crate) fn write(&mut self, record: &RawValue) -> Result<(), SnapshotError> {
        let number = self.records + 1;
        let text = if self.wants_text && self.redact {
            self.redactor
                .redact(record)
                .map_err(|source| record_error(number, &self.folder, &self.stem, source.into()))?
        } else {
            record.get().as_bytes()
        };
        for file in &mut self.files {
            file.write(record, text)
                .map_err(|error| write_error(number, file.target(), error))?;
        }
        if let Some(changes) = &mut self.changes {
            changes
                .observe(record.get().as_bytes(), text)
                .map_err(|error| record_error(number, &self.folder, &self.stem, error))?;
        }
        self.records = number;
        Ok(())
    }

    /// Appends every record of `records`, such as one page.
    pub(crate) fn write_all<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a RawValue>,
    ) -> Result<(), SnapshotError> {
        records
            .into_iter()
            .try_for_each(|record| self.write(record))
    }

    /// Makes the snapshot visible: each file is finished, synced and renamed into place, then
    /// the change report (if asked for) and the meta file are written, `latest.*` replaced and
    /// retention applied. The meta file gets a `changes` object with the report's numbers.
    ///
    /// If a data file or the meta file cannot be written, the files already renamed are removed
    /// again, so a failed commit leaves nothing visible. Once the snapshot stands, failures to
    /// update `latest.*` (see [`Committed::latest_updated`]) or to apply retention are only
    /// logged: the snapshot itself is complete by then.
    pub(crate) fn commit(self, mut meta: MetaInput) -> Result<Committed, SnapshotError> {
        let Snapshot {
            files,
            folder,
            job,
            stem,
            started_at,
            retention,
            records,
            changes,
            access,
            ..
        } = self;
        let mut visible = Rollback {
            folder: folder.clone(),
            names: Vec::new(),
        };
        let mut written = Vec::with_capacity(files.len());
        for file in files {
            let file = file.persist()?;
            visible.names.push(file.name.clone());
            written.push(file);
        }
        let changes = match changes {
            Some(tracker) => Some(tracker.finish(&job, &stem, records)?),
            None => None,
        };
        if let Some(summary) = &changes {
            visible.names.extend(summary.written_names());
            meta.extra.insert("changes".to_owned(), summary.meta());
        }
        let meta_name = format!("{stem}.meta.json");
        let meta_path = folder.location(&meta_name);
        let facts = SnapshotFacts {
            job: &job,
            started_at,
            records,
            files: &written,
        };
        let document = meta_document(&facts, &meta)
            .map_err(|error| SnapshotError::io("write", &meta_path, error.into()))?;
        folder.put(&meta_name, &document, access.file_mode())?;
        visible.names.push(meta_name.clone());
        folder.sync()?;

        let staged = latest::stage_all(&folder, &written, &meta_name, access)?;
        visible.names.clear(); // from here on the snapshot stands, whatever happens to `latest`
        let latest_updated = staged.apply(&folder, &job);

        let current = Current {
            stem: &stem,
            records,
            started_at,
        };
        let removed_by_retention = retain(&folder, &job, retention, current);
        Ok(Committed {
            stem,
            records,
            files: written,
            meta_path,
            removed_by_retention,
            changes,
            latest_updated,
        })
    }
}

/// Applies retention; a failure is logged, since the new snapshot is already complete.
fn retain(
    folder: &JobFolder,
    job: &str,
    retention: Retention,
    current: Current<'_>,
) -> Vec<String> {
    match apply_retention(folder, job, retention, current) {
        Ok(removed) => {
            if !removed.is_empty() {
                let _ = folder.sync();
            }
            removed
        }
        Err(error) => {
            tracing::warn!(job, %error, "old snapshots could not be removed; they will be retried after the next run");
            Vec::new()
        }
    }
}

fn record_error(number: u64, folder: &JobFolder, stem: &str, source: io::Error) -> SnapshotError {
    SnapshotError::Record {
        number,
        path: folder.location(stem),
        source,
    }
}

fn write_error(number: u64, target: &Path, error: io::Error) -> SnapshotError {
    let is_json = error
        .get_ref()
        .is_some_and(|inner| inner.is::<serde_json::Error>());
    if is_json {
        SnapshotError::Record {
            number,
            path: target.to_owned(),
            source: error,
        }
    } else {
        SnapshotError::io("write", target, error)
    }
}

/// Files made visible by a commit in progress; removed again unless the commit gets through.
struct Rollback {
    /// Where they are.
    folder: JobFolder,
    /// What to remove on drop.
    names: Vec<String>,
}

impl Drop for Rollback {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = self.folder.remove(name);
        }
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("folder", &self.folder)
            .field("stem", &self.stem)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}
