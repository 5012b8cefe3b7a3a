//! What commands print on stdout: the run summary, the job list of `validate`, and the JSON of
//! `token --info`. Rendering only; no I/O.

use std::fmt::Write as _;

use jiff::Timestamp;

use crate::auth::Token;
use crate::jobs::{Job, Mode};
use crate::runner::{Exported, JobError, Outcome};
use crate::snapshot::ChangeSummary;

/// How one job of a run ended.
#[derive(Debug)]
pub(super) struct JobResult {
    /// The job's name.
    pub job: String,
    /// Its outcome.
    pub outcome: Result<Outcome, JobError>,
}

/// The summary of a run: one line per job, then the counts; failures name their cause.
pub(super) fn render(results: &[JobResult]) -> String {
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
                "{:width$}  ok       {}, {:.1}s -> {}",
                result.job,
                facts(exported),
                exported.duration.as_secs_f64(),
                files_written(exported.committed.as_ref()),
            )
            .and_then(|()| match change_line(exported) {
                Some(line) => writeln!(text, "{:width$}           changes: {line}", ""),
                None => Ok(()),
            }),
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

/// "212 records, +3 -1 ~2, 5 pages": the records, the changes, then where they came from.
fn facts(exported: &Exported) -> String {
    let mut parts = vec![plural(exported.records, "record")];
    if let Some(changes) = exported.committed.as_ref().and_then(|c| c.changes.as_ref()) {
        parts.push(change_counts(changes));
    }
    if let Some(run) = exported
        .incremental
        .as_ref()
        .filter(|_| exported.records == 0)
    {
        parts.push(match run.since {
            Some(since) => format!("no events since {since}"),
            None => "no new events since the last run".to_owned(),
        });
    }
    match &exported.export {
        Some(export) => parts.push(format!("users export {}", export.job_id)),
        None => parts.push(plural(exported.pages, "page")),
    }
    parts.join(", ")
}

/// "3 added, 1 removed, 2 changed: callbacks, name", when a report was written.
fn change_line(exported: &Exported) -> Option<String> {
    let changes = exported.committed.as_ref()?.changes.as_ref()?;
    changes.previous.as_ref().map(|_| changes.line())
}

/// "+3 -1 ~2", or why there is no report.
fn change_counts(changes: &ChangeSummary) -> String {
    match changes.previous {
        Some(_) => format!(
            "+{} -{} ~{}",
            changes.added, changes.removed, changes.changed
        ),
        None => "no previous snapshot to compare".to_owned(),
    }
}

fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The data files a run wrote, or that a quiet run wrote none.
fn files_written(committed: Option<&crate::snapshot::Committed>) -> String {
    let Some(committed) = committed else {
        return "nothing written".to_owned();
    };
    let names: Vec<String> = committed
        .files
        .iter()
        .map(|file| file.path.display().to_string())
        .collect();
    names.join(", ")
}

/// The job list of `validate`: each job, what it exports, and its next fire times.
pub(super) fn render_jobs(jobs: &[Job], now: Timestamp) -> String {
    let mut text = String::new();
    for job in jobs {
        let formats: Vec<&str> = job
            .output
            .formats()
            .iter()
            .map(|format| format.name())
            .collect();
        let _ = writeln!(
            text,
            "{}: {}{} ({}) as {}{}; {}",
            job.name,
            job.endpoint.path,
            job.for_each
                .as_ref()
                .map_or(String::new(), |for_each| format!(
                    " for each of {} ({} first in each record)",
                    for_each.parent.path, for_each.field
                )),
            fetching(job),
            formats.join(", "),
            if job.output.changes().is_some() {
                " with change reports"
            } else {
                ""
            },
            job.trigger,
        );
        for at in job.trigger.next_fire_times(now, 3) {
            let _ = writeln!(text, "    next: {at}");
        }
    }
    let _ = writeln!(text, "{} jobs valid", jobs.len());
    text
}

/// How a job fetches: "offset paging, 50 a page", "bulk export of 3 fields (user_id, email,
/// app_metadata.plan)", "logs paging, ..., incremental".
fn fetching(job: &Job) -> String {
    if let Mode::Export(request) = &job.mode {
        let fields = request.fields();
        return format!(
            "bulk export of {} field{} ({})",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" },
            fields.join(", ")
        );
    }
    if job.endpoint.pagination == crate::endpoint::Pagination::None {
        return "one request (no paging)".to_owned();
    }
    let paging = format!(
        "{} paging, {} a page",
        job.endpoint.pagination, job.page_size
    );
    if job.incremental {
        format!("{paging}, incremental")
    } else {
        paging
    }
}

/// `token --info`: facts about the token, never the token, and how the application
/// authenticates (`authentication`: `client_secret_post` or `private_key_jwt`).
pub(super) fn token_info(token: &Token, authentication: &str, now: Timestamp) -> String {
    let expires_in = crate::clock::until(now, token.expires_at()).as_secs();
    serde_json::json!({
        "authentication": authentication,
        "expires_at": token.expires_at().to_string(),
        "expires_in": expires_in,
        "scope": token.scope(),
        "source": token.source().as_str(),
    })
    .to_string()
}
