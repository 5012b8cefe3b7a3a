//! What a users export asks Auth0 for: the export job's body, from the job's `params`.

use serde_json::{Value, json};

/// What to export: the body of the export job, from the job's `params`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportRequest {
    /// `connection_id`: only this connection's users.
    pub connection_id: Option<String>,
    /// `fields`: the fields to export (Auth0's default set when empty).
    pub fields: Vec<String>,
    /// `limit`: at most this many users.
    pub limit: Option<u64>,
}

impl ExportRequest {
    /// Reads `connection_id`, `fields` (comma-separated) and `limit` from a job's params;
    /// anything else was refused when the job file was loaded.
    pub fn from_params(params: &[(String, String)]) -> Self {
        let mut request = Self::default();
        for (name, value) in params {
            match name.as_str() {
                "connection_id" => request.connection_id = Some(value.trim().to_owned()),
                "fields" => {
                    request.fields = value
                        .split(',')
                        .map(str::trim)
                        .filter(|field| !field.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "limit" => request.limit = value.parse().ok(),
                _ => {}
            }
        }
        request
    }

    /// The POST body. `user_id` is always among the fields asked for: it identifies a user.
    pub(super) fn body(&self) -> Value {
        let mut body = json!({ "format": "json" });
        if let Some(connection_id) = &self.connection_id {
            body["connection_id"] = json!(connection_id);
        }
        if let Some(limit) = self.limit {
            body["limit"] = json!(limit);
        }
        if !self.fields.is_empty() {
            let mut fields = self.fields.clone();
            if !fields.iter().any(|field| field == "user_id") {
                fields.insert(0, "user_id".to_owned());
            }
            let fields: Vec<Value> = fields.iter().map(|name| json!({ "name": name })).collect();
            body["fields"] = Value::Array(fields);
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_body_asks_for_json_and_always_for_the_user_id() {
        let request = ExportRequest::from_params(&params(&[
            ("connection_id", "con_1"),
            ("fields", "email, user_metadata.plan,"),
            ("limit", "10"),
        ]));
        assert_eq!(
            request.body(),
            json!({"format": "json", "connection_id": "con_1", "limit": 10,
                   "fields": [{"name": "user_id"}, {"name": "email"}, {"name": "user_metadata.plan"}]})
        );
        assert_eq!(ExportRequest::default().body(), json!({"format": "json"}));
    }
}
