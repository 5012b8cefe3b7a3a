//! What commands print on stdout: the run summary, the job list of `validate`, and the JSON of
//! `token --info`. Rendering only; no I/O.

use std::fmt::Write as _;

use jiff::Timestamp;

use crate::auth::Token;
use crate::jobs::Job;
use crate::runner::{JobError, Outcome};

/// How one job of a run ended.
#[derive(Debug)]
pub struct JobResult {
    /// The job's name.
    pub job: String,
    /// Its outcome.
    pub outcome: Result<Outcome, JobError>,
}

/// The summary of a run: one line per job, then the counts; failures name their cause.
pub fn render(results: &[JobResult]) -> String {
    let width = results
        .iter()
        .map(|result| result.job.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    let mut failed = 0;
    let mut skipped = 0;
    for result in results {
        let _ = match &result.outcome {
            Ok(Outcome::Exported(exported)) => writeln!(
                text,
                "{:width$}  ok       {}, {}, {:.1}s -> {}",
                result.job,
                plural(exported.records, "record"),
                plural(exported.pages, "page"),
                exported.duration.as_secs_f64(),
                files_written(&exported.committed),
            ),
            Ok(Outcome::Skipped { reason }) => {
                skipped += 1;
                writeln!(text, "{:width$}  skipped  {reason}", result.job)
            }
            Err(error) => {
                failed += 1;
                writeln!(text, "{:width$}  FAILED   {error}", result.job)
            }
        };
    }
    let succeeded = results.len() - failed - skipped;
    let _ = write!(
        text,
        "{}: {succeeded} succeeded",
        plural(results.len() as u64, "job")
    );
    if skipped > 0 {
        let _ = write!(text, ", {skipped} skipped");
    }
    let _ = writeln!(text, ", {failed} failed");
    text
}

fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn files_written(committed: &crate::snapshot::Committed) -> String {
    let names: Vec<String> = committed
        .files
        .iter()
        .map(|file| file.path.display().to_string())
        .collect();
    names.join(", ")
}

/// The job list of `validate`: each job, what it exports, and its next fire times.
pub fn render_jobs(jobs: &[Job], now: Timestamp) -> String {
    let mut text = String::new();
    for job in jobs {
        let formats: Vec<&str> = job
            .output
            .formats
            .iter()
            .map(|format| format.name())
            .collect();
        let _ = writeln!(
            text,
            "{}: {} ({} paging, {} a page) as {}; {}",
            job.name,
            job.endpoint.path,
            job.endpoint.pagination,
            job.page_size,
            formats.join(", "),
            job.trigger.describe(),
        );
        for at in job.trigger.next_fire_times(now, 3) {
            let _ = writeln!(text, "    next: {at}");
        }
    }
    let _ = writeln!(text, "{} jobs valid", jobs.len());
    text
}

/// `token --info`: facts about the token, never the token.
pub fn token_info(token: &Token, now: Timestamp) -> String {
    let expires_in = token.expires_at().duration_since(now).as_secs().max(0);
    serde_json::json!({
        "expires_at": token.expires_at().to_string(),
        "expires_in": expires_in,
        "scope": token.scope(),
        "source": token.source().as_str(),
    })
    .to_string()
}
