//! Who belongs to what: the users of each role (`roles/{id}/users`) and the members of each
//! organization (`organizations/{id}/members`), drawn from the tenant's users, stored under
//! each parent's concrete path (`roles/rol_1/users`) in the shape Auth0 answers them
//! (`user_id`, `email`, `picture`, `name`).
//!
//! Deterministic: the same tenant gives the same members. Each parent takes a run of
//! consecutive users (wrapping round the list), starting at a place of its own.

use serde_json::{Map, Value};

/// The fields of a user that a member record shows, in Auth0's order.
const MEMBER_FIELDS: &[&str] = &["user_id", "email", "picture", "name"];

/// For each parent identity, its members: `count(index)` users from `users`, starting at a
/// spread-out place, as member records.
pub(super) fn members(
    parents: &[String],
    users: &[Value],
    count: impl Fn(usize) -> usize,
) -> Vec<(String, Vec<Value>)> {
    if users.is_empty() {
        return parents.iter().map(|id| (id.clone(), Vec::new())).collect();
    }
    parents
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let start = index.wrapping_mul(37) % users.len();
            let take = count(index).min(users.len());
            let records = (0..take)
                .map(|k| member(&users[(start + k) % users.len()]))
                .collect();
            (id.clone(), records)
        })
        .collect()
}

/// A user as a member record.
fn member(user: &Value) -> Value {
    let mut record = Map::new();
    for field in MEMBER_FIELDS {
        if let Some(value) = user.get(*field) {
            record.insert((*field).to_owned(), value.clone());
        }
    }
    Value::Object(record)
}
