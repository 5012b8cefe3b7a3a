//! The trace a finished run leaves for `a0snap status` and the metrics file:
//! `{out}/{job}/last-run.json` (see [`crate::status::last_run`]). Only the record's contents
//! are chosen here; writing it never fails the run.

use jiff::Timestamp;

use super::{JobError, Outcome, RunContext};
use crate::jobs::Job;
use crate::status::last_run::{self, LastRun, RunEnd};

/// What a run's requests met, counted by the process's metrics.
#[derive(Debug, Clone, Copy)]
pub(super) struct Counted {
    /// Answers 429.
    pub(super) rate_limited: u64,
    /// Token requests made to Auth0.
    pub(super) token_requests: u64,
}

/// Writes `job`'s `last-run.json` for a run that started at `started`, met `counted` and
/// ended with `outcome`, on a blocking thread; a run skipped for the lock leaves nothing (the process
/// holding the lock leaves its own trace). A write error is logged, never returned.
pub(super) async fn leave_trace(
    job: &Job,
    context: &RunContext,
    started: Timestamp,
    counted: Counted,
    outcome: &Result<Outcome, JobError>,
) {
    let finished = context.clock.now();
    let mut run = LastRun {
        job: job.name.clone(),
        outcome: RunEnd::Success,
        error: None,
        started,
        finished,
        duration_ms: crate::clock::until(started, finished).as_millis() as u64,
        snapshot: None,
        records: 0,
        pages: 0,
        rate_limited: counted.rate_limited,
        token_requests: counted.token_requests,
    };
    match outcome {
        Ok(Outcome::Skipped { .. }) => return,
        Ok(Outcome::Exported(exported)) => {
            run.records = exported.records;
            run.pages = exported.pages;
            run.duration_ms = exported.duration.as_millis() as u64;
            run.snapshot = exported.committed.as_ref().map(|c| c.stem.clone());
        }
        Err(error) => {
            run.outcome = RunEnd::Failure;
            run.error = Some(error.to_string());
        }
    }
    let folder = context.output.job(&job.name);
    let written = tokio::task::spawn_blocking(move || last_run::write(&folder, &run)).await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(job = %job.name, %error, "could not record the run"),
        Err(error) => tracing::warn!(job = %job.name, %error, "could not record the run"),
    }
}
