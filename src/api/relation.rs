//! Walking a relation: every record of a parent list (`roles`), then the child list of each
//! (`roles/{id}/users`), with every record of a child list given its parent's identity as its
//! first field (`role_id`).
//!
//! The parent list is walked first, with every check of a walk ([`super::walk`]); only its
//! identities are kept (a few bytes each). The child lists are then walked `width` at a time:
//! each request still waits for the process's one pacer ([`super::Limiter`]), so a relation
//! job is bounded and takes its turn with the other jobs' requests. Child lists are handed on
//! strictly in parent order, whatever order they complete in, so the output is that of one
//! walk after the other; memory holds at most `width` child lists.
//!
//! A child list that answers 404 means its parent was deleted after the parent walk: that is
//! a [`Drift::ParentGone`], which the runner answers like any drift, by walking again. Any
//! other failure of any child list ends the walk with that error.
//!
//! It knows endpoints and pages, not jobs or files.

use futures_util::stream::{self, Stream, StreamExt};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::client::ApiClient;
use super::error::{ApiError, snippet};
use super::page::Page;
use super::pager::Pager;
use super::walk::{Drift, Verified};
use crate::endpoint::Endpoint;

/// A parent list and the child list to read for each of its records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Relation<'a> {
    /// The client, with the job's deadline.
    pub client: &'a ApiClient,
    /// The parent list (`/api/v2/roles`).
    pub parent: &'a Endpoint,
    /// Records a page of the parent list.
    pub parent_page_size: u32,
    /// The child template (`/api/v2/roles/{id}/users`).
    pub child: &'a Endpoint,
    /// The job's query parameters, sent with every child page.
    pub params: &'a [(String, String)],
    /// Records a page of a child list.
    pub page_size: u32,
    /// The field that carries the parent's identity (`role_id`).
    pub field: &'a str,
    /// Child lists (and parent pages) on their way at once; at least 1.
    pub width: usize,
}

/// The parent list's identities, in its order, and how its walk was checked.
#[derive(Debug)]
pub(crate) struct Parents {
    /// Each parent's identity as text (`rol_1`; a number as written).
    pub ids: Vec<String>,
    /// How the parent walk was checked.
    pub verified: Verified,
}

/// One parent's child list, its records carrying the parent's identity.
#[derive(Debug)]
pub(crate) struct Children {
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// How the child walk was checked.
    pub verified: Verified,
}

impl<'a> Relation<'a> {
    /// Walks the parent list and keeps its identities.
    ///
    /// # Errors
    /// Any error of the walk ([`ApiError::Drift`] included), or [`ApiError::BadAnswer`] when
    /// a parent record has no identity.
    pub(crate) async fn parents(&self) -> Result<Parents, ApiError> {
        let mut pager = Pager::new(self.client, self.parent, &[], self.parent_page_size, None)
            .fan_out(self.width);
        let mut ids = Vec::new();
        while let Some(page) = pager.next_page().await? {
            let found = page.identities().map_err(|index| ApiError::BadAnswer {
                path: self.parent.path.clone(),
                page: pager.pages(),
                detail: format!(
                    "record {} has no {}, so its children cannot be read",
                    index + 1,
                    self.parent.identity.as_deref().unwrap_or("identity")
                ),
                snippet: String::new(),
            })?;
            ids.extend(found.unwrap_or_default().into_iter().map(identity_text));
        }
        Ok(Parents {
            ids,
            verified: pager.verified(),
        })
    }

    /// The child list of every parent in `ids`, `width` at a time, in the order of `ids`.
    pub(crate) fn children<'s>(
        &'s self,
        ids: &'s [String],
    ) -> impl Stream<Item = Result<Children, ApiError>> + 's {
        stream::iter(ids)
            .map(move |id| self.child_list(id))
            .buffered(self.width.max(1))
    }

    /// The child list of parent `id`, every record given the parent's field first.
    async fn child_list(&self, id: &str) -> Result<Children, ApiError> {
        let endpoint = self.child.for_parent(id);
        let mut pager = Pager::new(self.client, &endpoint, self.params, self.page_size, None);
        let (field, value) = (json_text(self.field), json_text(id));
        let mut pages = Vec::new();
        loop {
            let page = match pager.next_page().await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(ApiError::Refused { status: 404, .. }) => {
                    return Err(ApiError::Drift {
                        path: endpoint.path.clone(),
                        drift: Drift::ParentGone {
                            parent: self.parent.name().to_owned(),
                            id: id.to_owned(),
                        },
                    });
                }
                Err(error) => return Err(error),
            };
            let number = pager.pages();
            let page = with_parent(&page, &field, &value).map_err(|(detail, record)| {
                ApiError::BadAnswer {
                    path: endpoint.path.clone(),
                    page: number,
                    detail,
                    snippet: snippet(record.as_bytes()),
                }
            })?;
            pages.push(page);
        }
        Ok(Children {
            pages,
            verified: pager.verified(),
        })
    }
}

/// A raw identity as text: a JSON string's value (escapes decoded), anything else as written.
fn identity_text(raw: &str) -> String {
    serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned())
}

/// `text` as a JSON string.
fn json_text(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// `page` with `"field":value` first in every record (both given as JSON text); a field of
/// that name the record had already is dropped, the parent's value being the one that says
/// which parent the record was read under. Each other field keeps its raw text and order.
/// `Err` names a record that is not a JSON object.
fn with_parent(page: &Page, field: &str, value: &str) -> Result<Page, (String, String)> {
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

    #[test]
    fn identities_are_decoded_json_strings_or_numbers_as_written() {
        assert_eq!(identity_text(r#""auth0|1\u0041""#), "auth0|1A");
        assert_eq!(identity_text("42"), "42");
    }
}
