//! `latest.{ext}`: the newest complete snapshot under a fixed name, replaced atomically.
//!
//! Each `latest` file is first staged under a temporary name, as a hard link to the snapshot
//! file (no copy, no extra space) or, where the file system has no hard links, as a copy.
//! Only when every one is staged are they renamed over the old ones, so a failure while
//! staging leaves the previous `latest` files untouched.
//!
//! Once staged, the data files are renamed first and `latest.meta.json` last, and the
//! `latest.{ext}` of a format this snapshot does not have is removed, so `latest.*` never
//! mixes snapshots for long. If any of that fails, `latest.meta.json` is removed rather than
//! left describing other files than the `latest` data files; the next good run restores it.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::error::{IoContext, SnapshotError};
use super::files::{Access, WrittenFile};
use super::format::Format;
use crate::atomic_file::{TempPath, sync_dir};

/// The suffix of the meta file's `latest` name.
const META_SUFFIX: &str = "meta.json";

/// The name of the `latest` file for a snapshot file suffix (`csv`, `meta.json`).
pub(crate) fn latest_name(suffix: &str) -> String {
    format!("latest.{suffix}")
}

/// A `latest` file ready to be renamed into place.
#[derive(Debug)]
pub(crate) struct StagedLatest {
    /// The staged link or copy.
    temp: TempPath,
    /// `{dir}/latest.{suffix}`.
    target: PathBuf,
}

/// Stages `latest.{suffix}` as a link to (or copy of) `source`.
pub(crate) fn stage(
    dir: &Path,
    source: &Path,
    suffix: &str,
    access: Access,
) -> Result<StagedLatest, SnapshotError> {
    let name = latest_name(suffix);
    let temp = match TempPath::hard_link(dir, &name, source) {
        Ok(temp) => temp,
        Err(_) => copy_to_temp(dir, &name, source, access)?,
    };
    Ok(StagedLatest {
        temp,
        target: dir.join(name),
    })
}

fn copy_to_temp(
    dir: &Path,
    name: &str,
    source: &Path,
    access: Access,
) -> Result<TempPath, SnapshotError> {
    let (temp, mut file) = TempPath::create(dir, name, access.file_mode())?;
    let mut reader = File::open(source).context("read", source)?;
    io::copy(&mut reader, &mut file).context("copy to", &dir.join(name))?;
    file.sync_all().context("flush to disk", &dir.join(name))?;
    Ok(temp)
}

impl StagedLatest {
    /// Renames the staged file over `latest.{suffix}`.
    pub(crate) fn replace(self) -> Result<(), SnapshotError> {
        Ok(self.temp.persist(&self.target)?)
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
    dir: &Path,
    files: &[WrittenFile],
    meta_path: &Path,
    access: Access,
) -> Result<StagedSet, SnapshotError> {
    let data = files
        .iter()
        .map(|file| stage(dir, &file.path, file.format.extension(), access))
        .collect::<Result<Vec<_>, _>>()?;
    let meta = stage(dir, meta_path, META_SUFFIX, access)?;
    let absent = Format::ALL
        .into_iter()
        .filter(|format| files.iter().all(|file| file.format != *format))
        .collect();
    Ok(StagedSet { data, meta, absent })
}

impl StagedSet {
    /// Puts every staged file in place, the meta file last, removes the `latest` files of
    /// absent formats and syncs the folder; `false` (after a warning) if any of it failed.
    ///
    /// Never an error: the snapshot itself is complete by then.
    pub(crate) fn apply(self, dir: &Path, job: &str) -> bool {
        let mut complete = true;
        for staged in self.data {
            complete &= warn_unless(job, staged.replace());
        }
        for format in self.absent {
            complete &= warn_unless(job, remove_if_present(dir, format.extension()));
        }
        if complete {
            complete &= warn_unless(job, self.meta.replace());
        } else {
            drop(self.meta);
            warn_unless(job, remove_if_present(dir, META_SUFFIX));
        }
        complete & warn_unless(job, sync_dir(dir).map_err(SnapshotError::from))
    }
}

/// Removes `latest.{suffix}` if it is there.
fn remove_if_present(dir: &Path, suffix: &str) -> Result<(), SnapshotError> {
    let path = dir.join(latest_name(suffix));
    match fs::remove_file(&path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(SnapshotError::io("remove", path, error))
        }
        _ => Ok(()),
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

    use super::*;

    #[test]
    fn latest_replaces_the_previous_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a-1.csv");
        let second = dir.path().join("a-2.csv");
        fs::write(&first, "one").unwrap();
        fs::write(&second, "two").unwrap();
        stage(dir.path(), &first, "csv", Access::Shared)
            .unwrap()
            .replace()
            .unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("latest.csv")).unwrap(),
            "one"
        );
        stage(dir.path(), &second, "csv", Access::Shared)
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
        drop(stage(dir.path(), &source, "json", Access::Shared).unwrap());
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
}
