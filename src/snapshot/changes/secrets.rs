//! Changes inside redacted secrets. A redacted snapshot holds `"[REDACTED]"` where a secret
//! was, so comparing snapshots alone would never see a rotated client secret. With each
//! redacted snapshot of a job with change reports, `{stem}.secret-digests.json` (mode 0600)
//! keeps, for each record holding secrets, a digest of each secret's value by its path (the
//! path of the field redaction changed: the secret itself, or the array holding it); the next
//! report compares them and lists a field whose digest differs as changed, without values.
//!
//! A digest is the first 32 bits of SHA-256 over a random salt (16 bytes, new with each file),
//! the path and the value: too short to confirm a guess of a secret among more than a few
//! billion candidates, long enough that a changed secret goes unnoticed once in 4 billion.
//! Without the previous file (an older a0snap, or `redact = false`, where the values are in
//! the snapshot and compare there), secrets are compared in their redacted form only.
//!
//! This module must not let a secret value out: values are hashed where they are found.

use std::collections::HashMap;

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::baseline::identity_hash;
use crate::atomic_file::FileMode;
use crate::snapshot::error::SnapshotError;
use crate::store::JobFolder;

/// The salt of one digests file.
pub(crate) type Salt = [u8; 16];

/// A fresh random salt.
pub(crate) fn new_salt() -> Salt {
    std::array::from_fn(|_| fastrand::u8(..))
}

/// One secret of a record: its path and its digest under each of two salts (the previous
/// file's, to compare; the new file's, to keep).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spot {
    /// The path of the redacted field, names joined with dots.
    pub(crate) path: String,
    /// The digest under the previous salt, then under the new one.
    pub(crate) digests: [u32; 2],
}

/// The secrets of one record: the fields where `redacted` (its text as written) differs from
/// `raw` (as the API sent it), each digested under both salts.
///
/// # Errors
/// When either text is not JSON.
pub(crate) fn spots(
    raw: &str,
    redacted: &str,
    salts: [&Salt; 2],
) -> Result<Vec<Spot>, serde_json::Error> {
    let raw: Value = serde_json::from_str(raw)?;
    let redacted: Value = serde_json::from_str(redacted)?;
    let mut out = Vec::new();
    if let (Value::Object(raw), Value::Object(redacted)) = (&raw, &redacted) {
        walk(raw, redacted, "", salts, &mut out);
    }
    Ok(out)
}

fn walk(
    raw: &Map<String, Value>,
    redacted: &Map<String, Value>,
    prefix: &str,
    salts: [&Salt; 2],
    out: &mut Vec<Spot>,
) {
    for (name, shown) in redacted {
        let Some(value) = raw.get(name) else { continue };
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match (value, shown) {
            (Value::Object(a), Value::Object(b)) => walk(a, b, &path, salts, out),
            _ if value != shown => {
                let text = value.to_string();
                out.push(Spot {
                    digests: salts.map(|salt| digest(salt, &path, &text)),
                    path,
                });
            }
            _ => {}
        }
    }
}

fn digest(salt: &Salt, path: &str, value: &str) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(value.as_bytes());
    let hash = hasher.finalize();
    u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]])
}

/// The name of the digests file of snapshot `stem`.
pub(crate) fn digests_name(stem: &str) -> String {
    format!("{stem}.secret-digests.json")
}

/// The previous snapshot's secret digests: its salt, and each record's (by identity hash)
/// paths and digests.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    /// The file's salt; the zero salt when there was no file.
    pub(crate) salt: Salt,
    records: HashMap<u64, Vec<(String, u32)>>,
}

impl Previous {
    /// Reads `name` in `folder`; a missing file gives no digests.
    ///
    /// # Errors
    /// When the file exists but cannot be read or is not a digests file, with the reason.
    pub(crate) fn read(folder: &JobFolder, name: &str) -> Result<Previous, String> {
        let path = folder.location(name);
        let text = match folder.read(name) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(Previous::default()),
            Err(error) => return Err(format!("{} cannot be read: {error}", path.display())),
        };
        let bad = || format!("{} is not a secret digests file", path.display());
        let document: Value = serde_json::from_slice(&text).map_err(|_| bad())?;
        let salt = hex::decode(document["salt"].as_str().ok_or_else(bad)?).map_err(|_| bad())?;
        let salt = Salt::try_from(salt.as_slice()).map_err(|_| bad())?;
        let mut records = HashMap::new();
        for record in document["records"].as_array().ok_or_else(bad)? {
            let id = record["id"].as_str().ok_or_else(bad)?;
            let secrets = record["secrets"].as_object().ok_or_else(bad)?;
            let spots = secrets
                .iter()
                .map(|(path, digest)| {
                    let digest = digest
                        .as_str()
                        .and_then(|d| u32::from_str_radix(d, 16).ok());
                    digest.map(|digest| (path.clone(), digest)).ok_or_else(bad)
                })
                .collect::<Result<Vec<_>, _>>()?;
            records.insert(identity_hash(id), spots);
        }
        Ok(Previous { salt, records })
    }

    /// The paths of `spots` (a new record's) whose digest differs from the previous record's
    /// (filed under `identity`, an identity hash) at the same path; a path only one side has is
    /// not listed (the redacted forms differ there, and the comparison of values shows it).
    pub(crate) fn changed(&self, identity: u64, spots: &[Spot]) -> Vec<String> {
        let Some(before) = self.records.get(&identity) else {
            return Vec::new();
        };
        spots
            .iter()
            .filter(|spot| {
                before
                    .iter()
                    .any(|(path, digest)| *path == spot.path && *digest != spot.digests[0])
            })
            .map(|spot| spot.path.clone())
            .collect()
    }
}

/// Writes `{stem}.secret-digests.json` (0600, atomically) if any record held secrets, and
/// returns its path (or URL).
///
/// # Errors
/// When the file cannot be written.
pub(crate) fn write(
    folder: &JobFolder,
    stem: &str,
    salt: &Salt,
    records: &[(String, Vec<Spot>)],
) -> Result<Option<PathBuf>, SnapshotError> {
    if records.is_empty() {
        return Ok(None);
    }
    let name = digests_name(stem);
    let path = folder.location(&name);
    let text = serde_json::to_vec(&document(salt, records))
        .map_err(|error| SnapshotError::io("write", &path, error.into()))?;
    folder.put(&name, &text, FileMode::Private)?;
    Ok(Some(path))
}

/// The digests file's contents: `{"salt": hex, "records": [{"id", "secrets": {path: hex}}]}`.
fn document(salt: &Salt, records: &[(String, Vec<Spot>)]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|(id, spots)| {
            let secrets: Map<String, Value> = spots
                .iter()
                .map(|spot| (spot.path.clone(), json!(format!("{:08x}", spot.digests[1]))))
                .collect();
            json!({"id": id, "secrets": secrets})
        })
        .collect();
    json!({"salt": hex::encode(salt), "records": records})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_secret_is_seen_through_the_digests_and_its_value_never_kept() {
        let old_salt = new_salt();
        let new_salt = new_salt();
        let raw =
            r#"{"id":"a","client_secret":"s1","options":{"client_secret":"o1","domain":"d"}}"#;
        let shown = r#"{"id":"a","client_secret":"[REDACTED]","options":{"client_secret":"[REDACTED]","domain":"d"}}"#;
        let first = spots(raw, shown, [&old_salt, &old_salt]).unwrap();
        let paths: Vec<&str> = first.iter().map(|spot| spot.path.as_str()).collect();
        assert_eq!(paths, ["client_secret", "options.client_secret"]);

        let dir = tempfile::tempdir().unwrap();
        let folder = JobFolder::from(dir.path());
        let path = dir.path().join(digests_name("apps-x"));
        let text = document(&old_salt, &[("a".to_owned(), first)]).to_string();
        assert!(!text.contains("s1") && !text.contains("o1"), "{text}");
        std::fs::write(&path, text).unwrap();
        let previous = Previous::read(&folder, &digests_name("apps-x")).unwrap();
        assert_eq!(previous.salt, old_salt);

        let rotated = raw.replace("o1", "o2");
        let now = spots(&rotated, shown, [&previous.salt, &new_salt]).unwrap();
        assert_eq!(
            previous.changed(identity_hash("a"), &now),
            ["options.client_secret"]
        );
        let same = spots(raw, shown, [&previous.salt, &new_salt]).unwrap();
        assert!(previous.changed(identity_hash("a"), &same).is_empty());
        assert!(previous.changed(identity_hash("b"), &now).is_empty());
    }

    #[test]
    fn a_missing_file_gives_no_digests_and_a_broken_one_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let folder = JobFolder::from(dir.path());
        let name = digests_name("apps-x");
        assert!(Previous::read(&folder, &name).unwrap().records.is_empty());
        std::fs::write(dir.path().join(&name), "{\"salt\": 1}").unwrap();
        assert!(
            Previous::read(&folder, &name)
                .unwrap_err()
                .contains("not a secret digests file")
        );
    }
}
