//! Turns a list of records and a query string into the body Auth0 would answer: offset pages
//! (`page`, `per_page`, `include_totals`), checkpoint pages (`take`, `from` = opaque `next`),
//! and the log stream (`take`, `from` = a `log_id`, ascending).
//!
//! Query parameters it does not know (`q`, `fields`, `is_global`, ...) are accepted and
//! ignored. A paging parameter sent twice is refused, as Auth0's validator refuses an array.

use serde_json::{Map, Value, json};

use crate::answer::ApiError;
use crate::cursor::Cursors;
use crate::endpoints::{Envelope, Paging, Spec};

/// The most records one page may hold (`per_page`, `take`).
pub const MAX_PAGE: usize = 100;
/// The page size when none is asked.
pub const DEFAULT_PAGE: usize = 50;

/// A parsed query string, duplicates kept.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes a raw query string (`None`: no query).
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect());
        Self {
            pairs: pairs.unwrap_or_default(),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// The one value of `name`; 400 when it is sent more than once.
    fn single(&self, name: &str, kind: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(validation(
                name,
                &format!("Expected type {kind} but found type array"),
            ));
        }
        Ok(first)
    }

    fn number(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        let Some(text) = self.single(name, "integer")? else {
            return Ok(default);
        };
        let value: usize = text
            .parse()
            .map_err(|_| validation(name, "Expected type integer but found type string"))?;
        if value > max {
            return Err(validation(name, &format!("Too big: must be at most {max}")));
        }
        Ok(value)
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.single(name, "boolean")? {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(validation(
                name,
                "Expected type boolean but found type string",
            )),
        }
    }
}

fn validation(name: &str, problem: &str) -> ApiError {
    ApiError::bad_query(format!(
        "Query validation error: '{problem}' on property {name}"
    ))
}

/// The answer body for a list request.
pub fn answer(
    spec: &Spec,
    records: &[Value],
    query: &Query,
    cursors: &Cursors,
) -> Result<Value, ApiError> {
    let checkpoint = query.has("take") || query.has("from");
    match spec.paging {
        Paging::Logs if checkpoint => log_stream(records, query),
        Paging::Logs => offset(spec, records, query, Order::NewestFirst),
        _ if checkpoint && spec.checkpoint => checkpoint_page(spec, records, query, cursors),
        Paging::Whole => Ok(Value::Array(records.to_vec())),
        Paging::Offset => offset(spec, records, query, Order::AsStored),
    }
}

/// The order offset pages walk the records in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    AsStored,
    /// `/logs` with `page`/`per_page`: the newest event first.
    NewestFirst,
}

fn window(records: &[Value], start: usize, size: usize) -> Vec<Value> {
    let begin = start.min(records.len());
    let end = start.saturating_add(size).min(records.len());
    records[begin..end].to_vec()
}

fn window_in(order: Order, records: &[Value], start: usize, size: usize) -> Vec<Value> {
    match order {
        Order::AsStored => window(records, start, size),
        Order::NewestFirst => {
            let end = records.len().saturating_sub(start);
            let begin = end.saturating_sub(size);
            records[begin..end].iter().rev().cloned().collect()
        }
    }
}

fn offset(spec: &Spec, records: &[Value], query: &Query, order: Order) -> Result<Value, ApiError> {
    let per_page = query.number("per_page", DEFAULT_PAGE, MAX_PAGE)?;
    let page = query.number("page", 0, usize::MAX)?;
    let totals = query.flag("include_totals")?;
    let start = page
        .checked_mul(per_page)
        .ok_or_else(|| validation("page", "Too big: the page is out of range"))?;
    if let Some(cap) = spec.offset_cap
        && start.saturating_add(per_page) > cap
    {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            format!(
                "You can only page through the first {cap} records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation"
            ),
            Some("invalid_paging"),
        ));
    }
    let items = window_in(order, records, start, per_page);
    if !totals {
        return Ok(Value::Array(items));
    }
    Ok(envelope(spec, items, start, per_page, records.len()))
}

fn envelope(spec: &Spec, items: Vec<Value>, start: usize, limit: usize, total: usize) -> Value {
    let mut body = Map::new();
    let length = items.len();
    let mut put = |key: &str, value: Value| {
        body.insert(key.to_owned(), value);
    };
    match spec.envelope {
        Envelope::TotalFirst => {
            put("total", json!(total));
            put("start", json!(start));
            put("limit", json!(limit));
            put(spec.key, Value::Array(items));
        }
        Envelope::KeyFirst => {
            put(spec.key, Value::Array(items));
            put("start", json!(start));
            put("limit", json!(limit));
            put("total", json!(total));
        }
        Envelope::WithLength => {
            put("start", json!(start));
            put("limit", json!(limit));
            put("length", json!(length));
            put(spec.key, Value::Array(items));
            put("total", json!(total));
        }
    }
    Value::Object(body)
}

fn checkpoint_page(
    spec: &Spec,
    records: &[Value],
    query: &Query,
    cursors: &Cursors,
) -> Result<Value, ApiError> {
    let take = query.number("take", DEFAULT_PAGE, MAX_PAGE)?;
    let start = match query.single("from", "string")? {
        None => 0,
        Some(from) => cursors.decode(spec.name, from).ok_or_else(|| {
            ApiError::bad_query(
                "Invalid 'from' parameter: use the 'next' value of the previous page, URL-encoded",
            )
        })?,
    };
    let mut body = Map::new();
    body.insert(
        spec.key.to_owned(),
        Value::Array(window(records, start, take)),
    );
    let next = start.saturating_add(take);
    if take > 0 && next < records.len() {
        body.insert("next".to_owned(), json!(cursors.encode(spec.name, next)));
    }
    Ok(Value::Object(body))
}

fn log_stream(records: &[Value], query: &Query) -> Result<Value, ApiError> {
    let take = query.number("take", DEFAULT_PAGE, MAX_PAGE)?;
    let start = match query.single("from", "string")? {
        None => 0,
        Some(from) => {
            log_position(records, from).map(|p| p + 1).ok_or_else(|| {
                ApiError::bad_query(format!(
                    "Invalid 'from' parameter: no log event has log_id {from}; use the log_id of an event you received"
                ))
            })?
        }
    };
    Ok(Value::Array(window(records, start, take)))
}

/// Where the event with this `log_id` is: a binary search (generated ids grow), then a scan
/// (records pushed by tests may be out of order).
fn log_position(records: &[Value], log_id: &str) -> Option<usize> {
    if let Ok(found) = records.binary_search_by(|record| log_id_of(record).cmp(log_id)) {
        return Some(found);
    }
    records
        .iter()
        .position(|record| log_id_of(record) == log_id)
}

fn log_id_of(record: &Value) -> &str {
    record
        .get("log_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
