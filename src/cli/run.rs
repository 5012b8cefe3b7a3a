//! `a0snap run`'s loop: runs the selected jobs once each, up to `A0SNAP_JOB_CONCURRENCY` at a
//! time, and obeys stop signals like the daemon does ([`crate::schedule::stop`]): after the
//! first SIGTERM/SIGINT no job starts, the running ones get `A0SNAP_GRACE_PERIOD` to finish,
//! a repeat does not shorten it, the third one or a SIGQUIT aborts them at once.
//!
//! Aborting a run drops its future, which is how the runner cleans up (see
//! [`crate::schedule::runs`]). This file prints only the summary; it picks no exit code.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::CliError;
use super::Services;
use super::summary::{self, JobResult};
use crate::config::Settings;
use crate::jobs::Job;
use crate::progress::{LiveProgress, SharedProgress};
use crate::runner::{self, RunContext};
use crate::schedule::daemon::Control;
use crate::schedule::stop::{self, AbortCause, StopRequests, StopSignal, StopStep};
use crate::schedule::{Hangup, forward_signals};

/// Stop signals queued before the loop reads them.
const CONTROL_QUEUE: usize = 8;

/// Runs `jobs` once each and prints the summary of those that ended; [`CliError::Interrupted`]
/// when a stop signal left jobs aborted or not started, else [`CliError::JobsFailed`] when any
/// failed.
pub(super) async fn run_all(
    settings: &Settings,
    services: &Services,
    jobs: Vec<Job>,
    progress: Option<Arc<LiveProgress>>,
) -> Result<(), CliError> {
    let (control_tx, mut controls) = mpsc::channel(CONTROL_QUEUE);
    let signals = forward_signals(control_tx, Hangup::Default)
        .map_err(|source| CliError::Signals { source })?;
    let mut context = services.run_context(settings);
    context.progress = progress.clone().map(|live| live as SharedProgress);
    let context = Arc::new(context);
    let names: Vec<String> = jobs.iter().map(|job| job.name.clone()).collect();
    // Jobs are taken from the list in order; once `stopping` is set none is taken any more, so
    // the first `taken` jobs are the ones that started.
    let stopping = Arc::new(AtomicBool::new(false));
    let taken = Arc::new(AtomicUsize::new(0));
    let (stop_flag, counter) = (stopping.clone(), taken.clone());
    let mut running = futures_util::stream::iter(jobs.into_iter().enumerate())
        .take_while(move |_| {
            let go = !stop_flag.load(Ordering::SeqCst);
            if go {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            std::future::ready(go)
        })
        .map(|(index, job)| {
            let context = context.clone();
            async move { (index, run_one(job, context).await) }
        })
        .buffer_unordered(settings.job_concurrency.max(1));
    let mut results: Vec<Option<JobResult>> = names.iter().map(|_| None).collect();
    let mut requests = StopRequests::default();
    let mut first_signal: Option<StopSignal> = None;
    // Monotonic: a wall-clock step during the stop neither shortens nor stretches it.
    let mut deadline: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    let aborted_by: Option<AbortCause> = loop {
        let in_flight = taken.load(Ordering::SeqCst) - results.iter().flatten().count();
        tokio::select! {
            next = running.next() => match next {
                Some((index, result)) => results[index] = Some(result),
                None => break None,
            },
            Some(Control::Stop(signal)) = controls.recv() => {
                let step = requests.receive(signal);
                stop::log_step(step, signal, in_flight);
                first_signal.get_or_insert(signal);
                stopping.store(true, Ordering::SeqCst);
                match step {
                    StopStep::Graceful => {
                        deadline = Some(Box::pin(tokio::time::sleep(settings.grace_period)));
                    }
                    StopStep::Repeated { .. } => {}
                    StopStep::Force(forced) => break Some(AbortCause::Forced(forced)),
                }
            }
            () = grace_over(deadline.as_mut()) => {
                tracing::warn!(running = in_flight, "the grace period ran out; aborting the running jobs");
                break Some(AbortCause::GraceRanOut);
            }
        }
    };
    // Dropping the stream drops the runs still going: their temporary files are removed.
    drop(running);
    signals.abort();
    if let Some(progress) = progress {
        progress.clear();
    }
    let started = taken.load(Ordering::SeqCst);
    let mut aborted = Vec::new();
    let mut not_started = Vec::new();
    let mut ended = Vec::new();
    for (index, (name, result)) in names.into_iter().zip(results).enumerate() {
        match result {
            Some(result) => ended.push(result),
            None if index < started => aborted.push(name),
            None => not_started.push(name),
        }
    }
    for job in &aborted {
        let cause = aborted_by.map_or_else(String::new, |cause| match cause {
            AbortCause::GraceRanOut => "the grace period ran out".to_owned(),
            AbortCause::Forced(forced) => format!("{forced} forced the stop"),
        });
        tracing::warn!(
            job,
            "job aborted: {cause}; a run stopped before its commit leaves nothing visible, one already committing finishes its commit"
        );
    }
    for job in &not_started {
        tracing::info!(job, "job not started: the run is stopping");
    }
    print!("{}", summary::render(&ended));
    if let Some(signal) = first_signal
        && !(aborted.is_empty() && not_started.is_empty())
    {
        return Err(CliError::Interrupted {
            signal: signal.to_string(),
            aborted,
            not_started,
            grace: settings.grace_period,
            forced_by: match aborted_by {
                Some(AbortCause::Forced(forced)) => Some(forced.to_string()),
                _ => None,
            },
        });
    }
    let failed = ended
        .iter()
        .filter(|result| result.outcome.is_err())
        .count();
    if failed > 0 {
        return Err(CliError::JobsFailed {
            failed,
            total: ended.len(),
        });
    }
    Ok(())
}

/// Completes when `deadline` does; never without one.
async fn grace_over(deadline: Option<&mut std::pin::Pin<Box<tokio::time::Sleep>>>) {
    match deadline {
        Some(deadline) => deadline.await,
        None => std::future::pending().await,
    }
}

/// Runs `job`; the runner logs the run's start and end.
async fn run_one(job: Job, context: Arc<RunContext>) -> JobResult {
    let outcome = runner::run_job(&job, &context).await;
    JobResult {
        job: job.name,
        outcome,
    }
}
