//! Retention: after a commit, the job's older snapshots that its rules let go are removed.
//!
//! Two rules, from the job's `[output]`: by count (`keep`, the newest N) and by age
//! (`keep_for`, younger than a length of time, by the time stamp in the snapshot's name against
//! the new snapshot's). Alone, each works by itself; together, a snapshot is removed only when
//! it is both beyond `keep` and older than `keep_for`, so the rule that keeps more wins. The
//! snapshot just written is always kept (even if a clock running backwards made it look older),
//! and the newest snapshot is never removed by age. For an incremental job's deltas, a snapshot
//! of 0 records (as versions before 2026-11-29 wrote for quiet runs) never counts towards
//! `keep`: retention must never delete the only copy of events (SPEC, 2026-11-29).
//!
//! A snapshot is every file sharing a stem (data files, `.meta.json`, `.changes.json`, ...).
//! Only files named exactly like one of this job's stems are considered; `latest.*`, the lock
//! file, temporary files and anything else in the folder are never removed. A snapshot goes
//! meta file first, and [`sweep_uncommitted`] removes the files of a snapshot without one (a
//! killed commit or removal left them). This module only removes; it never writes or renames
//! a file.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use super::error::SnapshotError;
use super::meta::recorded_records;
use super::naming::{parse_snapshot_file, stamp_time};
use super::spec::OutputSpec;
use crate::store::JobFolder;

/// A job's retention rules, as its [`OutputSpec`] gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retention {
    /// Keep the newest `keep` snapshots that count; 0 sets no limit by count.
    pub(crate) keep: u32,
    /// Keep the snapshots younger than this; `None` sets no limit by age.
    pub(crate) keep_for: Option<Duration>,
    /// Incremental deltas: a snapshot of 0 records does not count towards `keep`.
    pub(crate) deltas: bool,
}

impl Retention {
    /// The rules of `spec`.
    pub(crate) fn of(spec: &OutputSpec) -> Self {
        Self {
            keep: spec.keep(),
            keep_for: spec.keep_for(),
            deltas: spec.deltas(),
        }
    }

    /// Whether a snapshot beyond `keep` (`beyond`) and older than `keep_for` (`old`) goes.
    fn removes(&self, beyond: bool, old: bool) -> bool {
        match (self.keep > 0, self.keep_for.is_some()) {
            (true, true) => beyond && old,
            (true, false) => beyond,
            (false, true) => old,
            (false, false) => false,
        }
    }
}

/// The snapshot a commit just wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Current<'a> {
    /// Its stem.
    pub(crate) stem: &'a str,
    /// The records it holds.
    pub(crate) records: u64,
    /// When its run started: ages are measured from here.
    pub(crate) started_at: Timestamp,
}

/// Removes the job's snapshots that `rules` let go (see the module's text); returns the
/// removed stems, oldest first.
pub(crate) fn apply_retention(
    folder: &JobFolder,
    job: &str,
    rules: Retention,
    current: Current<'_>,
) -> Result<Vec<String>, SnapshotError> {
    if rules.keep == 0 && rules.keep_for.is_none() {
        return Ok(Vec::new());
    }
    let snapshots = list_snapshots(folder, job)?;
    let newest = snapshots.keys().next_back().cloned();
    // Older than this instant is older than `keep_for`; none is when it falls before time began.
    let cutoff = rules
        .keep_for
        .and_then(|age| current.started_at.checked_sub(age).ok());
    // The snapshots newer than the one looked at that count towards `keep`.
    let mut counted = u32::from(!rules.deltas || current.records > 0);
    let mut doomed = Vec::new();
    for (key, (stem, files)) in snapshots.into_iter().rev() {
        if stem == current.stem {
            continue;
        }
        let beyond = counted >= rules.keep;
        if !rules.deltas || holds_records(folder, &stem) {
            counted = counted.saturating_add(1);
        }
        let old = Some(&key) != newest.as_ref()
            && cutoff.is_some_and(|cutoff| stamp_time(&key.0).is_some_and(|at| at < cutoff));
        if rules.removes(beyond, old) {
            doomed.push((stem, files));
        }
    }
    doomed.reverse();
    let mut removed = Vec::with_capacity(doomed.len());
    for (stem, mut files) in doomed {
        // The meta file first: a snapshot is committed while it is there, so a run killed in
        // the middle leaves files without one, which the next run sweeps, never a meta file
        // naming files that are gone.
        files.sort_by_key(|file| !file.ends_with(".meta.json"));
        for file in files {
            folder.remove(&file)?;
        }
        removed.push(stem);
    }
    Ok(removed)
}

/// Removes the files of `job`'s snapshots in `folder` that have no meta file, and returns how
/// many: a commit renames the data files and the change report into place first and writes
/// the meta file last, so these are what a run killed in between left (retention, too, removes
/// a meta file first). Call it only under the job's lock, as a commit may be under way
/// otherwise. A folder that does not exist holds none.
pub(crate) fn sweep_uncommitted(folder: &JobFolder, job: &str) -> Result<usize, SnapshotError> {
    let mut removed = 0;
    for (stem, files) in list_snapshots(folder, job)?.into_values() {
        if files.contains(&format!("{stem}.meta.json")) {
            continue;
        }
        for file in files {
            folder.remove(&file)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The name of the meta file of `job`'s newest committed snapshot in `folder` (one whose
/// meta file is there), `None` when there is none or the folder cannot be listed. What a
/// reader falls back on while `latest.meta.json` is away (a run killed while it replaced
/// `latest.*`), and where an incremental job whose output is in a store resumes.
pub(crate) fn newest_committed_meta(folder: &JobFolder, job: &str) -> Option<String> {
    newest_committed_meta_listed(folder, job).ok().flatten()
}

/// [`newest_committed_meta`], but a folder that cannot be listed is an error rather than
/// none: where the answer decides what to export (an incremental job's checkpoint in a
/// store), "no snapshot" would start again from the oldest event and export every event twice.
pub(crate) fn newest_committed_meta_listed(
    folder: &JobFolder,
    job: &str,
) -> Result<Option<String>, SnapshotError> {
    let snapshots = list_snapshots(folder, job)?;
    Ok(snapshots.into_values().rev().find_map(|(stem, files)| {
        let meta = format!("{stem}.meta.json");
        files.contains(&meta).then_some(meta)
    }))
}

/// Whether snapshot `stem` may hold records: its meta file says more than 0, or cannot say
/// (a snapshot without a readable meta file is taken to hold records, so it keeps its place).
fn holds_records(folder: &JobFolder, stem: &str) -> bool {
    let meta = folder.read(&format!("{stem}.meta.json")).ok().flatten();
    meta.and_then(|text| recorded_records(&text)) != Some(0)
}

type Snapshots = BTreeMap<(String, u64), (String, Vec<String>)>;

/// The job's snapshots, oldest first: stem and file names.
fn list_snapshots(folder: &JobFolder, job: &str) -> Result<Snapshots, SnapshotError> {
    let mut snapshots = Snapshots::new();
    for name in folder.list()? {
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

#[cfg(test)]
mod tests;
