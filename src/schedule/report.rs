//! What the daemon says and counts when a run ends: one log line per run, and the run's
//! outcome, records and finish time in the metrics.

use jiff::Timestamp;

use super::runs::RunResult;
use super::stop::AbortCause;
use crate::metrics::{Metrics, RunOutcome};
use crate::runner::Outcome;

/// Logs and counts the end of `job`'s run.
pub(super) fn finished(metrics: &Metrics, job: &str, result: RunResult, now: Timestamp) {
    let (outcome, records) = match result {
        RunResult::Ran(Ok(Outcome::Exported(exported))) => {
            tracing::info!(
                job,
                records = exported.records,
                pages = exported.pages,
                duration_ms = exported.duration.as_millis() as u64,
                snapshot = exported
                    .committed
                    .as_ref()
                    .map_or("none (no new events)", |c| c.stem.as_str()),
                "job finished"
            );
            (RunOutcome::Success, exported.records)
        }
        RunResult::Ran(Ok(Outcome::Skipped { reason })) => {
            tracing::warn!(job, %reason, "job skipped");
            (RunOutcome::Locked, 0)
        }
        RunResult::Ran(Err(error)) => {
            tracing::error!(job, %error, "job failed");
            (RunOutcome::Failure, 0)
        }
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
