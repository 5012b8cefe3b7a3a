//! `latest.{ext}`: the newest complete snapshot under a fixed name, replaced atomically.
//!
//! On a local disk each `latest` file is first staged under a temporary name, as a hard link
//! to the snapshot file (no copy, no extra space) or, where the file system has no hard links,
//! as a copy. Only when every one is staged are they renamed over the old ones, so a failure
//! while staging leaves the previous `latest` files untouched. An object store has no rename:
//! there each `latest` object is a server-side copy made at its step.
//!
//! Once staged, `latest.meta.json` is removed first (and the folder synced), then the data
//! files are renamed and the `latest.{ext}` of a format this snapshot does not have removed,
//! and the new `latest.meta.json` is put in place last. So whenever `latest.meta.json` is
//! there, every `latest.{ext}` is a file it names, even if the process is killed between two
//! renames; a missing `latest.meta.json` means "latest in transition or out of date", and
//! readers (status, the change report) must treat it as "no latest". If any step fails,
//! `latest.meta.json` stays away; the next good run restores it.

use std::fs::File;
use std::io;

use super::error::{IoContext, SnapshotError};
use super::files::{Access, WrittenFile};
use super::format::Format;
use crate::atomic_file::TempPath;
use crate::store::JobFolder;

/// The suffix of the meta file's `latest` name.
const META_SUFFIX: &str = "meta.json";

/// The name of the `latest` file for a snapshot file suffix (`csv`, `meta.json`).
pub(crate) fn latest_name(suffix: &str) -> String {
    format!("latest.{suffix}")
}

/// A meta file found: its name and its text.
pub(crate) type FoundMeta = (String, Vec<u8>);

/// The meta file describing the job's latest snapshot, as `(name, text)`: `latest.meta.json`,
/// or while it is away (`latest.*` in transition, see the module's text) the newest committed
/// snapshot's own meta file; `Ok(None)` when there is neither.
///
/// # Errors
/// The name of the file that could not be read, and why.
pub(crate) fn latest_meta(
    folder: &JobFolder,
    job: &str,
) -> Result<Option<FoundMeta>, (String, crate::store::StoreError)> {
    let read = |name: String| match folder.read(&name) {
        Ok(text) => Ok(text.map(|text| (name, text))),
        Err(error) => Err((name, error)),
    };
    if let Some(found) = read(latest_name(META_SUFFIX))? {
        return Ok(Some(found));
    }
    match super::newest_committed_meta(folder, job) {
        Some(newest) => read(newest),
        None => Ok(None),
    }
}

/// A `latest` file ready to be put in place.
#[derive(Debug)]
pub(crate) enum StagedLatest {
    /// A staged link or copy, to rename over `{dir}/latest.{suffix}`.
    Local {
        /// The staged file.
        temp: TempPath,
        /// `{dir}/latest.{suffix}`.
        target: std::path::PathBuf,
    },
    /// A copy to make inside the store.
    Object {
        /// The folder.
        folder: JobFolder,
        /// The snapshot's object.
        source: String,
        /// `latest.{suffix}`.
        target: String,
    },
}

/// Stages `latest.{suffix}` as a link to (or copy of) the snapshot file `source`.
pub(crate) fn stage(
    folder: &JobFolder,
    source: &str,
    suffix: &str,
    access: Access,
) -> Result<StagedLatest, SnapshotError> {
    let name = latest_name(suffix);
    let Some(dir) = folder.local_dir() else {
        return Ok(StagedLatest::Object {
            folder: folder.clone(),
            source: source.to_owned(),
            target: name,
        });
    };
    let source = dir.join(source);
    let temp = match TempPath::hard_link(dir, &name, &source) {
        Ok(temp) => temp,
        Err(_) => copy_to_temp(dir, &name, &source, access)?,
    };
    Ok(StagedLatest::Local {
        temp,
        target: dir.join(name),
    })
}

fn copy_to_temp(
    dir: &std::path::Path,
    name: &str,
    source: &std::path::Path,
    access: Access,
) -> Result<TempPath, SnapshotError> {
    let (temp, mut file) = TempPath::create(dir, name, access.file_mode())?;
    let mut reader = File::open(source).context("read", source)?;
    io::copy(&mut reader, &mut file).context("copy to", &dir.join(name))?;
    file.sync_all().context("flush to disk", &dir.join(name))?;
    Ok(temp)
}

impl StagedLatest {
    /// Puts the staged file in place over `latest.{suffix}`.
    pub(crate) fn replace(self) -> Result<(), SnapshotError> {
        match self {
            StagedLatest::Local { temp, target } => Ok(temp.persist(&target)?),
            StagedLatest::Object {
                folder,
                source,
                target,
            } => match &folder {
                JobFolder::Object(objects) => Ok(objects.copy(&source, &target)?),
                JobFolder::Local(_) => Ok(()),
            },
        }
    }
}

/// Every `latest` file of one snapshot, staged: the data files and the meta file.
#[derive(Debug)]
pub(crate) struct StagedSet {
    /// `latest.{ext}` of each data file.
    data: Vec<StagedLatest>,
    /// `latest.meta.json`.
    meta: StagedLatest,
    /// The formats this snapshot has no file for.
    absent: Vec<Format>,
}

/// Stages every `latest` file; any failure drops the staged ones, leaving `latest` untouched.
pub(crate) fn stage_all(
    folder: &JobFolder,
    files: &[WrittenFile],
    meta_name: &str,
    access: Access,
) -> Result<StagedSet, SnapshotError> {
    let data = files
        .iter()
        .map(|file| stage(folder, &file.name, file.format.extension(), access))
        .collect::<Result<Vec<_>, _>>()?;
    let meta = stage(folder, meta_name, META_SUFFIX, access)?;
    let absent = Format::ALL
        .into_iter()
        .filter(|format| files.iter().all(|file| file.format != *format))
        .collect();
    Ok(StagedSet { data, meta, absent })
}

/// One step of putting a [`StagedSet`] in place; [`StagedSet::steps`] gives them in order.
#[derive(Debug)]
enum Step {
    /// Removes `latest.meta.json` and syncs the folder, so no reader trusts `latest.*` while
    /// the data files change.
    HideMeta,
    /// Puts one staged data file over its `latest.{ext}`.
    Replace(StagedLatest),
    /// Removes the `latest.{ext}` of a format this snapshot has no file for.
    RemoveAbsent(Format),
    /// Puts the staged meta file over `latest.meta.json`: the set now describes itself.
    PlaceMeta(StagedLatest),
}

impl Step {
    fn run(self, folder: &JobFolder) -> Result<(), SnapshotError> {
        match self {
            Step::HideMeta => {
                folder.remove(&latest_name(META_SUFFIX))?;
                Ok(folder.sync()?)
            }
            Step::Replace(staged) | Step::PlaceMeta(staged) => staged.replace(),
            Step::RemoveAbsent(format) => Ok(folder.remove(&latest_name(format.extension()))?),
        }
    }
}

impl StagedSet {
    /// The steps of [`StagedSet::apply`], in the order they run: hide the meta file, replace
    /// the data files, remove those of absent formats, place the meta file.
    fn steps(self) -> Vec<Step> {
        let mut steps = vec![Step::HideMeta];
        steps.extend(self.data.into_iter().map(Step::Replace));
        steps.extend(self.absent.into_iter().map(Step::RemoveAbsent));
        steps.push(Step::PlaceMeta(self.meta));
        steps
    }

    /// Puts every staged file in place, the meta file removed first and placed last, removes
    /// the `latest` files of absent formats and syncs the folder; `false` (after a warning)
    /// if any of it failed. If the old meta file cannot be removed, nothing else is touched;
    /// if a later step fails, `latest.meta.json` stays away.
    ///
    /// Never an error: the snapshot itself is complete by then.
    pub(crate) fn apply(self, folder: &JobFolder, job: &str) -> bool {
        let mut complete = true;
        for step in self.steps() {
            match step {
                // Leaving the old meta file beside new data files would be a lie; stop here.
                Step::HideMeta if !warn_unless(job, Step::HideMeta.run(folder)) => return false,
                // A partial set gets no meta file: readers see "no latest", not a mix.
                Step::PlaceMeta(meta) if !complete => drop(meta),
                step => complete &= warn_unless(job, step.run(folder)),
            }
        }
        complete & warn_unless(job, folder.sync().map_err(SnapshotError::from))
    }
}

fn warn_unless(job: &str, result: Result<(), SnapshotError>) -> bool {
    match result {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(job, %error, "the snapshot is complete, but the latest files could not all be updated; the next run updates them again");
            false
        }
    }
}

#[cfg(test)]
mod tests;
