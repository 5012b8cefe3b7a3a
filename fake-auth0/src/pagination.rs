//! Turns a list of records and a query string into the body Auth0 would answer: offset pages
//! (`page`, `per_page`, `include_totals`), checkpoint pages (`take`, `from` = opaque `next`),
//! and the log stream (`take`, `from` = a `log_id`, ascending).
//!
//! Query parameters it does not know (`q`, `fields`, `is_global`, ...) are accepted and
//! ignored. A paging parameter sent twice is refused, as Auth0's validator refuses an array.
//!
//! Where Auth0 is less kind than a list in memory, so is the fake:
//! - `sort=<field>:1|-1` orders offset pages by that field; without it, an endpoint whose
//!   default order has ties (users) answers each request in a different order
//!   ([`Serving::salt`]), as Auth0's search does;
//! - `/logs?take=N` without `from` behaves as a search: the newest `N` events, newest first
//!   (Auth0 documents `take` only together with `from`); `sort=date:1` with `page`/`per_page`
//!   gives the oldest first;
//! - [`Serving`] can cap the page size below what was asked, ignore `include_totals` (bare
//!   arrays), or answer one page empty.

use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::answer::ApiError;
use crate::cursor::Cursors;
use crate::endpoints::{Envelope, Paging, Spec};

/// The most records one page may hold (`per_page`, `take`).
pub(crate) const MAX_PAGE: usize = 100;
/// The page size when none is asked.
pub(crate) const DEFAULT_PAGE: usize = 50;

/// A parsed query string, duplicates kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes a raw query string (`None`: no query).
    pub(crate) fn parse(raw: Option<&str>) -> Self {
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

/// How one request is served, beside its query: the server's settings and the faults that
/// bend this one answer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Serving {
    /// The largest page the server gives, below [`MAX_PAGE`] (`None`: what was asked).
    pub page_size_cap: Option<usize>,
    /// With a cap: pages start at `page × per_page asked` instead of `page × the cap`.
    pub cap_keeps_asked_offsets: bool,
    /// Whether `include_totals=true` is ignored, so offset pages are bare arrays.
    pub ignore_totals: bool,
    /// Answer this page with no records (its `total` unchanged).
    pub empty_page: bool,
    /// Answer the offset page after the one asked for.
    pub wrong_page: bool,
    /// Differs for every request: picks the order of an unsorted request to an endpoint whose
    /// default order has ties.
    pub salt: u64,
}

/// An answer body that borrows the records it lists: a page costs no copy of them, only their
/// serialization.
#[derive(Debug)]
pub(crate) enum Body<'a> {
    /// A bare array of records.
    List(Vec<&'a Value>),
    /// An envelope: its keys in order, each with a value or the page's records.
    Object(Vec<(String, Field<'a>)>),
    /// One value alone (`stats/active-users`: a number); `null` when none is stored.
    Value(Option<&'a Value>),
}

/// One value of an envelope.
#[derive(Debug)]
pub(crate) enum Field<'a> {
    /// A plain value (`total`, `next`, ...).
    Value(Value),
    /// The page's records.
    List(Vec<&'a Value>),
}

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::List(items) => serializer.collect_seq(items),
            Body::Object(fields) => serializer.collect_map(fields.iter().map(|(k, v)| (k, v))),
            Body::Value(value) => value.serialize(serializer),
        }
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(value) => value.serialize(serializer),
            Field::List(items) => serializer.collect_seq(items),
        }
    }
}

/// The answer body for a list request.
pub(crate) fn answer<'a>(
    spec: &Spec,
    records: &'a [Value],
    query: &Query,
    cursors: &Cursors,
    serving: Serving,
) -> Result<Body<'a>, ApiError> {
    let checkpoint = query.has("take") || query.has("from");
    match spec.paging {
        Paging::Logs if checkpoint => log_stream(records, query, serving.wrong_page),
        _ if checkpoint && spec.checkpoint => checkpoint_page(spec, records, query, cursors),
        Paging::Whole => Ok(Body::List(records.iter().collect())),
        Paging::Value => Ok(Body::Value(records.first())),
        Paging::Logs | Paging::Offset => offset(spec, records, query, serving),
    }
}

/// The order an offset walk sees: `sort=<field>:1|-1` when asked (a stable sort, so ties
/// keep the stored order); else newest first for `/logs`, a new shuffle for every request
/// where the default order has ties, or the stored order.
fn ordered<'a>(
    spec: &Spec,
    records: &'a [Value],
    query: &Query,
    salt: u64,
) -> Result<Vec<&'a Value>, ApiError> {
    let mut list: Vec<&Value> = records.iter().collect();
    match query.single("sort", "string")? {
        Some(sort) => {
            let (field, direction) = sort.split_once(':').unwrap_or((sort, "1"));
            let descending = match direction {
                "1" => false,
                "-1" => true,
                _ => {
                    return Err(validation(
                        "sort",
                        "Object didn't pass validation for format sort: use field:1 or field:-1",
                    ));
                }
            };
            list.sort_by(|a, b| {
                let order = sort_key(&a[field]).cmp(&sort_key(&b[field]));
                if descending { order.reverse() } else { order }
            });
        }
        None if spec.paging == Paging::Logs => list.reverse(),
        None if spec.ties_without_sort => fastrand::Rng::with_seed(salt).shuffle(&mut list),
        None => {}
    }
    Ok(list)
}

/// What a sort compares: strings as they are, anything else as its JSON text.
fn sort_key(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::String(text) => std::borrow::Cow::Borrowed(text),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

fn window(records: &[Value], start: usize, size: usize) -> Vec<&Value> {
    let begin = start.min(records.len());
    let end = start.saturating_add(size).min(records.len());
    records[begin..end].iter().collect()
}

fn offset<'a>(
    spec: &Spec,
    records: &'a [Value],
    query: &Query,
    serving: Serving,
) -> Result<Body<'a>, ApiError> {
    if !spec.totals && query.has("include_totals") {
        return Err(validation(
            "include_totals",
            "Additional properties not allowed: include_totals",
        ));
    }
    let asked = query.number("per_page", DEFAULT_PAGE, MAX_PAGE)?;
    let per_page = serving.page_size_cap.map_or(asked, |cap| asked.min(cap));
    let page = query.number("page", 0, usize::MAX)? + usize::from(serving.wrong_page);
    let totals = query.flag("include_totals")? && !serving.ignore_totals;
    let stride = if serving.cap_keeps_asked_offsets {
        asked
    } else {
        per_page
    };
    let start = page
        .checked_mul(stride)
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
    let list = ordered(spec, records, query, serving.salt)?;
    let begin = start.min(list.len());
    let end = start.saturating_add(per_page).min(list.len());
    let items = if serving.empty_page {
        Vec::new()
    } else {
        list[begin..end].to_vec()
    };
    if !totals {
        return Ok(Body::List(items));
    }
    Ok(envelope(spec, items, start, per_page, records.len()))
}

fn envelope<'a>(
    spec: &Spec,
    items: Vec<&'a Value>,
    start: usize,
    limit: usize,
    total: usize,
) -> Body<'a> {
    let length = items.len();
    let count = |key: &str, value: usize| (key.to_owned(), Field::Value(json!(value)));
    let list = (spec.key.to_owned(), Field::List(items));
    let fields = match spec.envelope {
        Envelope::TotalFirst => vec![
            count("total", total),
            count("start", start),
            count("limit", limit),
            list,
        ],
        Envelope::KeyFirst => vec![
            list,
            count("start", start),
            count("limit", limit),
            count("total", total),
        ],
        Envelope::WithLength => vec![
            count("start", start),
            count("limit", limit),
            count("length", length),
            list,
            count("total", total),
        ],
    };
    Body::Object(fields)
}

fn checkpoint_page<'a>(
    spec: &Spec,
    records: &'a [Value],
    query: &Query,
    cursors: &Cursors,
) -> Result<Body<'a>, ApiError> {
    let take = query.number("take", DEFAULT_PAGE, MAX_PAGE)?;
    let start = match query.single("from", "string")? {
        None => 0,
        Some(from) => cursors.decode(spec.name, from).ok_or_else(|| {
            ApiError::bad_query(
                "Invalid 'from' parameter: use the 'next' value of the previous page, URL-encoded",
            )
        })?,
    };
    let mut fields = vec![(
        spec.key.to_owned(),
        Field::List(window(records, start, take)),
    )];
    let next = start.saturating_add(take);
    if take > 0 && next < records.len() {
        fields.push((
            "next".to_owned(),
            Field::Value(json!(cursors.encode(spec.name, next))),
        ));
    }
    Ok(Body::Object(fields))
}

mod logs;

use logs::log_stream;
pub(crate) use logs::synthetic_log_stream;

#[cfg(test)]
mod tests;
