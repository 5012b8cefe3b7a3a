//! Reading one page of a list endpoint: an envelope (`{start, limit, total, <key>}` or
//! `{<key>, next}`) or a bare array, into records that stay exactly as the API sent them.
//!
//! A [`Page`] keeps the body as it arrived and only notes where its records are: the records
//! are handed out later as `&RawValue` slices of that body, so nothing is re-ordered or
//! re-encoded on the way to the snapshot and no record costs an allocation of its own. The
//! pager needs only the paging facts (`total`, `next`, the count and the last record), which
//! [`parse`] reads while it checks the page; the records themselves are split again on the
//! writing thread, while the next request is already under way.
//!
//! Answers that are not lists of objects are read too, as the definition describes them: a list
//! of strings or numbers (`guardian/policies`, `guardian/factors/phone/message-types`) is
//! records of one field, [`values::VALUE_FIELD`] (`{"value": "all-applications"}`), and a bare number
//! or string (`stats/active-users`) is one such record. A list mixing objects and values is
//! refused, naming the first record that is not an object.
//!
//! When asked for an identity field (`client_id`, `log_id`, ...), [`parse`] also notes where
//! each record's identity is in the body, so the walk can check that no record arrives twice
//! (see [`super::walk`]) without a second copy of anything.

use std::ops::Range;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

mod identity;
mod values;

use values::{all_values, values_page};

/// One page of records and the paging facts that came with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    /// The body as received; every record is a slice of it.
    body: Bytes,
    /// Where the records are in `body`.
    list: List,
    /// How many records the page holds.
    len: usize,
    /// Where the last record is in `body`, if there is one.
    last: Option<Range<usize>>,
    /// `total` from an offset envelope.
    pub total: Option<u64>,
    /// `next` from a checkpoint envelope; `None` when the key is absent (the last page).
    pub next: Option<String>,
    /// `start` from an offset envelope: the position of the first record.
    pub start: Option<u64>,
    /// `limit` from an offset envelope: the page size the server used.
    pub limit: Option<u64>,
    /// Where each record's identity is in `body`, when one was asked for.
    identities: Identities,
}

/// Where the records' identities are in a page's body.
#[derive(Debug, Clone, Default)]
pub(super) enum Identities {
    /// No identity field was asked for.
    #[default]
    Unknown,
    /// The raw JSON text of each record's identity (`"c1"`, with its quotes), in order.
    Found(Vec<Range<usize>>),
    /// Record `index` (0-based) has no such field, or it is `null`.
    Missing {
        /// The first record without it.
        index: usize,
    },
}

/// Where a page's records are in its body.
#[derive(Debug, Clone, Default)]
enum List {
    /// No records.
    #[default]
    Empty,
    /// A JSON array of records at this range of the body.
    Array(Range<usize>),
    /// The whole body is one record (an unpaged endpoint that answers one object).
    Single,
}

/// Why a body is not a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PageError {
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

impl Page {
    /// A page of records that did not arrive as one body (the lines of a bulk export): they are
    /// joined into a JSON array, so the writer takes them like any other page.
    pub(crate) fn from_records(records: &[Box<RawValue>]) -> Self {
        let mut body =
            Vec::with_capacity(records.iter().map(|r| r.get().len() + 1).sum::<usize>() + 2);
        body.push(b'[');
        let mut last = None;
        for (index, record) in records.iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            let start = body.len();
            body.extend_from_slice(record.get().as_bytes());
            last = Some(start..body.len());
        }
        body.push(b']');
        let list = if records.is_empty() {
            List::Empty
        } else {
            List::Array(0..body.len())
        };
        Page {
            body: Bytes::from(body),
            list,
            len: records.len(),
            last,
            ..Page::default()
        }
    }

    /// How many records the page holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the page holds no record.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The records, in the order the API returned them, as slices of the body.
    ///
    /// They were checked when the page was read, so this only fails if the body was altered.
    pub(crate) fn records(&self) -> Result<Vec<&RawValue>, PageError> {
        match &self.list {
            List::Empty => Ok(Vec::new()),
            List::Array(range) => {
                serde_json::from_slice(&self.body[range.clone()]).map_err(|e| not_json(Some(e)))
            }
            List::Single => serde_json::from_slice(&self.body)
                .map(|record| vec![record])
                .map_err(|error| not_json(Some(error))),
        }
    }

    /// Each record's identity as raw JSON text (`"c1"` with its quotes, or `42`), in order;
    /// `Err(index)` names the first record without one; `Ok(None)` when none was asked for.
    pub(crate) fn identities(&self) -> Result<Option<Vec<&str>>, usize> {
        match &self.identities {
            Identities::Unknown => Ok(None),
            Identities::Missing { index } => Err(*index),
            Identities::Found(spans) => Ok(Some(
                spans
                    .iter()
                    .map(|span| std::str::from_utf8(&self.body[span.clone()]).unwrap_or_default())
                    .collect(),
            )),
        }
    }

    /// The JSON text of the last record, if the page has one.
    pub(crate) fn last_record(&self) -> Option<&str> {
        let range = self.last.clone()?;
        std::str::from_utf8(&self.body[range]).ok()
    }
}

/// How to read a page: the envelope key of its records, whether an object body may be one
/// record, and the field that identifies a record.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Shape<'a> {
    /// The envelope key; with `None` only a bare array is a list.
    pub items: Option<&'a str>,
    /// Whether an object body is one record (for `pagination = "none"`).
    pub single_object_ok: bool,
    /// The field whose value identifies a record, if known.
    pub identity: Option<&'a str>,
}

/// Parses a list page as `shape` says.
pub(super) fn parse(body: Bytes, shape: Shape<'_>) -> Result<Page, PageError> {
    let first = body
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .copied();
    match first {
        Some(b'[') => parse_array(body, shape.identity),
        Some(b'{') => parse_object(body, shape),
        Some(_) if shape.single_object_ok => {
            let value =
                serde_json::from_slice::<&RawValue>(&body).map_err(|error| not_json(Some(error)))?;
            values_page(&[value])
        }
        _ => match serde_json::from_slice::<&RawValue>(&body) {
            Ok(_) => Err(PageError::Shape {
                detail: "the answer is one value, not a page of a list; set pagination = \"none\" in the job file"
                    .to_owned(),
            }),
            Err(error) => Err(not_json(Some(error))),
        },
    }
}

fn parse_array(body: Bytes, identity: Option<&str>) -> Result<Page, PageError> {
    let records: Vec<&RawValue> =
        serde_json::from_slice(&body).map_err(|error| not_json(Some(error)))?;
    if all_values(&records) {
        return values_page(&records);
    }
    check_objects(&records)?;
    let identities = identity::find(&body, &records, identity)?;
    let len = records.len();
    let last = records.last().map(|last| span(&body, last)).transpose()?;
    Ok(Page {
        list: List::Array(0..body.len()),
        len,
        last,
        identities,
        body,
        ..Page::default()
    })
}

fn parse_object(body: Bytes, how: Shape<'_>) -> Result<Page, PageError> {
    let envelope: Envelope<'_> =
        serde_json::from_slice(&body).map_err(|error| not_json(Some(error)))?;
    let items = how.items;
    let Some(key) = items.filter(|key| envelope.fields.contains_key(*key)) else {
        if how.single_object_ok && items.is_none() {
            refuse_hidden_page(&envelope)?;
            let whole = serde_json::from_slice::<&RawValue>(&body)
                .map_err(|error| not_json(Some(error)))?;
            let identities = identity::find(&body, &[whole], how.identity)?;
            return Ok(Page {
                list: List::Single,
                len: 1,
                last: Some(0..body.len()),
                identities,
                body,
                ..Page::default()
            });
        }
        return Err(missing_key(items, &envelope));
    };
    let list = envelope.fields[key];
    let records: Vec<&RawValue> = serde_json::from_str(list.get())
        .map_err(|_| shape(format!("\"{key}\" is not an array of records")))?;
    let total = count(&envelope, "total")?;
    let start = count(&envelope, "start")?;
    let limit = count(&envelope, "limit")?;
    if all_values(&records) {
        return Ok(Page {
            total,
            start,
            limit,
            next: next_of(&envelope)?,
            ..values_page(&records)?
        });
    }
    check_objects(&records)?;
    let identities = identity::find(&body, &records, how.identity)?;
    let next = next_of(&envelope)?;
    let len = records.len();
    let last = records.last().map(|last| span(&body, last)).transpose()?;
    let list = if len == 0 {
        List::Empty
    } else {
        List::Array(span(&body, list)?)
    };
    Ok(Page {
        list,
        len,
        last,
        total,
        next,
        start,
        limit,
        identities,
        body,
    })
}

/// `next` of a checkpoint envelope: `None` when absent, null or empty (the last page).
fn next_of(envelope: &Envelope<'_>) -> Result<Option<String>, PageError> {
    match envelope.fields.get("next") {
        None => Ok(None),
        Some(raw) => match serde_json::from_str::<Option<String>>(raw.get()) {
            Ok(next) => Ok(next.filter(|next| !next.is_empty())),
            Err(_) => Err(shape(format!("\"next\" is {}, not a string", raw.get()))),
        },
    }
}

/// A count of the envelope (`total`, `start`, `limit`), if present.
fn count(envelope: &Envelope<'_>, key: &str) -> Result<Option<u64>, PageError> {
    match envelope.fields.get(key) {
        None => Ok(None),
        Some(raw) => serde_json::from_str::<u64>(raw.get())
            .map(Some)
            .map_err(|_| shape(format!("\"{key}\" is {}, not a count", raw.get()))),
    }
}

/// An unpaged answer that is really one page of a paged list (an array beside a `next`, as
/// `custom-domains` answers when given `take`): written as one record it would hide the rest.
fn refuse_hidden_page(envelope: &Envelope<'_>) -> Result<(), PageError> {
    if !envelope.fields.contains_key("next") {
        return Ok(());
    }
    let mut arrays: Vec<&str> = envelope
        .fields
        .iter()
        .filter(|(_, value)| value.get().starts_with('['))
        .map(|(key, _)| key.as_str())
        .collect();
    arrays.sort_unstable();
    match arrays.first() {
        None => Ok(()),
        Some(key) => Err(shape(format!(
            "the answer is one page of a paged list (a \"{key}\" array and a \"next\"), not one record; set pagination = \"checkpoint\" and items = \"{key}\" in the job file"
        ))),
    }
}

/// Where `part`, a value parsed out of `body` without copying, sits in `body`.
fn span(body: &[u8], part: &RawValue) -> Result<Range<usize>, PageError> {
    let text = part.get();
    let start = (text.as_ptr() as usize).checked_sub(body.as_ptr() as usize);
    match start {
        Some(start) if start + text.len() <= body.len() => Ok(start..start + text.len()),
        _ => Err(shape(
            "a record was not read in place from the body (a bug in a0snap: please report it)"
                .to_owned(),
        )),
    }
}

fn check_objects(records: &[&RawValue]) -> Result<(), PageError> {
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
#[path = "tests/page.rs"]
mod tests;
