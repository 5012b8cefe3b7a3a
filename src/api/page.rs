//! Reading one page of a list endpoint: an envelope (`{start, limit, total, <key>}` or
//! `{<key>, next}`) or a bare array, into records that stay exactly as the API sent them.
//!
//! Records are kept as raw JSON text (`Box<RawValue>`): nothing is re-ordered or re-encoded on
//! the way to the snapshot, and no record is parsed more than the writers need.

use serde::Deserialize;
use serde_json::value::RawValue;

/// One page of records and the paging facts that came with it.
#[derive(Debug, Default)]
pub struct Page {
    /// The records, in the order the API returned them.
    pub records: Vec<Box<RawValue>>,
    /// `total` from an offset envelope.
    pub total: Option<u64>,
    /// `next` from a checkpoint envelope; `None` when the key is absent (the last page).
    pub next: Option<String>,
}

/// Why a body is not a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// The body is not JSON.
    #[error("the body is not valid JSON ({detail})")]
    NotJson {
        /// What the parser said.
        detail: String,
    },
    /// The body is JSON of the wrong shape.
    #[error("{detail}")]
    Shape {
        /// What was expected and what came.
        detail: String,
    },
}

/// The top-level fields of an envelope; the records stay raw.
#[derive(Deserialize)]
#[serde(transparent)]
struct Envelope<'a> {
    #[serde(borrow)]
    fields: std::collections::HashMap<String, &'a RawValue>,
}

/// Parses a list page. `items` is the envelope key; with `None` only a bare array is a list,
/// and with `single_object_ok` an object body is one record (for `pagination = "none"`).
pub fn parse(body: &[u8], items: Option<&str>, single_object_ok: bool) -> Result<Page, PageError> {
    let first = body
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .copied();
    match first {
        Some(b'[') => parse_array(body).map(|records| Page {
            records,
            ..Page::default()
        }),
        Some(b'{') => parse_object(body, items, single_object_ok),
        _ => Err(not_json(serde_json::from_slice::<&RawValue>(body).err())),
    }
}

fn parse_array(body: &[u8]) -> Result<Vec<Box<RawValue>>, PageError> {
    let records: Vec<Box<RawValue>> =
        serde_json::from_slice(body).map_err(|error| not_json(Some(error)))?;
    check_objects(&records)?;
    Ok(records)
}

fn parse_object(
    body: &[u8],
    items: Option<&str>,
    single_object_ok: bool,
) -> Result<Page, PageError> {
    let envelope: Envelope<'_> =
        serde_json::from_slice(body).map_err(|error| not_json(Some(error)))?;
    let Some(key) = items.filter(|key| envelope.fields.contains_key(*key)) else {
        if single_object_ok && items.is_none() {
            let record: Box<RawValue> =
                serde_json::from_slice(body).map_err(|error| not_json(Some(error)))?;
            return Ok(Page {
                records: vec![record],
                ..Page::default()
            });
        }
        return Err(missing_key(items, &envelope));
    };
    let records: Vec<Box<RawValue>> = serde_json::from_str(envelope.fields[key].get())
        .map_err(|_| shape(format!("\"{key}\" is not an array of records")))?;
    check_objects(&records)?;
    let total = match envelope.fields.get("total") {
        None => None,
        Some(raw) => Some(
            serde_json::from_str::<u64>(raw.get())
                .map_err(|_| shape(format!("\"total\" is {}, not a count", raw.get())))?,
        ),
    };
    let next = match envelope.fields.get("next") {
        None => None,
        Some(raw) => match serde_json::from_str::<Option<String>>(raw.get()) {
            Ok(next) => next.filter(|next| !next.is_empty()),
            Err(_) => return Err(shape(format!("\"next\" is {}, not a string", raw.get()))),
        },
    };
    Ok(Page {
        records,
        total,
        next,
    })
}

fn check_objects(records: &[Box<RawValue>]) -> Result<(), PageError> {
    match records
        .iter()
        .position(|record| !record.get().starts_with('{'))
    {
        None => Ok(()),
        Some(index) => Err(shape(format!("record {index} is not a JSON object"))),
    }
}

fn missing_key(items: Option<&str>, envelope: &Envelope<'_>) -> PageError {
    let mut keys: Vec<&str> = envelope.fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    match items {
        Some(key) => shape(format!(
            "the answer has no \"{key}\" array (keys: {}); set `items` in the job file to the key that holds the records",
            keys.join(", ")
        )),
        None => shape(format!(
            "expected a JSON array, got an object with keys {}; set `items` in the job file to the key that holds the records",
            keys.join(", ")
        )),
    }
}

fn not_json(error: Option<serde_json::Error>) -> PageError {
    PageError::NotJson {
        detail: error.map_or_else(|| "empty body".to_owned(), |error| error.to_string()),
    }
}

fn shape(detail: String) -> PageError {
    PageError::Shape { detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_envelope_gives_its_records_raw_and_its_total() {
        let body = br#"{"roles":[{"id":"rol_1","name":"a"},{"name":"b","id":"rol_2"}],"start":0,"limit":50,"total":2}"#;
        let page = parse(body, Some("roles"), false).expect("page");
        assert_eq!(page.total, Some(2));
        assert_eq!(page.next, None);
        assert_eq!(page.records[1].get(), r#"{"name":"b","id":"rol_2"}"#);
    }

    #[test]
    fn a_checkpoint_page_gives_next_until_the_key_is_absent() {
        let page = parse(
            br#"{"organizations":[{"id":"org_1"}],"next":"a*b"}"#,
            Some("organizations"),
            false,
        )
        .expect("page");
        assert_eq!(page.next.as_deref(), Some("a*b"));
        let last = parse(br#"{"organizations":[]}"#, Some("organizations"), false).expect("page");
        assert_eq!(last.next, None);
        assert!(last.records.is_empty());
    }

    #[test]
    fn a_bare_array_is_accepted_with_or_without_a_key() {
        let page = parse(b" [{\"log_id\":\"1\"}]", None, false).expect("page");
        assert_eq!(page.records.len(), 1);
        let page = parse(b"[]", Some("clients"), false).expect("page");
        assert!(page.records.is_empty());
    }

    #[test]
    fn malformed_and_misshapen_bodies_are_errors_that_say_why() {
        assert!(matches!(
            parse(b"{\"clients\":[", Some("clients"), false),
            Err(PageError::NotJson { .. })
        ));
        assert!(matches!(
            parse(b"<html>", Some("clients"), false),
            Err(PageError::NotJson { .. })
        ));
        let error = parse(br#"{"users":[]}"#, Some("clients"), false).expect_err("wrong key");
        assert!(
            error
                .to_string()
                .contains("no \"clients\" array (keys: users)"),
            "{error}"
        );
        let error = parse(br#"[1,2]"#, None, false).expect_err("not objects");
        assert_eq!(error.to_string(), "record 0 is not a JSON object");
    }

    #[test]
    fn a_single_object_is_one_record_only_when_allowed() {
        let page = parse(br#"{"friendly_name":"x"}"#, None, true).expect("page");
        assert_eq!(page.records.len(), 1);
        assert!(parse(br#"{"friendly_name":"x"}"#, None, false).is_err());
    }
}
