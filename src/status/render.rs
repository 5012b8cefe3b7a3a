//! `a0snap status` output: one line per job for people, or one JSON document for scripts.
//! Rendering only; no I/O.
//!
//! The JSON shape (README, "Status"): `{"ok": bool, "jobs": [{"job", "status" ("ok", "failed",
//! "stale" or "never_run"), "stale": bool, "stale_after_seconds": number|null,
//! "last_success": {"at", "age_seconds", "records"}|null, "last_run": the `last-run.json`
//! object|null, "problem": string|null}]}`; times are RFC 3339 in UTC.

use std::fmt::Write as _;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Health, JobStatus};
use crate::clock::until;
use crate::status::last_run::RunEnd;
use crate::trigger::interval::format_every;

/// One line per job: name, verdict, last success (time and age, records), then the last run's
/// outcome (and error) and the stale limit.
pub(crate) fn text(statuses: &[JobStatus], now: Timestamp) -> String {
    let width = statuses.iter().map(|s| s.job.len()).max().unwrap_or(0);
    let mut text = String::new();
    for status in statuses {
        let verdict = match status.health {
            Health::Ok => "ok",
            Health::Failed => "FAILED",
            Health::Stale => "STALE",
            Health::NeverRun => "NEVER RUN",
        };
        let mut parts = Vec::new();
        match &status.last_success {
            Some(success) => parts.push(format!(
                "last success {} ({} ago), {} record{}",
                success.at,
                format_every(until(success.at, now)),
                success.records,
                if success.records == 1 { "" } else { "s" }
            )),
            None => parts.push("no successful snapshot".to_owned()),
        }
        if let Some(run) = &status.last_run {
            parts.push(match (&run.outcome, &run.error) {
                (RunEnd::Failure, Some(error)) => {
                    format!("last run failed at {}: {error}", run.finished)
                }
                (RunEnd::Failure, None) => format!("last run failed at {}", run.finished),
                (RunEnd::Success, _) => format!("last run succeeded at {}", run.finished),
            });
        }
        if let Some(limit) = status.stale_after
            && status.stale
            && status.last_success.is_some()
        {
            parts.push(format!("stale: nothing newer than {}", format_every(limit)));
        }
        if let Some(problem) = &status.problem {
            parts.push(problem.clone());
        }
        let _ = writeln!(
            text,
            "{:width$}  {verdict:9}  {}",
            status.job,
            parts.join("; ")
        );
    }
    let unhealthy = statuses.iter().filter(|s| !s.is_ok()).count();
    let _ = writeln!(
        text,
        "{} job{}: {} ok, {unhealthy} not ok",
        statuses.len(),
        if statuses.len() == 1 { "" } else { "s" },
        statuses.len() - unhealthy
    );
    text
}

/// The JSON document of `--format json` (shape in the module doc).
pub(crate) fn json(statuses: &[JobStatus], now: Timestamp) -> Value {
    let jobs: Vec<Value> = statuses
        .iter()
        .map(|status| {
            json!({
                "job": status.job,
                "status": status.health.name(),
                "stale": status.stale,
                "stale_after_seconds": status.stale_after.map(|limit| limit.as_secs()),
                "last_success": status.last_success.as_ref().map(|success| json!({
                    "at": success.at.to_string(),
                    "age_seconds": until(success.at, now).as_secs(),
                    "records": success.records,
                })),
                "last_run": status.last_run,
                "problem": status.problem,
            })
        })
        .collect();
    json!({
        "ok": statuses.iter().all(JobStatus::is_ok),
        "jobs": jobs,
    })
}
