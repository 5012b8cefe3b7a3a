//! What a change report remembers of the previous snapshot while the new one is written: for
//! each record, a 64-bit hash of its identity, a 64-bit digest of its content and its position
//! in the file, 24 bytes a record in one sorted vector, never the record itself. The values of
//! a changed record are read again from the previous file when the report is written.
//!
//! The digest hashes each top-level field (its name and its value minified), then the sorted
//! field hashes, so the same value written on one line (NDJSON) or as the API spaced it (JSON)
//! digests the same, and the order of the top-level fields does not matter (nested objects
//! hash in their own order; the report's comparison by path then finds nothing and counts no
//! change). Two different records (or identities) hash alike with odds of about one in 10^19
//! a pair; for identities, among 1,000,000 records, about one in 30 million per report: the
//! second of such a pair would be missing from the report.
//!
//! This module must not keep record text: that is what bounds the report's memory.

use std::borrow::Cow;
use std::hash::{DefaultHasher, Hasher};

use crate::snapshot::encode::raw::{Kind, kind, minify_into, object_entries, string_text};

/// A record reduced to its identity and a digest of its content.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Digest {
    /// The identity field's value: a string as it reads, a number as written; `None` when the
    /// field is missing or holds anything else.
    pub(crate) identity: Option<String>,
    /// The hash of the sorted hashes of the top-level fields (name and minified value).
    pub(crate) content: u64,
}

/// Reduces one record's JSON text; `scratch` is a buffer reused between records. `identity`
/// is one field name, or several joined by `,` (a `for_each` job's `role_id,user_id`): then
/// the identity is the JSON array of their values (`["rol_1","auth0|1"]`), and `None` unless
/// every one of them is there.
///
/// # Errors
/// When the text is not a JSON object.
pub(crate) fn digest(
    text: &str,
    identity: &str,
    scratch: &mut Vec<u8>,
) -> Result<Digest, serde_json::Error> {
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
        hasher.write(name.as_bytes());
        hasher.write_u8(0xff);
        hasher.write(scratch);
        fields.push(hasher.finish());
    }
    fields.sort_unstable();
    if composite {
        let parts: Option<Vec<String>> = parts.into_iter().collect();
        found = parts.and_then(|parts| serde_json::to_string(&parts).ok());
    }
    let mut hasher = DefaultHasher::new();
    for field in fields {
        hasher.write_u64(field);
    }
    Ok(Digest {
        identity: found,
        content: hasher.finish(),
    })
}

/// The identity of one record's JSON text, as [`Digest::identity`] gives it, without hashing.
///
/// # Errors
/// When the text is not a JSON object.
pub(crate) fn identity_of(text: &str, identity: &str) -> Result<Option<String>, serde_json::Error> {
    if identity.contains(',') {
        let entries = object_entries(text)?;
        let parts: Option<Vec<String>> = identity
            .split(',')
            .map(|part| {
                entries
                    .iter()
                    .find(|(name, _)| name == part)
                    .and_then(|(_, value)| identity_text(value.get()))
            })
            .collect();
        return Ok(parts.and_then(|parts| serde_json::to_string(&parts).ok()));
    }
    Ok(object_entries(text)?
        .into_iter()
        .find(|(name, _)| name == identity)
        .and_then(|(_, value)| identity_text(value.get())))
}

fn identity_text(raw: &str) -> Option<String> {
    match kind(raw) {
        Kind::String => string_text(raw).ok().map(Cow::into_owned),
        Kind::Scalar => Some(raw.trim().to_owned()),
        _ => None,
    }
}

/// The 64-bit hash a [`Baseline`] files an identity under.
pub(crate) fn identity_hash(identity: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(identity.as_bytes());
    hasher.finish()
}

/// Where a previous record stands in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// No new record had its identity yet: removed, unless one comes.
    Pending,
    /// A new record had its identity and the same content.
    Same,
    /// A new record had its identity and other content, spilled at this offset.
    Changed(u64),
    /// Reported (removed or changed) by the pass over the previous file.
    Reported,
}

/// One previous record: 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// [`identity_hash`] of its identity.
    identity: u64,
    /// Its [`Digest::content`] while pending, else the offset of the changed record.
    word: u64,
    /// Its place in the previous file (0-based).
    position: u32,
    /// See [`State`]; the offset of `Changed` is in `word`.
    state: u8,
}

const PENDING: u8 = 0;
const SAME: u8 = 1;
const CHANGED: u8 = 2;
const REPORTED: u8 = 3;

/// The previous snapshot's records, by identity hash: filled by [`Baseline::push`], then
/// [`Baseline::seal`]ed before the first lookup.
#[derive(Debug, Default)]
pub(crate) struct Baseline {
    entries: Vec<Entry>,
}

impl Baseline {
    /// Files a previous record.
    pub(crate) fn push(&mut self, identity: &str, content: u64, position: u32) {
        self.entries.push(Entry {
            identity: identity_hash(identity),
            word: content,
            position,
            state: PENDING,
        });
    }

    /// Sorts the records for lookups; of records sharing an identity, the first stays.
    pub(crate) fn seal(&mut self) {
        self.entries
            .sort_unstable_by_key(|entry| (entry.identity, entry.position));
        self.entries.dedup_by_key(|entry| entry.identity);
        self.entries.shrink_to_fit();
    }

    fn find(&mut self, identity: u64) -> Option<&mut Entry> {
        let at = self
            .entries
            .binary_search_by_key(&identity, |entry| entry.identity)
            .ok()?;
        self.entries.get_mut(at)
    }

    /// The state of the previous record filed under `identity` (an [`identity_hash`]).
    pub(crate) fn state(&mut self, identity: u64) -> Option<State> {
        self.find(identity).map(|entry| match entry.state {
            PENDING => State::Pending,
            SAME => State::Same,
            CHANGED => State::Changed(entry.word),
            _ => State::Reported,
        })
    }

    /// The content digest of a pending record.
    pub(crate) fn content(&mut self, identity: u64) -> Option<u64> {
        self.find(identity)
            .filter(|entry| entry.state == PENDING)
            .map(|entry| entry.word)
    }

    /// Moves the record filed under `identity` to `state`.
    pub(crate) fn set(&mut self, identity: u64, state: State) {
        if let Some(entry) = self.find(identity) {
            (entry.state, entry.word) = match state {
                State::Pending => (PENDING, entry.word),
                State::Same => (SAME, entry.word),
                State::Changed(offset) => (CHANGED, offset),
                State::Reported => (REPORTED, entry.word),
            };
        }
    }

    /// The positions of the records still pending or changed, ascending: those the pass over
    /// the previous file must parse.
    pub(crate) fn wanted_positions(&self) -> Vec<u32> {
        let mut positions: Vec<u32> = self
            .entries
            .iter()
            .filter(|entry| entry.state == PENDING || entry.state == CHANGED)
            .map(|entry| entry.position)
            .collect();
        positions.sort_unstable();
        positions
    }

    /// How many previous records no new record claimed.
    pub(crate) fn pending(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| entry.state == PENDING)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(text: &str) -> Digest {
        digest(text, "id", &mut Vec::new()).unwrap()
    }

    #[test]
    fn spacing_and_field_order_do_not_change_a_digest_but_values_and_names_do() {
        let a = print(r#"{"id":"x\"1","n":{"a": [1, 2]},"s":"t u"}"#);
        let b = print("{\"s\":\"t u\",\n \"n\":{\"a\":[1,2]}, \"id\":\"x\\\"1\"}");
        assert_eq!(a, b);
        assert_eq!(a.identity.as_deref(), Some("x\"1"));
        let c = print(r#"{"id":"x\"1","n":{"a":[1,3]},"s":"t u"}"#);
        assert_ne!(a.content, c.content);
        let d = print(r#"{"id":"x\"1","m":{"a":[1,2]},"s":"t u"}"#);
        assert_ne!(a.content, d.content);
    }

    #[test]
    fn numbers_identify_records_and_other_values_do_not() {
        assert_eq!(print(r#"{"id":42}"#).identity.as_deref(), Some("42"));
        for text in [r#"{"id":null}"#, r#"{"id":{"a":1}}"#, r#"{"name":"x"}"#] {
            assert_eq!(print(text).identity, None, "{text}");
            assert_eq!(identity_of(text, "id").unwrap(), None, "{text}");
        }
        assert_eq!(
            identity_of(r#"{"a":1,"id":"k"}"#, "id").unwrap().as_deref(),
            Some("k")
        );
    }

    #[test]
    fn a_baseline_keeps_the_first_of_two_records_with_one_identity_and_tracks_states() {
        let mut baseline = Baseline::default();
        baseline.push("b", 2, 0);
        baseline.push("a", 1, 1);
        baseline.push("b", 3, 2);
        baseline.seal();
        let (a, b) = (identity_hash("a"), identity_hash("b"));
        assert_eq!(baseline.content(b), Some(2));
        assert_eq!(baseline.pending(), 2);
        assert_eq!(baseline.wanted_positions(), [0, 1]);
        baseline.set(b, State::Changed(77));
        assert_eq!(baseline.state(b), Some(State::Changed(77)));
        assert_eq!(baseline.content(b), None);
        baseline.set(a, State::Same);
        assert_eq!(baseline.wanted_positions(), [0]);
        assert_eq!(baseline.state(a), Some(State::Same));
        assert_eq!(baseline.pending(), 0);
        assert_eq!(baseline.state(identity_hash("c")), None);
        assert_eq!(std::mem::size_of::<Entry>(), 24);
    }

    #[test]
    fn a_composite_identity_is_the_array_of_its_values_and_needs_every_one() {
        let mut scratch = Vec::new();
        let both = r#"{"user_id":"auth0|1","role_id":"rol_1","name":"A"}"#;
        let pair = Some(r#"["rol_1","auth0|1"]"#.to_owned());
        let digested = digest(both, "role_id,user_id", &mut scratch).unwrap();
        assert_eq!(digested.identity, pair);
        assert_eq!(identity_of(both, "role_id,user_id").unwrap(), pair);
        let one = r#"{"role_id":"rol_1","name":"A"}"#;
        assert_eq!(
            digest(one, "role_id,user_id", &mut scratch)
                .unwrap()
                .identity,
            None
        );
        assert_eq!(identity_of(one, "role_id,user_id").unwrap(), None);
    }
}
