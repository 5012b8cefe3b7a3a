//! Answers that are not lists of objects (`guardian/policies` is a list of strings,
//! `stats/active-users` a bare number): each value becomes a record of one field,
//! [`VALUE_FIELD`], so the writers take them like any other page.

use serde_json::value::RawValue;

use super::{Page, PageError, not_json};

/// The field that holds each value of a list of strings or numbers, or a bare value, once
/// written as a record: `["a","b"]` is written as `{"value":"a"}`, `{"value":"b"}`.
pub(super) const VALUE_FIELD: &str = "value";

/// The records of a list of strings, numbers, booleans or nulls: one record each,
/// `{"value": <the value>}`, in their order.
pub(super) fn values_page(values: &[&RawValue]) -> Result<Page, PageError> {
    let records = values
        .iter()
        .map(|value| RawValue::from_string(format!("{{\"{VALUE_FIELD}\":{}}}", value.get())))
        .collect::<Result<Vec<Box<RawValue>>, _>>()
        .map_err(|error| not_json(Some(error)))?;
    Ok(Page::from_records(&records))
}

/// Whether every record is a value rather than an object or array (and there is one).
pub(super) fn all_values(records: &[&RawValue]) -> bool {
    !records.is_empty()
        && records
            .iter()
            .all(|record| !record.get().starts_with(['{', '[']))
}
