//! What the daemon says and counts when a run ends: the run's outcome, records and finish
//! time in the metrics, and a log line for what only the daemon sees (a crash, an abort, a
//! run never started). A run's own start and end are logged once, by the runner.

use jiff::Timestamp;

use super::runs::RunResult;
use super::stop::AbortCause;
use crate::metrics::{Metrics, RunOutcome};
use crate::runner::Outcome;

/// Counts the end of `job`'s run, and logs it when the runner could not.
pub(super) fn finished(metrics: &Metrics, job: &str, result: RunResult, now: Timestamp) {
    let (outcome, records) = match result {
        RunResult::Ran(Ok(Outcome::Exported(exported))) => (RunOutcome::Success, exported.records),
        RunResult::Ran(Ok(Outcome::Skipped { .. })) => (RunOutcome::Locked, 0),
        RunResult::Ran(Err(_)) => (RunOutcome::Failure, 0),
        RunResult::Panicked(detail) => {
            tracing::error!(job, %detail, "job run crashed; this is a bug, please report it");
            (RunOutcome::Failure, 0)
        }
        RunResult::Aborted => return aborted(metrics, job, AbortCause::GraceRanOut, now),
        RunResult::NotStarted => {
            tracing::info!(job, "job not started: the daemon is stopping");
            return;
        }
    };
    metrics.run_finished(job, outcome, records, now);
}

/// Logs and counts `job`'s run as aborted because of `cause`.
pub(super) fn aborted(metrics: &Metrics, job: &str, cause: AbortCause, now: Timestamp) {
    match cause {
        AbortCause::GraceRanOut => tracing::warn!(
            job,
            "job aborted: the grace period ran out; a run stopped before its commit leaves nothing visible, one already committing finishes its commit"
        ),
        AbortCause::Forced(forced) => tracing::warn!(
            job,
            signal = %forced.signal,
            "job aborted: {forced} forced the stop before the grace period ran out; a run stopped before its commit leaves nothing visible, one already committing finishes its commit"
        ),
    }
    metrics.run_finished(job, RunOutcome::Aborted, 0, now);
}
