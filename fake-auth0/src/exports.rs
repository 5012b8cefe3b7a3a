//! Auth0's bulk user export, as the fake plays it: `POST /api/v2/jobs/users-exports` creates a
//! job, `GET /api/v2/jobs/{id}` reports `pending`, `processing`, then `completed` with a
//! `location` (or `failed`), and the location serves the users as gzipped NDJSON.
//!
//! Each read of a completed job hands out a new location, signed (`X-Amz-Signature`) and valid
//! for [`LOCATION_LIFETIME`] like Auth0's pre-signed S3 links; a download with an expired
//! signature is refused as S3 refuses it (403, `<Code>AccessDenied</Code><Message>Request has
//! expired</Message>`).
//!
//! The file is rendered once, on a blocking thread, when the job is created, like a real job
//! that works in the background; polls only read the book. How many polls a job takes and
//! whether it fails are set by tests through [`ExportBehaviour`]. Every download is remembered
//! with whether it carried an `Authorization` header, since a pre-signed location must never
//! receive the Management API token. This module knows nothing of HTTP routing.

mod fields;
mod request;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::{Map, Value, json};

pub use fields::DEFAULT_FIELDS;
pub(crate) use request::{ExportRequest, parse_request, render};

/// How export jobs behave; tests change it with [`crate::FakeAuth0::set_export_behaviour`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportBehaviour {
    /// Status polls answered `pending` or `processing` before the job ends.
    pub polls_until_done: u32,
    /// When set, the job ends `failed` instead of `completed`, with this as its `summary`.
    pub fail_with: Option<String>,
    /// When set, a dotted field name comes as one flat key (`{"app_metadata.plan": "pro"}`)
    /// rather than nested (`{"app_metadata": {"plan": "pro"}}`): the other shape an export
    /// file may have, which a client must read as well.
    pub flat_keys: bool,
    /// The first this many locations handed out for a job have already expired when they
    /// are downloaded, as a link read more than [`LOCATION_LIFETIME`] before its download.
    pub expired_locations: u32,
}

impl Default for ExportBehaviour {
    /// Two polls, then `completed`; dotted fields nested; locations valid for a minute.
    fn default() -> Self {
        Self {
            polls_until_done: 2,
            fail_with: None,
            flat_keys: false,
            expired_locations: 0,
        }
    }
}

/// How long a location stays valid: Auth0's export links expire after 60 seconds (Auth0 docs,
/// "Bulk User Exports": <https://auth0.com/docs/manage-users/user-migration/bulk-user-exports>).
pub(crate) const LOCATION_LIFETIME: Duration = Duration::from_secs(60);

/// What a download location answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Served {
    /// The gzipped file.
    File(Bytes),
    /// The signature has expired (S3: 403 `Request has expired`).
    Expired,
    /// No such file, or its job is not completed (S3: 403 `AccessDenied`).
    Missing,
}

/// One request to a download location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The path asked for.
    pub path: String,
    /// Whether the request carried an `Authorization` header (it never should).
    pub authorization: bool,
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
    /// When each location was handed out; its signature is its index plus one.
    locations: Vec<Instant>,
}

#[derive(Debug, Default)]
struct Book {
    behaviour: ExportBehaviour,
    jobs: HashMap<String, Job>,
    downloads: Vec<Download>,
}

/// Every export job of one server, and the downloads seen.
#[derive(Debug, Default)]
pub(crate) struct ExportBook {
    book: Mutex<Book>,
}

impl ExportBook {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets how jobs created from now on behave.
    pub(crate) fn set_behaviour(&self, behaviour: ExportBehaviour) {
        self.book().behaviour = behaviour;
    }

    /// Registers a new job; its file comes later through [`ExportBook::attach_file`]. Returns
    /// its id and its request as the file must be rendered (in the shape the behaviour sets).
    pub(crate) fn create(
        &self,
        mut request: ExportRequest,
        created_at: String,
    ) -> (String, ExportRequest) {
        let suffix: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(16)
            .collect();
        let id = format!("job_{suffix}");
        let mut book = self.book();
        request.flat_keys = book.behaviour.flat_keys;
        let job = Job {
            request: request.clone(),
            created_at,
            behaviour: book.behaviour.clone(),
            polls: 0,
            file: None,
            locations: Vec::new(),
        };
        book.jobs.insert(id.clone(), job);
        (id, request)
    }

    /// Stores the rendered file of job `id`.
    pub(crate) fn attach_file(&self, id: &str, file: Bytes) {
        if let Some(job) = self.book().jobs.get_mut(id) {
            job.file = Some(file);
        }
    }

    /// The job's answer before any poll (`pending`).
    pub(crate) fn created_answer(&self, id: &str) -> Option<Value> {
        let book = self.book();
        book.jobs
            .get(id)
            .map(|job| answer(id, job, "pending", None))
    }

    /// Counts a poll of job `id` and answers it; `location_base` is `http://127.0.0.1:PORT`.
    pub(crate) fn poll(&self, id: &str, location_base: &str) -> Option<Value> {
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
        let location = (status == "completed").then(|| {
            job.locations.push(Instant::now());
            let signature = job.locations.len();
            format!(
                "{location_base}{}?X-Amz-Expires={}&X-Amz-Signature={signature}",
                file_path(id),
                LOCATION_LIFETIME.as_secs()
            )
        });
        let mut body = answer(id, job, status, location);
        if let (Some(summary), "failed") = (&job.behaviour.fail_with, status) {
            body["summary"] = json!(summary);
        }
        Some(body)
    }

    /// Remembers a download and answers it: the file at `path` if its job is completed and
    /// `query` holds an unexpired signature of one of its locations.
    pub(crate) fn download(&self, path: &str, query: Option<&str>, authorization: bool) -> Served {
        let mut book = self.book();
        book.downloads.push(Download {
            path: path.to_owned(),
            authorization,
        });
        let Some(job) = path
            .strip_prefix(DOWNLOAD_PREFIX)
            .and_then(|file| file.strip_suffix(".json.gz"))
            .and_then(|id| book.jobs.get(id))
        else {
            return Served::Missing;
        };
        let completed =
            job.behaviour.fail_with.is_none() && job.polls > job.behaviour.polls_until_done;
        let Some(file) = job.file.clone().filter(|_| completed) else {
            return Served::Missing;
        };
        let signature = query
            .into_iter()
            .flat_map(|query| query.split('&'))
            .find_map(|pair| pair.strip_prefix("X-Amz-Signature="))
            .and_then(|signature| signature.parse::<usize>().ok());
        let Some(issued) = signature
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| job.locations.get(n))
        else {
            return Served::Missing;
        };
        let expired_by_behaviour =
            signature.is_some_and(|n| n <= job.behaviour.expired_locations as usize);
        if expired_by_behaviour || issued.elapsed() > LOCATION_LIFETIME {
            Served::Expired
        } else {
            Served::File(file)
        }
    }

    /// Every download request so far, in arrival order.
    pub(crate) fn downloads(&self) -> Vec<Download> {
        self.book().downloads.clone()
    }
}

/// Where download locations live on the fake's own host.
pub(crate) const DOWNLOAD_PREFIX: &str = "/downloads/";

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
        let fields: Vec<Value> = fields
            .iter()
            .map(|field| match &field.export_as {
                Some(export_as) => json!({ "name": field.name, "export_as": export_as }),
                None => json!({ "name": field.name }),
            })
            .collect();
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

#[cfg(test)]
mod tests;
