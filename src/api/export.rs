//! Auth0's bulk user export, for the users beyond the 1000 that offset paging reaches:
//! `POST /api/v2/jobs/users-exports` starts a job (format json, with the [`ExportRequest`] the
//! job file was read into), `GET /api/v2/jobs/{id}` is polled with a growing
//! pause until it is `completed` or `failed`, and the gzipped NDJSON at its `location` is
//! downloaded and cut into records as it arrives, handed on in batches like pages.
//!
//! The location is a pre-signed URL on another host (S3 for real tenants): it is fetched with
//! the plain HTTP client, never with the Management API token, and only over https (http on
//! loopback, for the fake tenant). Its query holds the signature, so messages show only its
//! host and path, and messages quoting an answer about the job leave its location out. The
//! download is retried only before the first byte arrives, and ends by the job's deadline
//! (`A0SNAP_JOB_TIMEOUT`) like every request of the run; a broken download fails the run, which
//! leaves nothing visible. A location is valid for 60 seconds and the download starts as soon
//! as it is read; one that has expired all the same is replaced once by reading the job again.

mod download;
mod error;
mod lines;

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;
use url::Url;

use super::client::ApiClient;
use super::page::Page;
pub(crate) use crate::users_export::ExportRequest;
use download::{download, location};
pub(crate) use error::ExportError;
use error::{EXPORTS_PATH, job_snippet};

/// How often the job's status is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PollPolicy {
    /// The pause before the first poll.
    pub first: Duration,
    /// Each pause is this many times the previous one...
    pub growth: f64,
    /// ...up to this.
    pub longest: Duration,
    /// Give up after waiting this long.
    pub give_up_after: Duration,
}

impl Default for PollPolicy {
    /// 250 ms, growing by half each time up to 15 s, for at most two hours.
    fn default() -> Self {
        Self {
            first: Duration::from_millis(250),
            growth: 1.5,
            longest: Duration::from_secs(15),
            give_up_after: Duration::from_secs(2 * 3600),
        }
    }
}

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportFacts {
    /// The Auth0 job id.
    pub job_id: String,
    /// How many times its status was asked for.
    pub polls: u32,
    /// Users received.
    pub records: u64,
    /// Bytes downloaded (compressed).
    pub bytes: u64,
}

impl ExportFacts {
    /// The meta file's fields for an export: `pagination = "export"` and an `export` object.
    pub(crate) fn meta(&self) -> serde_json::Map<String, Value> {
        let mut meta = serde_json::Map::new();
        meta.insert("pagination".to_owned(), "export".into());
        meta.insert(
            "export".to_owned(),
            serde_json::json!({
                "job_id": self.job_id,
                "polls": self.polls,
                "downloaded_bytes": self.bytes,
            }),
        );
        meta
    }
}

/// The job as `POST .../users-exports` and `GET /jobs/{id}` describe it.
#[derive(Debug, Deserialize)]
struct JobAnswer {
    id: String,
    status: String,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    summary: Option<Value>,
}

/// Runs one users export and sends its records into `pages`, a batch at a time. Stops early
/// (without error) if the receiving side has gone.
pub(crate) async fn export_users(
    client: &ApiClient,
    request: &ExportRequest,
    policy: PollPolicy,
    pages: &mpsc::Sender<Page>,
) -> Result<ExportFacts, ExportError> {
    let body = client
        .post_json(EXPORTS_PATH, &request.body())
        .await
        .map_err(ExportError::starting)?;
    let job = parse_job(&body, "start")?;
    tracing::info!(job_id = %job.id, "users export started");
    let (mut location, polls) = wait_for(client, &job.id, policy).await?;
    let mut facts = ExportFacts {
        job_id: job.id,
        polls,
        records: 0,
        bytes: 0,
    };
    // The download starts as soon as the link is read; a link that expired all the same (a
    // slow start, a clock ahead) is read again once.
    let mut renewed = false;
    loop {
        match download(client, &location, &mut facts, pages).await {
            Err(ExportError::LocationExpired { .. }) if !renewed => {
                tracing::info!(job_id = %facts.job_id, "the export's link had expired; reading the job for a fresh one");
                location = fresh_location(client, &mut facts).await?;
                renewed = true;
            }
            outcome => return outcome.map(|()| facts),
        }
    }
}

/// Reads the completed job again for a fresh location (Auth0 signs a new one on each read),
/// counting the read as a poll.
async fn fresh_location(client: &ApiClient, facts: &mut ExportFacts) -> Result<Url, ExportError> {
    let job_id = facts.job_id.as_str();
    let (job, body) = read_job(client, job_id).await?;
    facts.polls += 1;
    if job.status != "completed" {
        return Err(ExportError::BadAnswer {
            job: job_id.to_owned(),
            detail: format!(
                "read again for a fresh link, the job is \"{}\" instead of completed",
                job.status
            ),
            snippet: job_snippet(&body),
        });
    }
    location(job_id, job.location.as_deref(), &body)
}

/// One `GET /api/v2/jobs/{id}`: the job and the body it was read from.
async fn read_job(
    client: &ApiClient,
    job_id: &str,
) -> Result<(JobAnswer, bytes::Bytes), ExportError> {
    let path = format!("/api/v2/jobs/{job_id}");
    let body = client
        .get(&path, &[])
        .await
        .map_err(|source| ExportError::Poll {
            job_id: job_id.to_owned(),
            source,
        })?;
    Ok((parse_job(&body, job_id)?, body))
}

fn parse_job(body: &[u8], job: &str) -> Result<JobAnswer, ExportError> {
    serde_json::from_slice(body).map_err(|error| ExportError::BadAnswer {
        job: job.to_owned(),
        detail: format!("expected a job with id and status ({error})"),
        snippet: job_snippet(body),
    })
}

/// Polls until the job ends; the location and the number of polls.
async fn wait_for(
    client: &ApiClient,
    job_id: &str,
    policy: PollPolicy,
) -> Result<(Url, u32), ExportError> {
    let started = Instant::now();
    let mut pause = policy.first;
    let mut polls = 0;
    loop {
        tokio::time::sleep(pause).await;
        polls += 1;
        let (job, body) = read_job(client, job_id).await?;
        tracing::debug!(job_id, status = %job.status, polls, "users export polled");
        match job.status.as_str() {
            "completed" => return Ok((location(job_id, job.location.as_deref(), &body)?, polls)),
            "failed" => {
                return Err(ExportError::Failed {
                    job_id: job_id.to_owned(),
                    summary: job.summary.map(|summary| match summary {
                        Value::String(text) => text,
                        other => other.to_string(),
                    }),
                });
            }
            "pending" | "processing" => {}
            other => {
                return Err(ExportError::BadAnswer {
                    job: job_id.to_owned(),
                    detail: format!("unknown status \"{other}\""),
                    snippet: job_snippet(&body),
                });
            }
        }
        if started.elapsed() >= policy.give_up_after {
            return Err(ExportError::TimedOut {
                job_id: job_id.to_owned(),
                status: job.status,
                waited: started.elapsed(),
            });
        }
        pause = pause.mul_f64(policy.growth).min(policy.longest);
    }
}
