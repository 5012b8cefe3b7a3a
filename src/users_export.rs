//! What a users export asks Auth0 for: the body of `POST /api/v2/jobs/users-exports`, built
//! once when a `mode = "export"` job file is loaded ([`crate::jobs`]) and sent as it is when the
//! job runs ([`crate::api`]). The vocabulary the two share, like [`crate::endpoint`].
//!
//! This module holds no HTTP and reads no job file; it never decides which fields a job needs
//! (that is the job loader's), it only keeps Auth0's rules about them: `user_id` always asked
//! for, at most [`MAX_EXPORT_FIELDS`] fields.

use serde_json::{Value, json};

/// The most fields one export job may ask for.
///
/// Source: Auth0, "Bulk User Exports"
/// (<https://auth0.com/docs/manage-users/user-migration/bulk-user-exports>): "You can export up
/// to 30 fields".
pub(crate) const MAX_EXPORT_FIELDS: usize = 30;

/// The root properties of an Auth0 user profile, asked for when a JSON or NDJSON export job
/// names no `fields`: 22 names, within [`MAX_EXPORT_FIELDS`]. Attributes a connection adds at
/// the root (SAML or custom-database ones) are not among them: a job needing them names them in
/// `params.fields`.
///
/// Why a list at all: without `fields`, Auth0 exports "a predefined set of fields" (the API
/// reference of `POST /api/v2/jobs/users-exports`), which has no `app_metadata` nor
/// `user_metadata`; and in JSON a root property brings its whole object ("If you export the
/// data in JSON-compatible format, you only need to provide the root property", Bulk User
/// Exports). Source of the names: Auth0, "User Profile Attribute Reference"
/// (<https://auth0.com/docs/manage-users/user-accounts/user-profiles/user-profile-structure>),
/// less what GET /api/v2/users/{id} does not return either (`blocked_for`,
/// `guardian_authenticators`, per Auth0's "Fields that can be Exported using the Bulk Export
/// Tool", community.auth0.com/t/118891).
pub(crate) const USER_ROOT_FIELDS: &[&str] = &[
    "user_id",
    "email",
    "email_verified",
    "username",
    "phone_number",
    "phone_verified",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "picture",
    "created_at",
    "updated_at",
    "last_login",
    "last_ip",
    "logins_count",
    "identities",
    "app_metadata",
    "user_metadata",
    "blocked",
    "multifactor",
    "last_password_reset",
];

/// The field that identifies a user, always asked for.
const USER_ID: &str = "user_id";

/// What to export: the body of the export job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// `connection_id`: only this connection's users (every connection when `None`).
    pub connection_id: Option<String>,
    /// `fields`: Auth0 field names (`email`, `app_metadata.plan`, `identities[0].connection`),
    /// `user_id` first, each once.
    fields: Vec<String>,
    /// `limit`: at most this many users.
    pub limit: Option<u64>,
}

impl ExportRequest {
    /// The export of `fields` (with `user_id` put first when missing, repeats dropped) from
    /// one connection or all, of at most `limit` users. The number of fields is not checked
    /// here: the job loader refuses more than [`MAX_EXPORT_FIELDS`] with a message that says
    /// which job and key to change.
    pub fn new(connection_id: Option<String>, fields: Vec<String>, limit: Option<u64>) -> Self {
        let mut unique: Vec<String> = vec![USER_ID.to_owned()];
        for field in fields {
            if !unique.contains(&field) {
                unique.push(field);
            }
        }
        Self {
            connection_id,
            fields: unique,
            limit,
        }
    }

    /// The field names asked for, `user_id` first.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The POST body: `format = "json"` (NDJSON, which the download reads), the connection,
    /// the limit and the fields as `[{"name": ...}]`.
    pub fn body(&self) -> Value {
        let mut body = json!({ "format": "json" });
        if let Some(connection_id) = &self.connection_id {
            body["connection_id"] = json!(connection_id);
        }
        if let Some(limit) = self.limit {
            body["limit"] = json!(limit);
        }
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|name| json!({ "name": name }))
            .collect();
        body["fields"] = Value::Array(fields);
        body
    }
}

/// Whether asking for `field` brings `name` too: the same name, or a root of it
/// (`app_metadata` brings `app_metadata.plan`, `identities` brings `identities[0].connection`).
/// Both are written as Auth0 writes them, indexes in brackets.
pub(crate) fn covers(field: &str, name: &str) -> bool {
    match name.strip_prefix(field) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_asks_for_json_and_always_for_the_user_id_first() {
        let request = ExportRequest::new(
            Some("con_1".to_owned()),
            vec![
                "email".to_owned(),
                "user_metadata.plan".to_owned(),
                "email".to_owned(),
            ],
            Some(10),
        );
        assert_eq!(
            request.body(),
            json!({"format": "json", "connection_id": "con_1", "limit": 10,
                   "fields": [{"name": "user_id"}, {"name": "email"}, {"name": "user_metadata.plan"}]})
        );
        let with_id = ExportRequest::new(None, vec!["email".into(), "user_id".into()], None);
        assert_eq!(with_id.fields(), ["user_id", "email"]);
    }

    #[test]
    fn a_root_field_covers_what_lies_below_it_and_nothing_else() {
        assert!(covers("app_metadata", "app_metadata"));
        assert!(covers("app_metadata", "app_metadata.plan"));
        assert!(covers("identities", "identities[0].connection"));
        assert!(!covers("app_metadata", "app_metadata_v2"));
        assert!(!covers("app_metadata.plan", "app_metadata"));
    }

    #[test]
    fn the_whole_user_fits_in_one_export() {
        assert!(USER_ROOT_FIELDS.len() <= MAX_EXPORT_FIELDS);
        assert_eq!(USER_ROOT_FIELDS[0], USER_ID);
    }
}
