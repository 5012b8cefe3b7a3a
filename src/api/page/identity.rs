//! Finding each record's identity (`client_id`, `log_id`, ...) in a page's body without
//! building the record: one scan that reads the wanted field as raw text and skips the rest.
//! It notes where the value is; what an identity means for the walk is `api::walk`'s.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::{Identities, PageError, not_json, span};

/// Where each record's `identity` value is in `body` (`Unknown` when none is asked for).
pub(super) fn find(
    body: &[u8],
    records: &[&RawValue],
    identity: Option<&str>,
) -> Result<Identities, PageError> {
    let Some(field) = identity else {
        return Ok(Identities::Unknown);
    };
    let mut spans = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let mut reader = serde_json::Deserializer::from_str(record.get());
        let value = FieldOf(field)
            .deserialize(&mut reader)
            .map_err(|error| not_json(Some(error)))?;
        match value.filter(|value| value.get() != "null") {
            Some(value) => spans.push(span(body, value)?),
            None => return Ok(Identities::Missing { index }),
        }
    }
    Ok(Identities::Found(spans))
}

/// Reads one field of a JSON object as raw text, skipping the others without building them.
struct FieldOf<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for FieldOf<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<Self::Value, D::Error> {
        reader.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldOf<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(wanted) = map.next_key_seed(KeyIs(self.0))? {
            if wanted && found.is_none() {
                found = Some(map.next_value::<&RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Whether an object key is the wanted one, without allocating it.
struct KeyIs<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<bool, D::Error> {
        reader.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}
