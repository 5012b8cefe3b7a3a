//! Giving every record of a child list its parent's identity as its first field: the
//! record's other fields keep their raw text and order. Pure text work, no request.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::super::page::Page;

/// `text` as a JSON string.
pub(super) fn json_text(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// `page` with `"field":value` first in every record (both given as JSON text); a field of
/// that name the record had already is dropped, the parent's value being the one that says
/// which parent the record was read under. Each other field keeps its raw text and order.
/// `Err` names a record that is not a JSON object.
pub(super) fn with_parent(page: &Page, field: &str, value: &str) -> Result<Page, (String, String)> {
    let records = page
        .records()
        .map_err(|error| (error.to_string(), String::new()))?;
    let name: String = serde_json::from_str(field).unwrap_or_default();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let entries = serde_json::Deserializer::from_str(record.get())
            .deserialize_map(EntriesVisitor)
            .map_err(|_| {
                (
                    "a record of a child list is not a JSON object, so it cannot carry its parent's identity".to_owned(),
                    record.get().to_owned(),
                )
            })?;
        let mut text = String::with_capacity(record.get().len() + field.len() + value.len() + 2);
        text.push('{');
        text.push_str(field);
        text.push(':');
        text.push_str(value);
        for (key, raw) in entries.iter().filter(|(key, _)| *key != name) {
            text.push(',');
            text.push_str(&json_text(key));
            text.push(':');
            text.push_str(raw.get());
        }
        text.push('}');
        let boxed =
            RawValue::from_string(text).map_err(|error| (error.to_string(), String::new()))?;
        out.push(boxed);
    }
    Ok(Page::from_records(&out))
}

/// A JSON object's entries in order, values as raw text.
struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key::<String>()? {
            entries.push((key, map.next_value::<&'de RawValue>()?));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(records: &[&str]) -> Page {
        let boxed: Vec<Box<RawValue>> = records
            .iter()
            .map(|r| RawValue::from_string((*r).to_owned()).expect("json in the test"))
            .collect();
        Page::from_records(&boxed)
    }

    fn texts(page: &Page) -> Vec<String> {
        let records = page.records().expect("records");
        records.iter().map(|r| r.get().to_owned()).collect()
    }

    #[test]
    fn the_parent_field_comes_first_and_the_rest_keeps_its_text_and_order() {
        let page = page_of(&[r#"{"user_id":"auth0|1","n":1.50,"o":{"a":[1, 2]}}"#, "{}"]);
        let out = with_parent(&page, r#""role_id""#, r#""rol_\"x""#).expect("objects");
        assert_eq!(
            texts(&out),
            [
                r#"{"role_id":"rol_\"x","user_id":"auth0|1","n":1.50,"o":{"a":[1, 2]}}"#,
                r#"{"role_id":"rol_\"x"}"#
            ]
        );
    }

    #[test]
    fn a_field_named_like_the_parent_field_is_replaced_by_the_parent() {
        let page = page_of(&[r#"{"a":1,"role_id":"other"}"#]);
        let out = with_parent(&page, r#""role_id""#, r#""rol_1""#).expect("objects");
        assert_eq!(texts(&out), [r#"{"role_id":"rol_1","a":1}"#]);
    }

    #[test]
    fn a_record_that_is_not_an_object_is_refused() {
        let page = page_of(&[r#""just text""#]);
        let (detail, record) = with_parent(&page, r#""role_id""#, r#""rol_1""#).unwrap_err();
        assert!(detail.contains("not a JSON object"), "{detail}");
        assert_eq!(record, r#""just text""#);
    }
}
