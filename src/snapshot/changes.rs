//! Change reports: `{stem}.changes.json` lists the records added, removed and changed since the
//! previous snapshot, by an identity field (or, for a `for_each` job, the parent's and the
//! child's: `["role_id","user_id"]`), with the top-level fields that differ.
//!
//! The previous snapshot (read by `previous`) is reduced to fingerprints (see `baseline`) the
//! first time a record is written, on the writing thread. Each new record is compared as it is
//! written and its identity marked seen; what is never seen was removed. A record without the identity field
//! cannot be compared and is only counted. Only the first snapshot of a job, or one whose
//! previous snapshot cannot be read (a warning says why), gets no report.

mod baseline;
mod previous;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::error::SnapshotError;
use super::files::Access;
use crate::atomic_file::write_atomically;
use baseline::{KeyTable, PackedField, differing, fingerprint};
use previous::PreviousFile;

/// What a committed snapshot's change report says, in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeSummary {
    /// The stem of the snapshot compared against; `None` when there was none to compare
    /// against (and no report was written).
    pub previous: Option<String>,
    /// Records whose identity the previous snapshot did not have.
    pub added: u64,
    /// Records of the previous snapshot that are gone.
    pub removed: u64,
    /// Records with at least one top-level field that differs.
    pub changed: u64,
    /// The report, `{stem}.changes.json`.
    pub file: Option<PathBuf>,
}

/// A previous record: where it stood and its field hashes, until a new record claims it.
#[derive(Debug)]
enum Slot {
    Pending {
        position: u32,
        fields: Box<[PackedField]>,
    },
    Seen,
}

/// The previous snapshot, as fingerprints.
#[derive(Debug)]
struct Baseline {
    stem: String,
    records: u64,
    slots: HashMap<Box<str>, Slot>,
}

/// Compares the records of a snapshot being written with the previous one.
#[derive(Debug)]
pub(crate) struct ChangeTracker {
    dir: PathBuf,
    identity: String,
    /// Who may read the report.
    access: Access,
    /// `None` until the first record (or the commit) loads it; `Some(None)` when there is
    /// nothing to compare against.
    baseline: Option<Option<Baseline>>,
    keys: KeyTable,
    added: Vec<String>,
    changed: Vec<(String, Vec<u32>)>,
    unidentified: u64,
    duplicates: u64,
    scratch: Vec<u8>,
}

impl ChangeTracker {
    /// A tracker for the job in `dir`, identifying records by the top-level field `identity`.
    pub(crate) fn new(dir: &Path, identity: &str, access: Access) -> Self {
        Self {
            dir: dir.to_owned(),
            identity: identity.to_owned(),
            access,
            baseline: None,
            keys: KeyTable::default(),
            added: Vec::new(),
            changed: Vec::new(),
            unidentified: 0,
            duplicates: 0,
            scratch: Vec::new(),
        }
    }

    /// Compares one record (its JSON text as written) with the previous snapshot.
    pub(crate) fn observe(&mut self, text: &[u8]) -> Result<(), serde_json::Error> {
        self.load();
        let Some(Some(baseline)) = &mut self.baseline else {
            return Ok(());
        };
        let text = std::str::from_utf8(text).map_err(serde::de::Error::custom)?;
        // A record that is not an object has no identity either.
        let print = fingerprint(text, &self.identity, &mut self.keys, &mut self.scratch).ok();
        let Some((identity, print)) =
            print.and_then(|print| Some((print.identity.clone()?, print)))
        else {
            self.unidentified += 1;
            return Ok(());
        };
        match baseline.slots.get_mut(identity.as_str()) {
            Some(slot @ Slot::Pending { .. }) => {
                if let Slot::Pending { fields, .. } = std::mem::replace(slot, Slot::Seen) {
                    let differ = differing(&fields, &print.fields);
                    if !differ.is_empty() {
                        self.changed.push((identity, differ));
                    }
                }
            }
            Some(Slot::Seen) => self.duplicates += 1,
            None => {
                baseline.slots.insert(identity.as_str().into(), Slot::Seen);
                self.added.push(identity);
            }
        }
        Ok(())
    }

    fn load(&mut self) {
        if self.baseline.is_some() {
            return;
        }
        let loaded = match previous::previous_file(&self.dir) {
            Ok(Some(file)) => self.read_baseline(&file),
            Ok(None) => Ok(None),
            Err(reason) => Err(reason),
        };
        self.baseline = Some(loaded.unwrap_or_else(|reason| {
            tracing::warn!(dir = %self.dir.display(), %reason, "no change report this time; the next snapshot will be compared with this one");
            None
        }));
    }

    fn read_baseline(&mut self, file: &PreviousFile) -> Result<Option<Baseline>, String> {
        let mut baseline = Baseline {
            stem: file.stem.clone(),
            records: 0,
            slots: HashMap::new(),
        };
        let (identity, keys, scratch) = (&self.identity, &mut self.keys, &mut self.scratch);
        previous::read_records(&self.dir, file, |text| {
            let print = fingerprint(text, identity, keys, scratch)?;
            let position = u32::try_from(baseline.records).unwrap_or(u32::MAX);
            baseline.records += 1;
            if let Some(identity) = print.identity {
                let fields = print.fields.into_boxed_slice();
                baseline
                    .slots
                    .entry(identity.into_boxed_str())
                    .or_insert(Slot::Pending { position, fields });
            }
            Ok(())
        })?;
        Ok(Some(baseline))
    }

    /// Writes `{stem}.changes.json` into the job folder (atomically) and returns the summary.
    pub(crate) fn finish(
        mut self,
        job: &str,
        stem: &str,
        records: u64,
    ) -> Result<ChangeSummary, SnapshotError> {
        self.load();
        let Some(Some(baseline)) = self.baseline.take() else {
            return Ok(ChangeSummary {
                previous: None,
                added: 0,
                removed: 0,
                changed: 0,
                file: None,
            });
        };
        let mut removed: Vec<(u32, Box<str>)> = baseline
            .slots
            .into_iter()
            .filter_map(|(identity, slot)| match slot {
                Slot::Pending { position, .. } => Some((position, identity)),
                Slot::Seen => None,
            })
            .collect();
        removed.sort_unstable();
        let changed: Vec<Value> = self
            .changed
            .iter()
            .map(|(identity, fields)| {
                let names: Vec<&str> = fields.iter().map(|id| self.keys.name(*id)).collect();
                json!({ "id": shown(&self.identity, identity), "fields": names })
            })
            .collect();
        let summary_counts = json!({
            "added": self.added.len(),
            "removed": removed.len(),
            "changed": changed.len(),
            "unidentified": self.unidentified,
            "duplicates": self.duplicates,
        });
        let report = json!({
            "job": job,
            "snapshot": stem,
            "previous": baseline.stem,
            "identity": shown_identity(&self.identity),
            "records": records,
            "previous_records": baseline.records,
            "counts": summary_counts,
            "added": self.added.iter().map(|id| shown(&self.identity, id)).collect::<Vec<_>>(),
            "removed": removed.iter().map(|(_, id)| shown(&self.identity, id)).collect::<Vec<_>>(),
            "changed": changed,
        });
        let path = self.dir.join(format!("{stem}.changes.json"));
        let mut text = serde_json::to_vec_pretty(&report)
            .map_err(|error| SnapshotError::io("write", &path, error.into()))?;
        text.push(b'\n');
        write_atomically(&path, &text, self.access.file_mode())?;
        Ok(ChangeSummary {
            previous: Some(baseline.stem),
            added: self.added.len() as u64,
            removed: removed.len() as u64,
            changed: self.changed.len() as u64,
            file: Some(path),
        })
    }
}

/// How the report shows an identity: its text, or for a composite identity (`role_id,user_id`,
/// see `baseline::fingerprint`) the array of its values (`["rol_1","auth0|1"]`).
fn shown(identity_field: &str, identity: &str) -> Value {
    if identity_field.contains(',') {
        serde_json::from_str(identity).unwrap_or_else(|_| Value::from(identity))
    } else {
        Value::from(identity)
    }
}

/// The report's `identity`: the field name, or the list of a composite identity's fields.
fn shown_identity(identity_field: &str) -> Value {
    if identity_field.contains(',') {
        identity_field.split(',').collect::<Vec<_>>().into()
    } else {
        identity_field.into()
    }
}

impl ChangeSummary {
    /// The `changes` object of the meta file.
    pub(crate) fn meta(&self) -> Value {
        let file = self
            .file
            .as_ref()
            .and_then(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned());
        json!({
            "previous": self.previous,
            "file": file,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
        })
    }
}

#[cfg(test)]
mod tests;
