//! Each job's health, computed from what the output folder holds: its last successful snapshot
//! (`latest.meta.json`, else the newest snapshot's meta file), its last run (`last-run.json`, see [`last_run`]) and its schedule.
//! `a0snap status` prints it ([`render`]); the metrics file and the Pushgateway publish the
//! same facts; the HTML report ([`crate::report`]) shows [`job_status`]'s verdicts as well.
//!
//! A job is **stale** when its last success is older than `--stale-after`, or by default two
//! of its schedule periods (an `every` interval, or for a cron schedule the gap between its next
//! two fire times after now), as issue #15 asks. A job that never left a trace is "never run"
//! and, like a failed or stale one, not ok. This module only reads files; it never writes one,
//! and knows nothing about how a run is made or shown.

pub(crate) mod last_run;
pub(crate) mod render;
#[cfg(test)]
mod tests;

use std::time::Duration;

use jiff::Timestamp;

use crate::jobs::{Job, Trigger};
use crate::snapshot;
use crate::store::{JobFolder, Output};
use last_run::{LastRun, RunEnd};

/// How many schedule periods may pass without a success before a job is stale.
pub(crate) const STALE_PERIODS: u32 = 2;

/// A job's health, worst first as [`JobStatus::health`] decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Health {
    /// The last run failed (or its record cannot be read).
    Failed,
    /// No success within the stale limit.
    Stale,
    /// No run left a trace: no `last-run.json` and no `latest.meta.json`.
    NeverRun,
    /// The last run succeeded, recently enough.
    Ok,
}

impl Health {
    /// The JSON spelling: `failed`, `stale`, `never_run`, `ok`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Health::Failed => "failed",
            Health::Stale => "stale",
            Health::NeverRun => "never_run",
            Health::Ok => "ok",
        }
    }
}

/// The job's last successful snapshot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Success {
    /// When it finished (the later of `latest.meta.json`'s `finished_at` and a successful
    /// `last-run.json`'s `finished`: a quiet incremental run succeeds without a snapshot).
    pub at: Timestamp,
    /// Records in the latest snapshot (`latest.meta.json`'s `records`).
    pub records: u64,
}

/// One job's status at one instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobStatus {
    /// The job's name.
    pub job: String,
    /// Its last success, if any.
    pub last_success: Option<Success>,
    /// Its last recorded run, if any.
    pub last_run: Option<LastRun>,
    /// How old a success may be before the job is stale; `None` when the schedule never
    /// fires again (such a job is never stale).
    pub stale_after: Option<Duration>,
    /// Whether no success is recent enough (always true for a job that never succeeded).
    pub stale: bool,
    /// A file that could not be read, as a sentence.
    pub problem: Option<String>,
    /// The verdict.
    pub health: Health,
}

impl JobStatus {
    /// Whether this job counts as healthy (`a0snap status` exits 0 only when all are).
    pub(crate) fn is_ok(&self) -> bool {
        self.health == Health::Ok
    }
}

/// The schedule's period around `now`: the `every` interval, or the gap between the cron
/// schedule's next two fire times after `now`; `None` when it fires less than twice more.
pub(crate) fn period(trigger: &Trigger, now: Timestamp) -> Option<Duration> {
    match trigger {
        Trigger::Every(interval) => Some(*interval),
        Trigger::Cron(_) => {
            let first = trigger.next_after(now)?;
            let second = trigger.next_after(first)?;
            Some(crate::clock::until(first, second))
        }
    }
}

/// `job`'s status from the files below `output` (a folder or an object store), at `now`;
/// `stale_after` overrides the default limit of [`STALE_PERIODS`] schedule periods.
pub(crate) fn job_status(
    job: &Job,
    output: impl Into<Output>,
    now: Timestamp,
    stale_after: Option<Duration>,
) -> JobStatus {
    let dir = output.into().job(&job.name);
    let mut problems = Vec::new();
    let last_run = last_run::read(&dir).unwrap_or_else(|error| {
        problems.push(error.to_string());
        None
    });
    let meta = latest_meta(&dir, &job.name).unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    let run_success = last_run
        .as_ref()
        .filter(|run| run.outcome == RunEnd::Success)
        .map(|run| run.finished);
    let last_success = match (meta, run_success) {
        (Some(meta), Some(at)) => Some(Success {
            at: at.max(meta.at),
            ..meta
        }),
        (Some(meta), None) => Some(meta),
        (None, Some(at)) => Some(Success {
            at,
            records: last_run.as_ref().map_or(0, |run| run.records),
        }),
        (None, None) => None,
    };
    let stale_after = stale_after
        .or_else(|| period(&job.trigger, now).map(|period| period.saturating_mul(STALE_PERIODS)));
    let stale = match (&last_success, stale_after) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(success), Some(limit)) => crate::clock::until(success.at, now) > limit,
    };
    let failed = last_run
        .as_ref()
        .is_some_and(|run| run.outcome == RunEnd::Failure);
    let health = if failed || !problems.is_empty() {
        Health::Failed
    } else if last_success.is_none() {
        Health::NeverRun
    } else if stale {
        Health::Stale
    } else {
        Health::Ok
    };
    JobStatus {
        job: job.name.clone(),
        last_success,
        last_run,
        stale_after,
        stale,
        problem: (!problems.is_empty()).then(|| problems.join("; ")),
        health,
    }
}

/// The success `latest.meta.json` describes, or while it is away (`latest.*` in transition,
/// see `snapshot::latest`) the newest committed snapshot's meta file; `Ok(None)` when there
/// is neither.
fn latest_meta(dir: &JobFolder, job: &str) -> Result<Option<Success>, String> {
    let (name, text) = match snapshot::latest_meta(dir, job) {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        Err((name, error)) => {
            return Err(format!(
                "cannot read {}: {error}",
                dir.location(&name).display()
            ));
        }
    };
    let path = dir.location(&name);
    let meta: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|error| format!("{} is not JSON: {error}", path.display()))?;
    let at = meta["finished_at"]
        .as_str()
        .and_then(|at| at.parse::<Timestamp>().ok())
        .ok_or_else(|| format!("{} has no finished_at time", path.display()))?;
    Ok(Some(Success {
        at,
        records: meta["records"].as_u64().unwrap_or(0),
    }))
}
