//! Auth0's bulk user export, as the fake plays it: `POST /api/v2/jobs/users-exports` creates a
//! job, `GET /api/v2/jobs/{id}` reports `pending`, `processing`, then `completed` with a
//! `location` (or `failed`), and the location serves the users as gzipped NDJSON.
//!
//! The file is rendered once, on a blocking thread, when the job is created, like a real job
//! that works in the background; polls only read the book. How many polls a job takes and
//! whether it fails are set by tests through [`ExportBehaviour`]. Every download is remembered
//! with whether it carried an `Authorization` header, since a pre-signed location must never
//! receive the Management API token. This module knows nothing of HTTP routing.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::http::StatusCode;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Map, Value, json};

use crate::answer::ApiError;

/// How export jobs behave; tests change it with [`crate::FakeAuth0::set_export_behaviour`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportBehaviour {
    /// Status polls answered `pending` or `processing` before the job ends.
    pub polls_until_done: u32,
    /// When set, the job ends `failed` instead of `completed`, with this as its `summary`.
    pub fail_with: Option<String>,
}

impl Default for ExportBehaviour {
    /// Two polls, then `completed`.
    fn default() -> Self {
        Self {
            polls_until_done: 2,
            fail_with: None,
        }
    }
}

/// One request to a download location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The path asked for.
    pub path: String,
    /// Whether the request carried an `Authorization` header (it never should).
    pub authorization: bool,
}

/// What `POST /api/v2/jobs/users-exports` asked for, checked.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// `connection_id`, if given, and the connection's name.
    connection: Option<(String, String)>,
    /// `limit`, if given.
    limit: Option<usize>,
    /// The `fields` names, if given.
    fields: Option<Vec<String>>,
}

/// One export job.
#[derive(Debug)]
struct Job {
    request: ExportRequest,
    created_at: String,
    behaviour: ExportBehaviour,
    polls: u32,
    /// The gzipped file, once rendered.
    file: Option<Bytes>,
}

#[derive(Debug, Default)]
struct Book {
    behaviour: ExportBehaviour,
    jobs: HashMap<String, Job>,
    downloads: Vec<Download>,
}

/// Every export job of one server, and the downloads seen.
#[derive(Debug, Default)]
pub struct ExportBook {
    book: Mutex<Book>,
}

impl ExportBook {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets how jobs created from now on behave.
    pub fn set_behaviour(&self, behaviour: ExportBehaviour) {
        self.book().behaviour = behaviour;
    }

    /// Registers a new job; its file comes later through [`ExportBook::attach_file`].
    pub fn create(&self, request: ExportRequest, created_at: String) -> String {
        let suffix: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(16)
            .collect();
        let id = format!("job_{suffix}");
        let mut book = self.book();
        let job = Job {
            request,
            created_at,
            behaviour: book.behaviour.clone(),
            polls: 0,
            file: None,
        };
        book.jobs.insert(id.clone(), job);
        id
    }

    /// Stores the rendered file of job `id`.
    pub fn attach_file(&self, id: &str, file: Bytes) {
        if let Some(job) = self.book().jobs.get_mut(id) {
            job.file = Some(file);
        }
    }

    /// The job's answer before any poll (`pending`).
    pub fn created_answer(&self, id: &str) -> Option<Value> {
        let book = self.book();
        book.jobs
            .get(id)
            .map(|job| answer(id, job, "pending", None))
    }

    /// Counts a poll of job `id` and answers it; `location_base` is `http://127.0.0.1:PORT`.
    pub fn poll(&self, id: &str, location_base: &str) -> Option<Value> {
        let mut book = self.book();
        let job = book.jobs.get_mut(id)?;
        job.polls += 1;
        let done = job.polls > job.behaviour.polls_until_done;
        let status = match (&job.behaviour.fail_with, done, job.file.is_some()) {
            (_, false, _) if job.polls == 1 => "pending",
            (_, false, _) => "processing",
            (Some(_), true, _) => "failed",
            (None, true, true) => "completed",
            (None, true, false) => "processing",
        };
        let location = (status == "completed").then(|| format!("{location_base}{}", file_path(id)));
        let mut body = answer(id, job, status, location);
        if let (Some(summary), "failed") = (&job.behaviour.fail_with, status) {
            body["summary"] = json!(summary);
        }
        Some(body)
    }

    /// Remembers a download and hands out the file at `path`, if its job is completed.
    pub fn download(&self, path: &str, authorization: bool) -> Option<Bytes> {
        let mut book = self.book();
        book.downloads.push(Download {
            path: path.to_owned(),
            authorization,
        });
        let id = path
            .strip_prefix(DOWNLOAD_PREFIX)?
            .strip_suffix(".json.gz")?;
        let job = book.jobs.get(id)?;
        let completed =
            job.behaviour.fail_with.is_none() && job.polls > job.behaviour.polls_until_done;
        job.file.clone().filter(|_| completed)
    }

    /// Every download request so far, in arrival order.
    pub fn downloads(&self) -> Vec<Download> {
        self.book().downloads.clone()
    }
}

/// Where download locations live on the fake's own host.
pub const DOWNLOAD_PREFIX: &str = "/downloads/";

fn file_path(id: &str) -> String {
    format!("{DOWNLOAD_PREFIX}{id}.json.gz")
}

/// A job as Auth0 shows it, keys in Auth0's order.
fn answer(id: &str, job: &Job, status: &str, location: Option<String>) -> Value {
    let mut body = Map::new();
    body.insert("type".into(), json!("users_export"));
    body.insert("status".into(), json!(status));
    if let Some((connection_id, _)) = &job.request.connection {
        body.insert("connection_id".into(), json!(connection_id));
    }
    body.insert("format".into(), json!("json"));
    if let Some(limit) = job.request.limit {
        body.insert("limit".into(), json!(limit));
    }
    if let Some(fields) = &job.request.fields {
        let fields: Vec<Value> = fields.iter().map(|name| json!({ "name": name })).collect();
        body.insert("fields".into(), Value::Array(fields));
    }
    if let Some((_, name)) = &job.request.connection {
        body.insert("connection".into(), json!(name));
    }
    if let Some(location) = location {
        body.insert("location".into(), json!(location));
    }
    body.insert("created_at".into(), json!(job.created_at));
    body.insert("id".into(), json!(id));
    Value::Object(body)
}

/// Checks a create body against the tenant's connections.
pub fn parse_request(body: &[u8], connections: &[Value]) -> Result<ExportRequest, ApiError> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|_| invalid_body("Payload validation error: 'Invalid JSON'"))?;
    let Some(object) = body.as_object() else {
        return Err(invalid_body(
            "Payload validation error: 'Expected type object'",
        ));
    };
    match object.get("format").and_then(Value::as_str) {
        None | Some("json") => {}
        Some("csv") => return Err(invalid_body("the fake tenant exports json only")),
        Some(_) => {
            return Err(invalid_body(
                "Payload validation error: 'No enum match for: format' on property format",
            ));
        }
    }
    let limit = match object.get("limit") {
        None => None,
        Some(value) => Some(
            value
                .as_u64()
                .filter(|limit| *limit >= 1)
                .and_then(|limit| usize::try_from(limit).ok())
                .ok_or_else(|| {
                    invalid_body(
                        "Payload validation error: 'Expected type integer >= 1' on property limit",
                    )
                })?,
        ),
    };
    let fields = match object.get("fields") {
        None => None,
        Some(value) => Some(field_names(value)?),
    };
    let connection = match object.get("connection_id").and_then(Value::as_str) {
        None => None,
        Some(id) => Some((id.to_owned(), connection_name(id, connections)?)),
    };
    Ok(ExportRequest {
        connection,
        limit,
        fields,
    })
}

fn field_names(value: &Value) -> Result<Vec<String>, ApiError> {
    let bad = || {
        invalid_body(
            "Payload validation error: 'Expected an array of {\"name\": \"...\"}' on property fields",
        )
    };
    let items = value.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|item| {
            item.get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(bad)
        })
        .collect()
}

fn connection_name(id: &str, connections: &[Value]) -> Result<String, ApiError> {
    connections
        .iter()
        .find(|c| c.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|c| c.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "The connection does not exist",
                Some("inexistent_connection"),
            )
        })
}

fn invalid_body(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message, Some("invalid_body"))
}

/// The export file: the chosen users, one JSON object a line, gzipped.
pub fn render(users: &[Value], request: &ExportRequest) -> std::io::Result<Bytes> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    let wanted = users.iter().filter(|user| match &request.connection {
        Some((_, name)) => user["identities"][0]["connection"].as_str() == Some(name),
        None => true,
    });
    for user in wanted.take(request.limit.unwrap_or(usize::MAX)) {
        match &request.fields {
            Some(fields) => serde_json::to_writer(&mut gz, &project(user, fields))?,
            None => serde_json::to_writer(&mut gz, user)?,
        }
        gz.write_all(b"\n")?;
    }
    gz.finish().map(Bytes::from)
}

/// The named fields of a user; a dotted name (`user_metadata.locale`) keeps its nesting.
fn project(user: &Value, fields: &[String]) -> Value {
    let mut out = Value::Object(Map::new());
    for name in fields {
        let path: Vec<&str> = name.split('.').collect();
        let found = path.iter().try_fold(user, |value, key| value.get(key));
        if let Some(found) = found {
            insert_at(&mut out, &path, found.clone());
        }
    }
    out
}

fn insert_at(out: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = out;
    for key in parents {
        node = &mut node[*key];
    }
    node[*last] = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Vec<Value> {
        vec![
            json!({"user_id": "auth0|1", "email": "a@x", "identities": [{"connection": "db"}], "user_metadata": {"locale": "fr", "x": 1}}),
            json!({"user_id": "google-oauth2|2", "email": "b@x", "identities": [{"connection": "google-oauth2"}]}),
        ]
    }

    fn lines(file: &Bytes) -> Vec<Value> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&file[..]), &mut text)
            .unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn the_file_holds_the_chosen_fields_of_the_chosen_users() {
        let connections = [json!({"id": "con_1", "name": "db"})];
        let body = br#"{"format":"json","connection_id":"con_1","fields":[{"name":"user_id"},{"name":"user_metadata.locale"}]}"#;
        let request = parse_request(body, &connections).unwrap();
        let file = render(&users(), &request).unwrap();
        assert_eq!(
            lines(&file),
            [json!({"user_id": "auth0|1", "user_metadata": {"locale": "fr"}})]
        );
        let all = parse_request(br#"{"format":"json","limit":1}"#, &[]).unwrap();
        assert_eq!(lines(&render(&users(), &all).unwrap()), users()[..1]);
    }

    #[test]
    fn bad_bodies_and_unknown_connections_are_refused() {
        for body in [
            &b"nope"[..],
            br#"{"format":"xml"}"#,
            br#"{"limit":0}"#,
            br#"{"fields":["email"]}"#,
            br#"{"connection_id":"con_x"}"#,
        ] {
            assert!(
                parse_request(body, &[]).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_job_is_pending_then_processing_then_completed_with_a_location() {
        let book = ExportBook::default();
        let id = book.create(
            parse_request(b"{}", &[]).unwrap(),
            "2024-01-01T00:00:00.000Z".into(),
        );
        assert_eq!(book.created_answer(&id).unwrap()["status"], "pending");
        assert_eq!(book.poll(&id, "http://h").unwrap()["status"], "pending");
        assert_eq!(book.poll(&id, "http://h").unwrap()["status"], "processing");
        assert_eq!(book.poll(&id, "http://h").unwrap()["status"], "processing");
        book.attach_file(&id, Bytes::from_static(b"gz"));
        let done = book.poll(&id, "http://h").unwrap();
        assert_eq!(done["location"], format!("http://h/downloads/{id}.json.gz"));
        assert_eq!(
            book.download(&format!("/downloads/{id}.json.gz"), false),
            Some(Bytes::from_static(b"gz"))
        );
        assert_eq!(book.downloads()[0].authorization, false);
    }

    #[test]
    fn a_failing_job_ends_failed_with_a_summary_and_no_location() {
        let book = ExportBook::default();
        book.set_behaviour(ExportBehaviour {
            polls_until_done: 0,
            fail_with: Some("boom".into()),
        });
        let id = book.create(parse_request(b"{}", &[]).unwrap(), "t".into());
        let answer = book.poll(&id, "http://h").unwrap();
        assert_eq!(
            (answer["status"].as_str(), answer["summary"].as_str()),
            (Some("failed"), Some("boom"))
        );
        assert!(answer.get("location").is_none());
        assert!(book.poll("job_unknown", "http://h").is_none());
    }
}
