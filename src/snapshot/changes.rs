//! Change reports: `{stem}.changes.json` lists the records added, removed and changed since the
//! previous snapshot, by an identity field (or, for a `for_each` job, the parent's and the
//! child's: `["role_id","user_id"]`), with each changed field's path, old and new value.
//!
//! The previous snapshot (read by `previous`) is reduced to 24 bytes a record (see `baseline`)
//! the first time a record is written, on the writing thread. Each new record is compared as it
//! is written and its identity marked seen; a changed one is spilled to a temporary file (see
//! `spill`). When the snapshot commits, the previous file is read once more, one record at a
//! time: what was never seen was removed, and a changed record's old text meets its spilled new
//! text for the comparison by path (see `diff`); the entries are spilled again and the report
//! is written from the spill (see `report`). So memory holds the baseline, the added and removed
//! identities and one record pair, however many records changed.
//!
//! Secrets compare in their redacted form, and through the digests `secrets` keeps beside a
//! redacted snapshot: a field that changed only inside a secret is listed without values. A
//! record without the identity field cannot be compared and is only counted. Only the first
//! snapshot of a job, or one whose previous snapshot cannot be read (a warning says why), gets
//! no report.

mod baseline;
mod diff;
mod previous;
mod report;
mod secrets;
mod spill;
mod summary;

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::error::SnapshotError;
use super::files::Access;
use crate::store::JobFolder;
use baseline::{Baseline, State, digest, identity_hash, identity_of};
use previous::PreviousFile;
use report::{Pass, shown, shown_identity};
use secrets::{Salt, Spot};
use spill::Spill;
pub(crate) use summary::ChangeSummary;

/// The previous snapshot, as the comparison keeps it.
#[derive(Debug)]
struct Loaded {
    file: PreviousFile,
    records: u64,
    table: Baseline,
    secrets: secrets::Previous,
}

/// Compares the records of a snapshot being written with the previous one.
#[derive(Debug)]
pub(crate) struct ChangeTracker {
    /// The job's folder, where the previous snapshot is and the report goes.
    folder: JobFolder,
    /// Where spills go: the job's folder on a local disk, else the system's temporary folder.
    scratch_dir: PathBuf,
    identity: String,
    /// Who may read the report; `Shared` means the records are redacted.
    access: Access,
    /// `None` until the first record (or the commit) loads it; `Some(None)` when there is
    /// nothing to compare against.
    baseline: Option<Option<Loaded>>,
    added: Vec<String>,
    /// Identity hashes of the added records, to count a second one as a duplicate.
    added_seen: HashSet<u64>,
    unidentified: u64,
    duplicates: u64,
    /// The new text of changed records, created at the first.
    spill: Option<Spill>,
    /// Paths changed inside secrets, by identity hash.
    secret_changes: HashMap<u64, Vec<String>>,
    /// This snapshot's salt and secret digests, for the next report.
    salt: Salt,
    new_secrets: Vec<(String, Vec<Spot>)>,
    scratch: Vec<u8>,
}

impl ChangeTracker {
    /// A tracker for the job in `folder`, identifying records by the top-level field
    /// `identity`.
    pub(crate) fn new(folder: &JobFolder, identity: &str, access: Access) -> Self {
        Self {
            folder: folder.clone(),
            scratch_dir: folder
                .local_dir()
                .map_or_else(std::env::temp_dir, ToOwned::to_owned),
            identity: identity.to_owned(),
            access,
            baseline: None,
            added: Vec::new(),
            added_seen: HashSet::new(),
            unidentified: 0,
            duplicates: 0,
            spill: None,
            secret_changes: HashMap::new(),
            salt: secrets::new_salt(),
            new_secrets: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Compares one record with the previous snapshot: `raw` as the API sent it, `text` as
    /// written (redacted, unless the job keeps secrets).
    ///
    /// # Errors
    /// When a record is not JSON, or a changed record cannot be spilled.
    pub(crate) fn observe(&mut self, raw: &[u8], text: &[u8]) -> io::Result<()> {
        self.load();
        let text = std::str::from_utf8(text).map_err(io::Error::other)?;
        // A record that is not an object has no identity either.
        let print = digest(text, &self.identity, &mut self.scratch).ok();
        let Some((identity, content)) =
            print.and_then(|print| Some((print.identity?, print.content)))
        else {
            self.unidentified += 1;
            return Ok(());
        };
        let hash = identity_hash(&identity);
        let spots = self.secret_spots(raw, text)?;
        let Some(Some(loaded)) = &mut self.baseline else {
            self.keep_secrets(identity, spots);
            return Ok(());
        };
        match loaded.table.state(hash) {
            Some(State::Pending) => {
                let secret_paths = loaded.secrets.changed(hash, &spots);
                if loaded.table.content(hash) == Some(content) && secret_paths.is_empty() {
                    loaded.table.set(hash, State::Same);
                } else {
                    let spill = match &mut self.spill {
                        Some(spill) => spill,
                        None => self.spill.insert(
                            Spill::create(&self.scratch_dir, "changes").map_err(|e| e.source)?,
                        ),
                    };
                    let offset = spill.append(text.as_bytes())?;
                    loaded.table.set(hash, State::Changed(offset));
                    if !secret_paths.is_empty() {
                        self.secret_changes.insert(hash, secret_paths);
                    }
                }
            }
            Some(_) => self.duplicates += 1,
            None if self.added_seen.insert(hash) => self.added.push(identity.clone()),
            None => self.duplicates += 1,
        }
        self.keep_secrets(identity, spots);
        Ok(())
    }

    /// The secrets of a redacted record, digested under the previous and this snapshot's salt.
    fn secret_spots(&self, raw: &[u8], text: &str) -> io::Result<Vec<Spot>> {
        if self.access != Access::Shared || raw == text.as_bytes() {
            return Ok(Vec::new());
        }
        let previous_salt = match &self.baseline {
            Some(Some(loaded)) => loaded.secrets.salt,
            _ => Salt::default(),
        };
        let raw = std::str::from_utf8(raw).map_err(io::Error::other)?;
        Ok(secrets::spots(raw, text, [&previous_salt, &self.salt])?)
    }

    fn keep_secrets(&mut self, identity: String, spots: Vec<Spot>) {
        if !spots.is_empty() {
            self.new_secrets.push((identity, spots));
        }
    }

    fn load(&mut self) {
        if self.baseline.is_some() {
            return;
        }
        let loaded = match previous::previous_file(&self.folder) {
            Ok(Some(file)) => self.read_baseline(file).map(Some),
            Ok(None) => Ok(None),
            Err(reason) => Err(reason),
        };
        self.baseline = Some(loaded.unwrap_or_else(|reason| {
            tracing::warn!(dir = %self.folder.folder_location().display(), %reason, "no change report this time; the next snapshot will be compared with this one");
            None
        }));
    }

    fn read_baseline(&mut self, file: PreviousFile) -> Result<Loaded, String> {
        let mut table = Baseline::default();
        let mut records = 0u64;
        let (identity, scratch) = (&self.identity, &mut self.scratch);
        previous::read_records(&self.folder, &file, |text| {
            let print = digest(text, identity, scratch)?;
            let position = u32::try_from(records).unwrap_or(u32::MAX);
            records += 1;
            if let Some(identity) = print.identity {
                table.push(&identity, print.content, position);
            }
            Ok(())
        })?;
        table.seal();
        let digests = secrets::digests_name(&file.stem);
        let secrets = secrets::Previous::read(&self.folder, &digests).unwrap_or_else(|reason| {
            tracing::warn!(%reason, "secrets compare in their redacted form this time");
            secrets::Previous::default()
        });
        Ok(Loaded {
            file,
            records,
            table,
            secrets,
        })
    }

    /// Writes `{stem}.changes.json` (and, for a redacted snapshot with secrets,
    /// `{stem}.secret-digests.json`) into the job folder, atomically, and returns the summary.
    ///
    /// # Errors
    /// When a file cannot be written, or the previous snapshot can no longer be read.
    pub(crate) fn finish(
        mut self,
        job: &str,
        stem: &str,
        records: u64,
    ) -> Result<ChangeSummary, SnapshotError> {
        self.load();
        let digests = secrets::write(&self.folder, stem, &self.salt, &self.new_secrets)?;
        let Some(Some(loaded)) = self.baseline.take() else {
            return Ok(ChangeSummary {
                previous: None,
                added: 0,
                removed: 0,
                changed: 0,
                fields: Vec::new(),
                file: None,
                digests,
            });
        };
        let pass = self.compare(loaded.table, &loaded.file)?;
        let header = json!({
            "job": job,
            "snapshot": stem,
            "previous": loaded.file.stem,
            "identity": shown_identity(&self.identity),
            "records": records,
            "previous_records": loaded.records,
            "counts": {
                "added": self.added.len(),
                "removed": pass.removed.len(),
                "changed": pass.changed,
                "unidentified": self.unidentified,
                "duplicates": self.duplicates,
            },
            "added": self.added.iter().map(|id| shown(&self.identity, id)).collect::<Vec<_>>(),
            "removed": pass.removed.iter().map(|id| shown(&self.identity, id)).collect::<Vec<_>>(),
        });
        let name = format!("{stem}.changes.json");
        let path = self.folder.location(&name);
        let mut entries = pass.entries;
        report::write(
            &self.folder,
            &name,
            &header,
            entries.as_mut(),
            pass.changed,
            self.access.file_mode(),
        )?;
        let summary = ChangeSummary {
            previous: Some(loaded.file.stem),
            added: self.added.len() as u64,
            removed: pass.removed.len() as u64,
            changed: pass.changed,
            fields: pass.fields.into_iter().collect(),
            file: Some(path),
            digests,
        };
        tracing::info!(job, report = %stem, "changes: {}", summary.line());
        Ok(summary)
    }

    /// Reads the previous file once more: the removed identities, and an entry for each
    /// changed record, spilled.
    fn compare(&mut self, mut table: Baseline, file: &PreviousFile) -> Result<Pass, SnapshotError> {
        let mut pass = Pass::with_room(table.pending());
        // Only the records still pending (removed) or changed need parsing; the others are
        // skipped by their position, and the pass is skipped when there are none.
        let wanted = table.wanted_positions();
        if wanted.is_empty() {
            return Ok(pass);
        }
        let (mut position, mut next) = (0u32, 0usize);
        let mut reader = match &mut self.spill {
            Some(spill) => Some(
                spill
                    .reader()
                    .map_err(|e| SnapshotError::io("read", spill.path(), e))?,
            ),
            None => None,
        };
        let mut failure: Option<SnapshotError> = None;
        let mut new_text = Vec::new();
        let result = previous::read_records(&self.folder, file, |text| {
            let at = position;
            position = position.saturating_add(1);
            if wanted.get(next) != Some(&at) {
                return Ok(());
            }
            next += 1;
            let Some(identity) = identity_of(text, &self.identity)? else {
                return Ok(());
            };
            let hash = identity_hash(&identity);
            match table.state(hash) {
                Some(State::Pending) => pass.removed.push(identity),
                Some(State::Changed(offset)) => {
                    let Some(reader) = reader.as_mut() else {
                        return Ok(());
                    };
                    if let Err(error) = reader.read(offset, &mut new_text) {
                        failure = Some(SnapshotError::io("read", &self.scratch_dir, error));
                        return Err(serde::de::Error::custom("the spill cannot be read"));
                    }
                    let old: Value = serde_json::from_str(text)?;
                    let new: Value = serde_json::from_slice(&new_text)?;
                    let changes = diff::diff(&old, &new);
                    let secrets = self.secret_changes.remove(&hash).unwrap_or_default();
                    if let Err(error) = pass.add(
                        shown(&self.identity, &identity),
                        &changes,
                        &secrets,
                        &self.scratch_dir,
                    ) {
                        failure = Some(error);
                        return Err(serde::de::Error::custom("the report cannot be spilled"));
                    }
                }
                _ => return Ok(()),
            }
            table.set(hash, State::Reported);
            Ok(())
        });
        if let Some(error) = failure {
            return Err(error);
        }
        result.map_err(|reason| {
            SnapshotError::io(
                "read",
                self.folder.location(&file.name),
                io::Error::other(reason),
            )
        })?;
        Ok(pass)
    }
}

#[cfg(test)]
mod tests;
