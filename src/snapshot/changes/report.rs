//! Writing `{stem}.changes.json` without holding it: the header (numbers, added and removed
//! identities) from memory, then the changed records' entries, which were spilled one by one
//! as the previous file was read, copied in. The file is written to a temporary name, flushed
//! and renamed into place, so a report is whole or absent.
//!
//! This module must not compare anything: it lays out what the tracker found.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{Map, Value, json};

use super::diff::FieldChange;
use super::spill::Spill;
use crate::atomic_file::FileMode;
use crate::snapshot::error::SnapshotError;
use crate::store::JobFolder;

/// How the report shows an identity: its text, or for a composite identity (`role_id,user_id`,
/// see `baseline::digest`) the array of its values (`["rol_1","auth0|1"]`).
pub(crate) fn shown(identity_field: &str, identity: &str) -> Value {
    if identity_field.contains(',') {
        serde_json::from_str(identity).unwrap_or_else(|_| Value::from(identity))
    } else {
        Value::from(identity)
    }
}

/// The report's `identity`: the field name, or the list of a composite identity's fields.
pub(crate) fn shown_identity(identity_field: &str) -> Value {
    if identity_field.contains(',') {
        identity_field.split(',').collect::<Vec<_>>().into()
    } else {
        identity_field.into()
    }
}

/// One changed record's entry (`identity` as the report shows it: text, or a composite
/// identity's array): `{"id", "fields": [top-level names], "changes": [{"path",
/// "old", "new"} | {"path", "secret": true}]}`; `old` or `new` is left out when that side has
/// no such field.
pub(crate) fn entry(identity: Value, changes: &[FieldChange], secrets: &[String]) -> Value {
    let mut fields: Vec<&str> = Vec::new();
    let mut listed = Vec::with_capacity(changes.len() + secrets.len());
    for change in changes {
        if !fields.contains(&change.field.as_str()) {
            fields.push(&change.field);
        }
        let mut item = Map::new();
        item.insert("path".to_owned(), json!(change.path));
        if let Some(old) = &change.old {
            item.insert("old".to_owned(), old.clone());
        }
        if let Some(new) = &change.new {
            item.insert("new".to_owned(), new.clone());
        }
        listed.push(Value::Object(item));
    }
    for path in secrets {
        if changes.iter().any(|change| change.path == *path) {
            continue;
        }
        let field = path.split('.').next().unwrap_or(path);
        if !fields.contains(&field) {
            fields.push(field);
        }
        listed.push(json!({"path": path, "secret": true}));
    }
    json!({"id": identity, "fields": fields, "changes": listed})
}

/// Writes the report as `name` in `folder`: `header` (an object) with `"changed"` appended,
/// holding the `count` entries spilled in `entries` in order.
///
/// # Errors
/// When the file cannot be written, flushed or renamed (uploaded), or the spill read.
pub(crate) fn write(
    folder: &JobFolder,
    name: &str,
    header: &Value,
    entries: Option<&mut Spill>,
    count: u64,
    mode: FileMode,
) -> Result<(), SnapshotError> {
    let path = folder.location(name);
    let file = folder.create(name, mode)?;
    let failed = |error: std::io::Error| SnapshotError::io("write", &path, error);
    let mut text = serde_json::to_vec_pretty(header).map_err(|e| failed(e.into()))?;
    // The pretty header ends with "\n}": reopen it for the last key.
    if text.ends_with(b"\n}") {
        text.truncate(text.len() - 2);
        text.extend_from_slice(b",\n  \"changed\": [");
    } else {
        return Err(failed(std::io::Error::other(
            "the report header is not an object",
        )));
    }
    let mut out = BufWriter::new(file);
    out.write_all(&text).map_err(failed)?;
    if let Some(entries) = entries.filter(|_| count > 0) {
        let mut reader = entries.reader().map_err(failed)?;
        let (mut offset, mut buffer) = (0, Vec::new());
        for number in 0..count {
            reader.read(offset, &mut buffer).map_err(failed)?;
            offset += 4 + buffer.len() as u64;
            out.write_all(if number == 0 { b"\n    " } else { b",\n    " })
                .map_err(failed)?;
            out.write_all(&buffer).map_err(failed)?;
        }
        out.write_all(b"\n  ").map_err(failed)?;
    }
    out.write_all(b"]\n}\n").map_err(failed)?;
    let file = out.into_inner().map_err(|e| failed(e.into_error()))?;
    file.persist()?;
    Ok(())
}

/// What the second reading of the previous file found.
#[derive(Debug)]
pub(crate) struct Pass {
    /// The removed identities, in the previous file's order.
    pub(crate) removed: Vec<String>,
    /// How many changed records have an entry.
    pub(crate) changed: u64,
    /// The top-level fields of the entries.
    pub(crate) fields: BTreeSet<String>,
    /// The changed records' entries, created at the first.
    pub(crate) entries: Option<Spill>,
}

impl Pass {
    /// An empty pass, with room for `removed` identities.
    pub(crate) fn with_room(removed: usize) -> Pass {
        Pass {
            removed: Vec::with_capacity(removed),
            changed: 0,
            fields: BTreeSet::new(),
            entries: None,
        }
    }

    /// Spills the entry of a changed record, unless nothing differs by path (only the order of
    /// fields inside an object did).
    pub(crate) fn add(
        &mut self,
        identity: Value,
        changes: &[FieldChange],
        secrets: &[String],
        dir: &Path,
    ) -> Result<(), SnapshotError> {
        if changes.is_empty() && secrets.is_empty() {
            return Ok(());
        }
        let entry = entry(identity, changes, secrets);
        if let Some(fields) = entry["fields"].as_array() {
            self.fields
                .extend(fields.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        let text = serde_json::to_vec(&entry)
            .map_err(|error| SnapshotError::io("write", dir, error.into()))?;
        let spill = match &mut self.entries {
            Some(spill) => spill,
            None => self.entries.insert(Spill::create(dir, "changes.entries")?),
        };
        spill
            .append(&text)
            .map_err(|error| SnapshotError::io("write", spill.path(), error))?;
        self.changed += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, old: Option<Value>, new: Option<Value>) -> FieldChange {
        FieldChange {
            path: path.to_owned(),
            field: path.split('.').next().unwrap().to_owned(),
            old,
            new,
        }
    }

    #[test]
    fn an_entry_names_each_top_level_field_once_and_a_secret_without_values() {
        let changes = [
            change("jwt.a", Some(json!(1)), Some(json!(2))),
            change("jwt.b", None, Some(json!(3))),
            change("name", Some(json!("x")), None),
        ];
        let secrets = ["client_secret".to_owned(), "name".to_owned()];
        assert_eq!(
            entry("k".into(), &changes, &secrets),
            json!({"id": "k", "fields": ["jwt", "name", "client_secret"], "changes": [
                {"path": "jwt.a", "old": 1, "new": 2},
                {"path": "jwt.b", "new": 3},
                {"path": "name", "old": "x"},
                {"path": "client_secret", "secret": true},
            ]})
        );
    }

    #[test]
    fn a_report_is_its_header_with_the_spilled_entries_as_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.changes.json");
        let folder = JobFolder::from(dir.path());
        let header = json!({"job": "apps", "added": ["a"]});
        write(
            &folder,
            "r.changes.json",
            &header,
            None,
            0,
            FileMode::Shared,
        )
        .unwrap();
        let read = |path: &Path| -> Value {
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        assert_eq!(
            read(&path),
            json!({"job": "apps", "added": ["a"], "changed": []})
        );
        let mut spill = Spill::create(dir.path(), "entries").unwrap();
        spill.append(br#"{"id":"1"}"#).unwrap();
        spill.append(br#"{"id":"2"}"#).unwrap();
        write(
            &folder,
            "r.changes.json",
            &header,
            Some(&mut spill),
            2,
            FileMode::Shared,
        )
        .unwrap();
        assert_eq!(
            read(&path),
            json!({"job": "apps", "added": ["a"], "changed": [{"id": "1"}, {"id": "2"}]})
        );
    }
}
