//! Retention: after a commit, only the newest `keep` snapshots of the job remain.
//!
//! A snapshot is every file sharing a stem (data files, `.meta.json`, `.changes.json`, ...).
//! Only files named exactly like one of this job's stems are considered; `latest.*`, the lock
//! file, temporary files and anything else in the folder are never removed. The snapshot just
//! written is always kept, even if a clock running backwards made it look older.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use super::error::{IoContext, SnapshotError};
use super::naming::parse_snapshot_file;

/// Removes the job's snapshots beyond the newest `keep` (0 keeps all); returns the removed
/// stems, oldest first.
pub(crate) fn apply_retention(
    dir: &Path,
    job: &str,
    keep: u32,
    current: &str,
) -> Result<Vec<String>, SnapshotError> {
    if keep == 0 {
        return Ok(Vec::new());
    }
    let snapshots = list_snapshots(dir, job)?;
    let mut kept = 1; // the current snapshot
    let mut doomed = Vec::new();
    for (stem, files) in snapshots.into_values().rev() {
        if stem == current {
            continue;
        }
        if kept < keep {
            kept += 1;
        } else {
            doomed.push((stem, files));
        }
    }
    doomed.reverse();
    let mut removed = Vec::with_capacity(doomed.len());
    for (stem, files) in doomed {
        for file in files {
            remove_if_present(&dir.join(file))?;
        }
        removed.push(stem);
    }
    Ok(removed)
}

type Snapshots = BTreeMap<(String, u64), (String, Vec<String>)>;

/// The job's snapshots, oldest first: stem and file names.
fn list_snapshots(dir: &Path, job: &str) -> Result<Snapshots, SnapshotError> {
    let mut snapshots = Snapshots::new();
    for entry in fs::read_dir(dir).context("list", dir)? {
        let entry = entry.context("list", dir)?;
        if !entry.file_type().is_ok_and(|kind| kind.is_file()) {
            continue;
        }
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Some((stem, order)) = parse_snapshot_file(job, &name) else {
            continue;
        };
        let (stamp, sequence) = order.key();
        let slot = snapshots
            .entry((stamp.to_owned(), sequence))
            .or_insert_with(|| (stem.to_owned(), Vec::new()));
        slot.1.push(name);
    }
    Ok(snapshots)
}

fn remove_if_present(path: &Path) -> Result<(), SnapshotError> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(SnapshotError::io("remove", path, error))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn touch(dir: &Path, names: &[&str]) {
        for name in names {
            fs::write(dir.join(name), "x").unwrap();
        }
    }

    #[test]
    fn the_oldest_snapshots_beyond_keep_are_removed_with_all_their_files() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &[
                "a-20240101T000000Z.csv",
                "a-20240101T000000Z.meta.json",
                "a-20240101T000000Z.changes.json",
                "a-20240102T000000Z.csv",
                "a-20240102T000000Z.meta.json",
                "a-20240102T000000Z-2.csv",
                "a-20240103T000000Z.csv",
                "latest.csv",
                "latest.meta.json",
                ".lock",
                "notes.txt",
                "b-20230101T000000Z.csv",
            ],
        );
        let removed = apply_retention(dir.path(), "a", 2, "a-20240103T000000Z").unwrap();
        assert_eq!(removed, ["a-20240101T000000Z", "a-20240102T000000Z"]);
        assert_eq!(
            names(dir.path()),
            [
                ".lock",
                "a-20240102T000000Z-2.csv",
                "a-20240103T000000Z.csv",
                "b-20230101T000000Z.csv",
                "latest.csv",
                "latest.meta.json",
                "notes.txt",
            ]
        );
    }

    #[test]
    fn keep_zero_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &["a-20240101T000000Z.csv", "a-20240102T000000Z.csv"],
        );
        assert!(
            apply_retention(dir.path(), "a", 0, "a-20240102T000000Z")
                .unwrap()
                .is_empty()
        );
        assert_eq!(names(dir.path()).len(), 2);
    }

    #[test]
    fn the_snapshot_just_written_survives_even_when_it_sorts_oldest() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &[
                "a-20240101T000000Z.csv",
                "a-20240105T000000Z.csv",
                "a-20240106T000000Z.csv",
            ],
        );
        let removed = apply_retention(dir.path(), "a", 2, "a-20240101T000000Z").unwrap();
        assert_eq!(removed, ["a-20240105T000000Z"]);
        assert_eq!(
            names(dir.path()),
            ["a-20240101T000000Z.csv", "a-20240106T000000Z.csv"]
        );
    }
}
