//! What can go wrong with a users export, step by step. Messages name the Auth0 job id and what
//! to do next; they never hold the download location's signature, only its host and path.

use std::time::Duration;

use serde_json::Value;

use super::lines::LinesError;

/// How long a download location is valid after Auth0 hands it out: 60 seconds (Auth0 docs,
/// "Bulk User Exports": <https://auth0.com/docs/manage-users/user-migration/bulk-user-exports>).
/// Kept here, with the error that quotes it, so that the download imports the errors and not
/// the other way round.
pub(super) const LOCATION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);
use crate::api::error::{ApiError, ErrorBody, describe, snippet};

/// The path that starts an export.
pub(super) const EXPORTS_PATH: &str = "/api/v2/jobs/users-exports";

/// Why a users export failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    /// Auth0 refused to start the export.
    #[error("POST {EXPORTS_PATH} answered {status}{}{}", describe(body), start_hint(*status))]
    StartRefused {
        /// The HTTP status.
        status: u16,
        /// The Auth0 error body.
        body: Box<ErrorBody>,
    },
    /// The export could not be started for another reason (token, retries).
    #[error("could not start Auth0's users export (POST {EXPORTS_PATH}): {detail}")]
    Start {
        /// What went wrong.
        detail: String,
    },
    /// The job's status could not be read.
    #[error("could not check Auth0's users export {job_id}: {source}")]
    Poll {
        /// The Auth0 job id.
        job_id: String,
        /// The request's error.
        source: ApiError,
    },
    /// An answer about the job was not what Auth0 sends. The snippet never holds the job's
    /// `location`.
    #[error("Auth0's answer about the users export {job}: {detail}; body starts: {snippet}")]
    BadAnswer {
        /// The job id, or "start" before there is one.
        job: String,
        /// What was wrong.
        detail: String,
        /// The first bytes of the body.
        snippet: String,
    },
    /// Auth0 reports the job failed.
    #[error(
        "Auth0's users export {job_id} failed{}; run the job again later, and if it keeps failing check the tenant's logs or narrow the export with params.connection_id",
        summary.as_deref().map(|s| format!(": {s}")).unwrap_or_default()
    )]
    Failed {
        /// The Auth0 job id.
        job_id: String,
        /// What Auth0 said, if anything.
        summary: Option<String>,
    },
    /// The job did not end in time.
    #[error(
        "Auth0's users export {job_id} was still {status} after {}s; run the job again later (Auth0 may be busy with other exports)",
        waited.as_secs()
    )]
    TimedOut {
        /// The Auth0 job id.
        job_id: String,
        /// Its last status.
        status: String,
        /// How long a0snap waited.
        waited: Duration,
    },
    /// The location is not a URL a0snap will download from.
    #[error(
        "Auth0's users export {job_id} is at {shown}, which is not an https url; a0snap downloads only over https (http only on loopback)"
    )]
    UnsafeLocation {
        /// The Auth0 job id.
        job_id: String,
        /// The location without its query.
        shown: String,
    },
    /// The file could not be downloaded.
    #[error(
        "downloading the users export {job_id} from {shown} failed: {detail}; run the job again (the file's link expires, a new run starts a new export)"
    )]
    Download {
        /// The Auth0 job id.
        job_id: String,
        /// The location without its query.
        shown: String,
        /// What went wrong.
        detail: String,
    },
    /// The location had expired (S3: 403 `Request has expired`) even after one fresh
    /// location was read from the job.
    #[error(
        "downloading the users export {job_id} from {shown} failed: the link had expired, and so had the fresh one read from the job (links are valid for {} s); check this machine's clock and that nothing delays the download, then run the job again",
        LOCATION_LIFETIME.as_secs()
    )]
    LocationExpired {
        /// The Auth0 job id.
        job_id: String,
        /// The location without its query.
        shown: String,
    },
    /// The job's time limit ran out during the download.
    #[error(
        "downloading the users export {job_id} from {shown} did not finish within the job's time limit (A0SNAP_JOB_TIMEOUT); raise A0SNAP_JOB_TIMEOUT, or narrow the export with params.connection_id, fields or limit"
    )]
    DownloadOutOfTime {
        /// The Auth0 job id.
        job_id: String,
        /// The location without its query.
        shown: String,
    },
    /// The file is not gzipped NDJSON of users.
    #[error("the users export {job_id} cannot be read: {source}")]
    File {
        /// The Auth0 job id.
        job_id: String,
        /// What was wrong with it.
        source: LinesError,
    },
}

impl ExportError {
    /// The error of the POST that starts the export, worded for a POST.
    pub(super) fn starting(error: ApiError) -> Self {
        match error {
            ApiError::Refused { status, body, .. } => ExportError::StartRefused { status, body },
            ApiError::Unauthorized { .. } => ExportError::Start {
                detail: "the api answered 401 again with a fresh token; check that AUTH0_AUDIENCE is the Management API of this tenant".to_owned(),
            },
            ApiError::RetriesExhausted { attempts, last, .. } => ExportError::Start {
                detail: format!("failed after {attempts} attempts, last: {}; {}", last.reason, last.kind.hint()),
            },
            other => ExportError::Start {
                detail: other.to_string(),
            },
        }
    }
}

/// The first bytes of an answer about the job, for a message, without its `location`: a
/// pre-signed URL that gives access to every exported user. A body that is not a JSON object
/// and mentions a location is not quoted at all.
pub(super) fn job_snippet(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut job)) => {
            if job.remove("location").is_some() {
                job.insert("location".to_owned(), "(not shown)".into());
            }
            snippet(Value::Object(job).to_string().as_bytes())
        }
        _ if contains_location(body) => "(not shown: it may hold the download link)".to_owned(),
        _ => snippet(body),
    }
}

fn contains_location(body: &[u8]) -> bool {
    body.to_ascii_lowercase()
        .windows(b"location".len())
        .any(|window| window == b"location")
}

fn start_hint(status: u16) -> &'static str {
    match status {
        403 => {
            "; grant read:users to the application (Dashboard > Applications > APIs > Auth0 Management API > Machine to Machine Applications)"
        }
        400 => "; check the job's params: connection_id, fields and limit",
        429 => "; Auth0 runs a limited number of export jobs at once, run the job again later",
        _ => "",
    }
}
