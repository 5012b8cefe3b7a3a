//! What a change report remembers of a record: its identity and a 64-bit hash of each
//! top-level field, never the record itself, so memory stays a few dozen bytes a field however
//! large the records are.
//!
//! Field values are hashed minified, so the same value written on one line (NDJSON) or as the
//! API spaced it (JSON) hashes the same, and fields are compared by name, so their order
//! does not matter.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};

use super::raw::{Kind, kind, minify_into, object_entries, string_text};

/// Field names, each stored once and referred to by number.
#[derive(Debug, Default)]
pub(crate) struct KeyTable {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl KeyTable {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /// The name of field number `id`.
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |name| name)
    }
}

/// A record reduced to its identity and field hashes, sorted by field number.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    /// The identity field's value: a string as it reads, a number as written; `None` when the
    /// field is missing or holds anything else.
    pub(crate) identity: Option<String>,
    /// (field number, hash of the minified value), sorted by field number.
    pub(crate) fields: Vec<(u32, u64)>,
}

/// Reduces one record's JSON text.
pub(crate) fn fingerprint(
    text: &str,
    identity: &str,
    keys: &mut KeyTable,
    scratch: &mut Vec<u8>,
) -> Result<Fingerprint, serde_json::Error> {
    let entries = object_entries(text)?;
    let mut found = None;
    let mut fields = Vec::with_capacity(entries.len());
    for (name, value) in entries {
        if name == identity {
            found = identity_text(value.get());
        }
        scratch.clear();
        minify_into(value.get().as_bytes(), scratch);
        let mut hasher = DefaultHasher::new();
        hasher.write(scratch);
        fields.push((keys.id(&name), hasher.finish()));
    }
    fields.sort_unstable_by_key(|(id, _)| *id);
    Ok(Fingerprint {
        identity: found,
        fields,
    })
}

fn identity_text(raw: &str) -> Option<String> {
    match kind(raw) {
        Kind::String => string_text(raw).ok().map(Cow::into_owned),
        Kind::Scalar => Some(raw.trim().to_owned()),
        _ => None,
    }
}

/// The numbers of the fields whose hashes differ, or that only one side has.
pub(crate) fn differing(old: &[(u32, u64)], new: &[(u32, u64)]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut differ = Vec::new();
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                if a.1 != b.1 {
                    differ.push(a.0);
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                differ.push(a.0);
                i += 1;
            }
            (Some(_), Some(b)) | (None, Some(b)) => {
                differ.push(b.0);
                j += 1;
            }
            (Some(a), None) => {
                differ.push(a.0);
                i += 1;
            }
            (None, None) => break,
        }
    }
    differ
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(text: &str, keys: &mut KeyTable) -> Fingerprint {
        fingerprint(text, "id", keys, &mut Vec::new()).unwrap()
    }

    #[test]
    fn spacing_and_field_order_do_not_change_a_fingerprint_but_values_do() {
        let mut keys = KeyTable::default();
        let a = print(r#"{"id":"x\"1","n":{"a": [1, 2]},"s":"t u"}"#, &mut keys);
        let b = print(
            "{\"s\":\"t u\",\n \"n\":{\"a\":[1,2]}, \"id\":\"x\\\"1\"}",
            &mut keys,
        );
        assert_eq!(a, b);
        assert_eq!(a.identity.as_deref(), Some("x\"1"));
        let c = print(
            r#"{"id":"x\"1","n":{"a":[1,3]},"s":"t u","new":1}"#,
            &mut keys,
        );
        let names: Vec<&str> = differing(&a.fields, &c.fields)
            .into_iter()
            .map(|id| keys.name(id))
            .collect();
        assert_eq!(names, ["n", "new"]);
        assert_eq!(differing(&c.fields, &a.fields).len(), 2);
    }

    #[test]
    fn numbers_identify_records_and_other_values_do_not() {
        let mut keys = KeyTable::default();
        assert_eq!(
            print(r#"{"id":42}"#, &mut keys).identity.as_deref(),
            Some("42")
        );
        for text in [r#"{"id":null}"#, r#"{"id":{"a":1}}"#, r#"{"name":"x"}"#] {
            assert_eq!(print(text, &mut keys).identity, None, "{text}");
        }
    }
}
