//! The fields of a users export, as Auth0 reads and writes them: the names (paths with
//! array indexes in brackets, `identities[0].connection`), Auth0's default set and limit, and
//! one user's line of the file.
//!
//! As Auth0 does: without `fields`, only a predefined default set ([`DEFAULT_FIELDS`], which
//! holds no metadata); at most [`MAX_FIELDS`] fields; a root property (`app_metadata`) brings
//! its whole value; `export_as` renames a field. A dotted name comes nested (`{"app_metadata":
//! {"plan": ..}}`), or flat (`{"app_metadata.plan": ..}`) when the job's behaviour asks for
//! the other shape Auth0's files are seen in; a name with an index, which cannot be nested
//! without inventing the rest of the array, and a renamed field come flat. Keys come in the
//! order the fields were asked for.

use serde_json::{Map, Value};

/// The most fields one export may ask for. Source: Auth0, "Bulk User Exports"
/// (<https://auth0.com/docs/manage-users/user-migration/bulk-user-exports>): "You can export up
/// to 30 fields".
pub(super) const MAX_FIELDS: usize = 30;

/// What an export holds when its body names no `fields`: (name, export_as).
///
/// Auth0's API reference says only "Defaults to a predefined set of fields" (`fields` of
/// `POST /api/v2/jobs/users-exports`, <https://auth0.com/docs/api/management/v2/jobs/post-users-exports>).
/// The set played here is the default of Auth0's User Import / Export extension
/// (<https://auth0.com/docs/customize/extensions/user-import-export-extension>), which the
/// dashboard's export offers as "Include default fields" (the Auth0 normalized user profile,
/// <https://auth0.com/docs/manage-users/user-migration/bulk-user-exports>): the profile's
/// names and dates, the first identity's connection as `provider`, and no `app_metadata` nor
/// `user_metadata`, which is the point.
pub const DEFAULT_FIELDS: &[(&str, Option<&str>)] = &[
    ("user_id", None),
    ("email", None),
    ("email_verified", None),
    ("name", None),
    ("given_name", None),
    ("family_name", None),
    ("nickname", None),
    ("picture", None),
    ("identities[0].connection", Some("provider")),
    ("created_at", None),
    ("updated_at", None),
];

/// One field of an export: `{"name": ..., "export_as": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Field {
    /// The name as asked (`identities[0].connection`).
    pub(super) name: String,
    /// The key it is written under instead, if any.
    pub(super) export_as: Option<String>,
    /// The name's steps.
    path: Vec<Step>,
}

/// One step of a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// An object key.
    Key(String),
    /// An array index, `[0]`.
    Index(usize),
}

impl Field {
    /// The field `name`, written under `export_as` if given; `None` if `name` is not a path.
    pub(super) fn new(name: &str, export_as: Option<&str>) -> Option<Self> {
        Some(Self {
            name: name.to_owned(),
            export_as: export_as.map(str::to_owned),
            path: steps(name)?,
        })
    }
}

/// `identities[0].connection` into its steps; `None` for a name that is not a path.
fn steps(name: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in name.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if key.is_empty() {
            return None;
        }
        steps.push(Step::Key(key.to_owned()));
        while !rest.is_empty() {
            let (index, after) = rest.strip_prefix('[')?.split_once(']')?;
            steps.push(Step::Index(index.parse().ok()?));
            rest = after;
        }
    }
    Some(steps)
}

/// The named fields of a user, in the order asked for.
pub(super) fn project(user: &Value, fields: &[Field], flat_keys: bool) -> Value {
    let mut out = Value::Object(Map::new());
    for field in fields {
        let Some(found) = lookup(user, &field.path) else {
            continue;
        };
        let indexed = field.path.iter().any(|step| matches!(step, Step::Index(_)));
        match &field.export_as {
            Some(key) => out[key.as_str()] = found.clone(),
            None if indexed || (flat_keys && field.path.len() > 1) => {
                out[field.name.as_str()] = found.clone();
            }
            None => insert_at(&mut out, &field.path, found.clone()),
        }
    }
    out
}

fn lookup<'u>(user: &'u Value, path: &[Step]) -> Option<&'u Value> {
    path.iter().try_fold(user, |value, step| match step {
        Step::Key(key) => value.get(key),
        Step::Index(index) => value.get(index),
    })
}

/// Writes `value` at the path's keys (no index: those names are written flat).
fn insert_at(out: &mut Value, path: &[Step], value: Value) {
    let mut node = out;
    for step in path {
        if let Step::Key(key) = step {
            node = &mut node[key.as_str()];
        }
    }
    *node = value;
}
