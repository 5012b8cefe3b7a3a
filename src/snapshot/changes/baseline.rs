//! What a change report remembers of a record: its identity and one `u64` for each top-level
//! field (the field's number in 24 bits, a 40-bit hash of its value in the rest), never the
//! record itself, so memory stays 8 bytes a field however large the records are. Two different
//! values hash alike with odds of about one in 10^12, and past 16,777,214 distinct field names
//! (never, for the Management API) the rest share one number.
//!
//! Field values are hashed minified, so the same value written on one line (NDJSON) or as the
//! API spaced it (JSON) hashes the same, and fields are compared by name, so their order
//! does not matter.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};

use crate::snapshot::encode::raw::{Kind, kind, minify_into, object_entries, string_text};

/// The bits of a packed field that hold its value's hash; the field number takes the rest.
const HASH_BITS: u32 = 40;

/// The highest field number, shared by every field name past the table's capacity.
const LAST_ID: u32 = (1 << (64 - HASH_BITS)) - 1;

/// A field as a change report keeps it: its number, then the hash of its value.
pub(crate) type PackedField = u64;

fn pack(id: u32, hash: u64) -> PackedField {
    (u64::from(id.min(LAST_ID)) << HASH_BITS) | (hash >> (64 - HASH_BITS))
}

fn field_id(field: PackedField) -> u32 {
    u32::try_from(field >> HASH_BITS).unwrap_or(LAST_ID)
}

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
        let id = u32::try_from(self.names.len()).unwrap_or(LAST_ID);
        if id >= LAST_ID {
            return LAST_ID;
        }
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /// The name of field number `id`.
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names
            .get(id as usize)
            .map_or("(one of many other fields)", |name| name)
    }
}

/// A record reduced to its identity and field hashes, sorted by field number.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    /// The identity field's value: a string as it reads, a number as written; `None` when the
    /// field is missing or holds anything else.
    pub(crate) identity: Option<String>,
    /// The fields, packed (number, hash of the minified value), sorted by field number.
    pub(crate) fields: Vec<PackedField>,
}

/// Reduces one record's JSON text. `identity` is one field name, or several joined by `,`
/// (a `for_each` job's `role_id,user_id`): then the identity is the JSON array of their
/// values (`["rol_1","auth0|1"]`), and `None` unless every one of them is there.
pub(crate) fn fingerprint(
    text: &str,
    identity: &str,
    keys: &mut KeyTable,
    scratch: &mut Vec<u8>,
) -> Result<Fingerprint, serde_json::Error> {
    let entries = object_entries(text)?;
    let mut found = None;
    let composite = identity.contains(',');
    let mut parts = vec![
        None;
        if composite {
            identity.split(',').count()
        } else {
            0
        }
    ];
    let mut fields = Vec::with_capacity(entries.len());
    for (name, value) in entries {
        if composite {
            if let Some(at) = identity.split(',').position(|part| part == name) {
                parts[at] = identity_text(value.get());
            }
        } else if name == identity {
            found = identity_text(value.get());
        }
        scratch.clear();
        minify_into(value.get().as_bytes(), scratch);
        let mut hasher = DefaultHasher::new();
        hasher.write(scratch);
        fields.push(pack(keys.id(&name), hasher.finish()));
    }
    fields.sort_unstable();
    if composite {
        let parts: Option<Vec<String>> = parts.into_iter().collect();
        found = parts.and_then(|parts| serde_json::to_string(&parts).ok());
    }
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
pub(crate) fn differing(old: &[PackedField], new: &[PackedField]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut differ = Vec::new();
    loop {
        let (a, b) = (old.get(i).copied(), new.get(j).copied());
        let (id_a, id_b) = (a.map(field_id), b.map(field_id));
        match (id_a, id_b) {
            (None, None) => break,
            (Some(x), Some(y)) if x == y => {
                if a != b {
                    differ.push(x);
                }
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                differ.push(x);
                i += 1;
            }
            (Some(x), None) => {
                differ.push(x);
                i += 1;
            }
            (_, Some(y)) => {
                differ.push(y);
                j += 1;
            }
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
    fn a_packed_field_sorts_by_its_number_and_keeps_it() {
        assert!(pack(1, u64::MAX) < pack(2, 0));
        assert_eq!(field_id(pack(7, u64::MAX)), 7);
        assert_eq!(field_id(pack(u32::MAX, 1)), LAST_ID);
        assert_ne!(pack(3, 1 << 63), pack(3, 0));
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

    #[test]
    fn a_composite_identity_is_the_array_of_its_values_and_needs_every_one() {
        let mut keys = KeyTable::default();
        let mut scratch = Vec::new();
        let mut identity = |text: &str| {
            fingerprint(text, "role_id,user_id", &mut keys, &mut scratch)
                .unwrap()
                .identity
        };
        assert_eq!(
            identity(r#"{"user_id":"auth0|1","role_id":"rol_1","name":"A"}"#).as_deref(),
            Some(r#"["rol_1","auth0|1"]"#)
        );
        assert_eq!(identity(r#"{"role_id":"rol_1","name":"A"}"#), None);
    }
}
