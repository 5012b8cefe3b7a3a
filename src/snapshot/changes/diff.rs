//! The differences between two versions of one record, as a change report lists them: each
//! differing field by its path, with the old and the new value.
//!
//! Objects are compared field by field, at any depth, and named by their path with dots
//! (`jwt_configuration.lifetime_in_seconds`); anything else, arrays included, is compared as a
//! whole value. Paths come in the old record's field order, then the fields only the new one
//! has, in its order; the order of fields inside an object never counts. This module compares
//! what it is given: redaction happened before (see `secrets` for changes inside secrets).

use serde_json::{Map, Value};

/// One differing field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldChange {
    /// The field's path, names joined with dots.
    pub(crate) path: String,
    /// The top-level field it is in (the path's first name).
    pub(crate) field: String,
    /// The old value; `None` when the old record did not have the field.
    pub(crate) old: Option<Value>,
    /// The new value; `None` when the new record does not have the field.
    pub(crate) new: Option<Value>,
}

/// The fields that differ between `old` and `new`, two records (objects; anything else
/// compares as a whole, under the path `""`).
pub(crate) fn diff(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => objects(old, new, None, &mut changes),
        _ if old != new => changes.push(FieldChange {
            path: String::new(),
            field: String::new(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
        _ => {}
    }
    changes
}

fn objects(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    within: Option<(&str, &str)>,
    out: &mut Vec<FieldChange>,
) {
    // `within` is (path so far, top-level field); `None` at the top.
    let path = |name: &str| match within {
        Some((prefix, _)) => format!("{prefix}.{name}"),
        None => name.to_owned(),
    };
    let field = |name: &str| within.map_or(name, |(_, top)| top).to_owned();
    for (name, before) in old {
        match (before, new.get(name)) {
            (Value::Object(a), Some(Value::Object(b))) => {
                objects(a, b, Some((&path(name), &field(name))), out);
            }
            (_, Some(after)) if after == before => {}
            (_, after) => out.push(FieldChange {
                path: path(name),
                field: field(name),
                old: Some(before.clone()),
                new: after.cloned(),
            }),
        }
    }
    for (name, after) in new {
        if !old.contains_key(name) {
            out.push(FieldChange {
                path: path(name),
                field: field(name),
                old: None,
                new: Some(after.clone()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(old: Value, new: Value) -> Vec<(String, Option<Value>, Option<Value>)> {
        diff(&old, &new)
            .into_iter()
            .map(|change| {
                assert!(change.path.starts_with(&change.field), "{change:?}");
                (change.path, change.old, change.new)
            })
            .collect()
    }

    #[test]
    fn nested_objects_are_compared_by_path_and_arrays_as_whole_values() {
        let old = json!({"id": "a", "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "deep": {"x": 1}}, "callbacks": ["a", "b"]});
        let new = json!({"callbacks": ["a", "c"], "id": "a", "jwt_configuration": {"lifetime_in_seconds": 7200, "alg": "RS256", "deep": {"x": 2}}});
        assert_eq!(
            paths(old, new),
            [
                (
                    "jwt_configuration.lifetime_in_seconds".to_owned(),
                    Some(json!(36000)),
                    Some(json!(7200))
                ),
                (
                    "jwt_configuration.deep.x".to_owned(),
                    Some(json!(1)),
                    Some(json!(2))
                ),
                (
                    "callbacks".to_owned(),
                    Some(json!(["a", "b"])),
                    Some(json!(["a", "c"]))
                ),
            ]
        );
    }

    #[test]
    fn fields_that_come_or_go_have_one_side_and_null_is_a_value() {
        let old = json!({"id": "a", "gone": 1, "nulled": 2, "o": {"in": true}});
        let new = json!({"id": "a", "nulled": null, "o": {}, "came": [1]});
        assert_eq!(
            paths(old, new),
            [
                ("gone".to_owned(), Some(json!(1)), None),
                ("nulled".to_owned(), Some(json!(2)), Some(Value::Null)),
                ("o.in".to_owned(), Some(json!(true)), None),
                ("came".to_owned(), None, Some(json!([1]))),
            ]
        );
    }

    #[test]
    fn an_object_replaced_by_a_scalar_is_one_change_and_equal_records_have_none() {
        let old = json!({"o": {"a": 1}});
        let new = json!({"o": "flat"});
        assert_eq!(
            paths(old.clone(), new),
            [("o".to_owned(), Some(json!({"a": 1})), Some(json!("flat")))]
        );
        assert!(paths(old.clone(), old).is_empty());
        assert!(
            paths(
                json!({"a": {"x": 1, "y": 2}}),
                json!({"a": {"y": 2, "x": 1}})
            )
            .is_empty()
        );
    }
}
