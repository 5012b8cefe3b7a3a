//! The daemon's job runs in progress: one task per run, at most `job_concurrency` of them
//! exporting at once (the others wait for a slot), and a way to abort what is left when the
//! grace period runs out.
//!
//! Aborting a run drops its future, which is how the runner cleans up: a run stopped before
//! its commit phase has its temporary files removed, and `latest` and older snapshots are
//! untouched; a run already committing finishes its commit on its blocking thread (snapshot,
//! `latest`, checkpoint and lock as one unit, see [`crate::runner`]).

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;
use tokio::task::{Id, JoinSet};

use crate::jobs::Job;
use crate::runner::{JobError, Outcome};

/// Runs one job once: the runner in production, a stand-in in tests.
pub(crate) type Execute =
    Arc<dyn Fn(Job) -> BoxFuture<'static, Result<Outcome, JobError>> + Send + Sync>;

/// How a run's task ended.
#[derive(Debug)]
pub(crate) enum RunResult {
    /// The run went to its end, with the runner's outcome.
    Ran(Result<Outcome, JobError>),
    /// The daemon stopped while the run waited for a slot; it never started.
    NotStarted,
    /// The grace period ran out and the run was aborted.
    Aborted,
    /// The run's task panicked (a bug).
    Panicked(String),
}

/// The runs in progress.
pub(crate) struct Runs {
    /// One task per run, each returning its job's name and result.
    tasks: JoinSet<(String, RunResult)>,
    /// Each task's job, to name the runs that were aborted or panicked.
    names: HashMap<Id, String>,
    /// `job_concurrency` slots; closed when the daemon stops, so queued runs never start.
    slots: Arc<Semaphore>,
    /// What a run does.
    execute: Execute,
}

impl Runs {
    /// No runs yet; at most `concurrency` (at least 1) export at once.
    pub(crate) fn new(concurrency: usize, execute: Execute) -> Self {
        Self {
            tasks: JoinSet::new(),
            names: HashMap::new(),
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            execute,
        }
    }

    /// Starts a run of `job`; it exports as soon as a slot is free.
    pub(crate) fn start(&mut self, job: Job) {
        let name = job.name.clone();
        let slots = self.slots.clone();
        let execute = self.execute.clone();
        let handle = self.tasks.spawn(async move {
            let Ok(_slot) = slots.acquire_owned().await else {
                return (job.name, RunResult::NotStarted);
            };
            let name = job.name.clone();
            (name, RunResult::Ran(execute(job).await))
        });
        self.names.insert(handle.id(), name);
    }

    /// Runs in progress or waiting for a slot.
    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no run is in progress.
    pub(crate) fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The next run to end, or `None` when there are none.
    pub(crate) async fn next_finished(&mut self) -> Option<(String, RunResult)> {
        let joined = self.tasks.join_next_with_id().await?;
        Some(match joined {
            Ok((id, finished)) => {
                self.names.remove(&id);
                finished
            }
            Err(error) => {
                let job = self.names.remove(&error.id()).unwrap_or_default();
                if error.is_cancelled() {
                    (job, RunResult::Aborted)
                } else {
                    (job, RunResult::Panicked(error.to_string()))
                }
            }
        })
    }

    /// Lets no queued run start: the ones waiting for a slot end as [`RunResult::NotStarted`].
    pub(crate) fn close_queue(&self) {
        self.slots.close();
    }

    /// Aborts every run and waits until each has been dropped; returns how each ended (a
    /// run that finished just before the abort keeps its own result).
    pub(crate) async fn abort_all(&mut self) -> Vec<(String, RunResult)> {
        self.tasks.abort_all();
        let mut ended = Vec::new();
        while let Some(finished) = self.next_finished().await {
            ended.push(finished);
        }
        ended
    }
}
