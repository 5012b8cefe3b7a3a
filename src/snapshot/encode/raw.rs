//! Small tools for JSON text that is walked without building a `serde_json::Value`: what kind
//! of value a raw text holds, object keys that borrow when they can, and whitespace stripping.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The kind of a JSON value, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// `null`
    Null,
    /// A number, `true` or `false`.
    Scalar,
}

/// The kind of the JSON value `raw` holds (`raw` is valid JSON, possibly padded with spaces).
pub(crate) fn kind(raw: &str) -> Kind {
    match raw.trim_start().as_bytes().first() {
        Some(b'{') => Kind::Object,
        Some(b'[') => Kind::Array,
        Some(b'"') => Kind::String,
        Some(b'n') => Kind::Null,
        _ => Kind::Scalar,
    }
}

/// Deserializes an object key, borrowing it from the input unless it holds escapes.
pub(crate) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key))
    }
}

/// An object's top-level fields in order: keys borrowed unless escaped, values raw.
pub(crate) type Entries<'a> = Vec<(Cow<'a, str>, &'a RawValue)>;

/// The top-level fields of the JSON object `text`; an error for anything but an object.
pub(crate) fn object_entries(text: &str) -> Result<Entries<'_>, serde_json::Error> {
    serde_json::Deserializer::from_str(text).deserialize_map(EntriesVisitor)
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(key) = map.next_key_seed(KeySeed)? {
            entries.push((key, map.next_value::<&'de RawValue>()?));
        }
        Ok(entries)
    }
}

/// Skips one JSON value of any shape without allocating.
///
/// `serde::de::IgnoredAny` would do, but serde_json skips a value nested two containers deep
/// by pushing the outer one onto a scratch buffer, which a fresh deserializer (one a record)
/// allocates: one allocation a record for the typical log event, whose `details` hold objects.
/// Walking nested values through the visitor keeps that stack on the call stack instead
/// (serde_json still caps the depth at 128). Strings with escapes are the only exception.
pub(crate) struct Skip;

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<de::IgnoredAny, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// Appends `json` to `out` without the whitespace between tokens (strings are kept intact).
pub(crate) fn minify_into(json: &[u8], out: &mut Vec<u8>) {
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
        } else if matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
            continue;
        }
        out.push(byte);
    }
}

/// The text of a JSON string value, unescaped; borrowed when it holds no escapes.
pub(crate) fn string_text(raw: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    let quoted = raw.trim();
    match quoted.get(1..quoted.len().saturating_sub(1)) {
        Some(inner) if quoted.len() >= 2 && !inner.contains('\\') => Ok(Cow::Borrowed(inner)),
        _ => serde_json::from_str::<String>(quoted).map(Cow::Owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_comes_from_the_first_byte_after_spaces() {
        assert_eq!(kind(" {\"a\":1}"), Kind::Object);
        assert_eq!(kind("[1]"), Kind::Array);
        assert_eq!(kind("\"x\""), Kind::String);
        assert_eq!(kind("null"), Kind::Null);
        assert_eq!(kind("-1.5"), Kind::Scalar);
        assert_eq!(kind("true"), Kind::Scalar);
    }

    #[test]
    fn object_entries_keep_order_escaped_keys_and_raw_values_and_refuse_non_objects() {
        let entries = object_entries(r#"{"b" : [1, 2],"a\u005fx":"v","c":{"d":1.50}}"#).unwrap();
        let pairs: Vec<(&str, &str)> = entries.iter().map(|(k, v)| (&**k, v.get())).collect();
        assert_eq!(
            pairs,
            [("b", "[1, 2]"), ("a_x", "\"v\""), ("c", "{\"d\":1.50}")]
        );
        assert!(matches!(entries[0].0, Cow::Borrowed(_)));
        for text in ["[1]", "\"x\"", "null"] {
            assert!(object_entries(text).is_err(), "{text}");
        }
    }

    #[test]
    fn skipping_consumes_exactly_one_value_of_any_shape() {
        let json = r#"[{"a":[1,{"b":[[],{}]}],"s":"x\"y","n":-1.5e3,"t":true,"z":null}, 7]"#;
        let (first, second): (Skip, u8) = serde_json::from_str(json).expect("skipped");
        let _ = first;
        assert_eq!(second, 7);
        assert!(serde_json::from_str::<Skip>("{\"a\":").is_err());
    }

    #[test]
    fn minifying_keeps_spaces_and_escaped_quotes_inside_strings() {
        let mut out = Vec::new();
        minify_into(b"{ \"a b\" : [ 1 ,\n 2 ], \"c\": \"x \\\" y\" }", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a b":[1,2],"c":"x \" y"}"#
        );
    }

    #[test]
    fn string_text_unescapes_only_when_needed() {
        assert!(matches!(
            string_text("\"plain\"").unwrap(),
            Cow::Borrowed("plain")
        ));
        assert_eq!(string_text(r#""a\"b\u00e9""#).unwrap(), "a\"bé");
        assert_eq!(string_text("\"\"").unwrap(), "");
    }
}
