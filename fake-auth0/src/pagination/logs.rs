//! `/logs` by log id: `take` with `from` continues after that event, `take` alone is a search
//! (newest first, as Auth0 answers it), for the stored events and for those made on demand.

use serde_json::Value;

use super::{Body, DEFAULT_PAGE, MAX_PAGE, Query, window};
use crate::answer::ApiError;
use crate::tenant::SyntheticLogs;

/// A page of the log events made on demand. `take` with `from` continues after that event;
/// `take` alone gives the newest events, newest first (a search, as Auth0 answers it); and
/// `sort=date:1` with `page`/`per_page` the oldest first. `None` for any other request, which
/// serves the stored events.
pub(crate) fn synthetic_log_stream(
    logs: &SyntheticLogs,
    query: &Query,
) -> Option<Result<String, ApiError>> {
    let stream = query.has("take") || query.has("from");
    let oldest_first = matches!(query.single("sort", "string"), Ok(Some("date:1")));
    if !stream && !oldest_first {
        return None;
    }
    let page = || {
        if !stream {
            let per_page = query.number("per_page", DEFAULT_PAGE, MAX_PAGE)?;
            let page = query.number("page", 0, usize::MAX)?;
            return Ok(logs.page(page.saturating_mul(per_page), per_page));
        }
        let take = query.number("take", DEFAULT_PAGE, MAX_PAGE)?;
        let start = match query.single("from", "string")? {
            None => return Ok(logs.newest(take)),
            Some(from) => logs.position(from).map(|p| p + 1).ok_or_else(|| {
                ApiError::bad_query(format!(
                    "Invalid 'from' parameter: no log event has log_id {from}; use the log_id of an event you received"
                ))
            })?,
        };
        Ok(logs.page(start, take))
    };
    Some(page())
}

/// `take` events after `from`; with `overlap`, from the `from` event itself, as a server that
/// answers the wrong page would.
pub(super) fn log_stream<'a>(
    records: &'a [Value],
    query: &Query,
    overlap: bool,
) -> Result<Body<'a>, ApiError> {
    let take = query.number("take", DEFAULT_PAGE, MAX_PAGE)?;
    let start = match query.single("from", "string")? {
        None => {
            // Without `from`, Auth0 treats the request as a search: the newest events first.
            let begin = records.len().saturating_sub(take);
            return Ok(Body::List(records[begin..].iter().rev().collect()));
        }
        Some(from) => {
            log_position(records, from).map(|p| p + usize::from(!overlap)).ok_or_else(|| {
                ApiError::bad_query(format!(
                    "Invalid 'from' parameter: no log event has log_id {from}; use the log_id of an event you received"
                ))
            })?
        }
    };
    Ok(Body::List(window(records, start, take)))
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
