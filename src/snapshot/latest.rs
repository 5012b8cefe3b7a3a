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
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;

    #[test]
    fn latest_replaces_the_previous_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a-1.csv");
        let second = dir.path().join("a-2.csv");
        fs::write(&first, "one").unwrap();
        fs::write(&second, "two").unwrap();
        stage(&dir.path().into(), "a-1.csv", "csv", Access::Shared)
            .unwrap()
            .replace()
            .unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("latest.csv")).unwrap(),
            "one"
        );
        stage(&dir.path().into(), "a-2.csv", "csv", Access::Shared)
            .unwrap()
            .replace()
            .unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("latest.csv")).unwrap(),
            "two"
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn a_staged_latest_that_is_dropped_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a-1.json");
        fs::write(&source, "[]").unwrap();
        drop(stage(&dir.path().into(), "a-1.json", "json", Access::Shared).unwrap());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn copying_works_where_hard_links_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a-1.json");
        fs::write(&source, "[1]").unwrap();
        let temp = copy_to_temp(dir.path(), "latest.json", &source, Access::Shared).unwrap();
        assert_eq!(fs::read_to_string(temp.path()).unwrap(), "[1]");
    }

    /// Writes snapshot `stem` in `formats` (contents unique to the stem) and its meta file
    /// naming them; returns the data files.
    fn snapshot(dir: &Path, stem: &str, formats: &[Format]) -> Vec<WrittenFile> {
        let files: Vec<WrittenFile> = formats
            .iter()
            .map(|format| {
                let name = format!("{stem}.{}", format.extension());
                fs::write(dir.join(&name), format!("{stem} {}", format.name())).unwrap();
                WrittenFile {
                    path: dir.join(&name),
                    name,
                    format: *format,
                    bytes: 0,
                    sha256: String::new(),
                }
            })
            .collect();
        let named: Vec<_> = files
            .iter()
            .map(|file| serde_json::json!({"name": file.name, "format": file.format.name()}))
            .collect();
        let meta = serde_json::json!({ "files": named });
        fs::write(dir.join(format!("{stem}.meta.json")), meta.to_string()).unwrap();
        files
    }

    /// With `latest.meta.json` present, each `latest.{ext}` is the file it names and there is
    /// none it does not name; `Err` says what is mixed.
    fn latest_consistent(dir: &Path) -> Result<(), String> {
        let Ok(text) = fs::read_to_string(dir.join("latest.meta.json")) else {
            return Ok(()); // in transition: no reader trusts latest.*
        };
        let meta: serde_json::Value = serde_json::from_str(&text).unwrap();
        for format in Format::ALL {
            let latest = fs::read_to_string(dir.join(latest_name(format.extension()))).ok();
            let named = meta["files"].as_array().unwrap().iter().find_map(|file| {
                (file["format"] == format.name()).then(|| file["name"].as_str().unwrap())
            });
            let expected = named.map(|name| fs::read_to_string(dir.join(name)).unwrap());
            if latest != expected {
                return Err(format!(
                    "latest.{}: {latest:?} != {expected:?}",
                    format.extension()
                ));
            }
        }
        Ok(())
    }

    #[test]
    fn a_kill_between_any_two_steps_leaves_no_meta_file_beside_mixed_latest_files() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let all = [Format::Json, Format::Ndjson, Format::Csv];
        let old = snapshot(dir, "a-1", &all);
        let folder = JobFolder::from(dir);
        assert!(
            stage_all(&folder, &old, "a-1.meta.json", Access::Shared)
                .unwrap()
                .apply(&folder, "a")
        );
        latest_consistent(dir).unwrap();

        let new = snapshot(dir, "a-2", &[Format::Json, Format::Csv]);
        let new_meta = dir.join("a-2.meta.json");
        let steps = stage_all(&folder, &new, "a-2.meta.json", Access::Shared)
            .unwrap()
            .steps();
        let count = steps.len();
        for (done, step) in steps.into_iter().enumerate() {
            step.run(&folder).unwrap();
            // A kill right here leaves exactly this folder behind.
            latest_consistent(dir).unwrap_or_else(|mix| panic!("after step {done}: {mix}"));
            let meta_there = dir.join("latest.meta.json").exists();
            assert_eq!(meta_there, done + 1 == count, "after step {done}");
        }
        assert_eq!(
            fs::read_to_string(dir.join("latest.meta.json")).unwrap(),
            fs::read_to_string(&new_meta).unwrap()
        );
        assert!(!dir.join("latest.ndjson").exists());
    }

    #[test]
    fn a_meta_file_that_cannot_be_removed_leaves_every_latest_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let old = snapshot(dir, "a-1", &[Format::Json]);
        let folder = JobFolder::from(dir);
        assert!(
            stage_all(&folder, &old, "a-1.meta.json", Access::Shared)
                .unwrap()
                .apply(&folder, "a")
        );
        // A non-empty folder named latest.meta.json cannot be removed as a file.
        fs::remove_file(dir.join("latest.meta.json")).unwrap();
        fs::create_dir(dir.join("latest.meta.json")).unwrap();
        fs::write(dir.join("latest.meta.json/keep"), "").unwrap();
        let new = snapshot(dir, "a-2", &[Format::Json]);

        let set = stage_all(&folder, &new, "a-2.meta.json", Access::Shared).unwrap();
        assert!(!set.apply(&folder, "a"));

        assert_eq!(
            fs::read_to_string(dir.join("latest.json")).unwrap(),
            "a-1 json"
        );
        assert!(fs::read_dir(dir).unwrap().all(|entry| {
            !entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".a0snap-tmp-")
        }));
    }
}
