//! The daemon's loop: a thin wrapper around [`Plan`]. It waits for a nudge from the alarm, a
//! finished run, a control message (stop, reload) or its watchdog, asks the plan what is due,
//! starts or skips runs, and re-arms the alarm. On stop it lets running jobs finish within the
//! grace period, then aborts the rest.
//!
//! Everything that varies is injected: the clock, what a run does, how jobs are reloaded, the
//! alarm, and the control channel that stands for the signals, so tests drive it without a
//! network, a scheduler or a process.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;

use super::alarm::Alarm;
use super::plan::{Decision, Plan};
use super::report;
use super::runs::{Execute, Runs};
use crate::clock::SharedClock;
use crate::jobs::{Job, JobsError};
use crate::metrics::Metrics;

/// How long past a job's fire time the loop wakes up by itself if the alarm has not nudged it.
/// The alarm is normally at most about half a second late.
pub(crate) const WATCHDOG_SLACK: Duration = Duration::from_secs(3);

/// Loads the job set again (`SIGHUP`).
pub(crate) type Reload = Box<dyn FnMut() -> Result<Vec<Job>, JobsError> + Send>;

/// What the outside world asks of the daemon (the signals, in production).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// Stop firing, wait for running jobs up to the grace period; a second one aborts at once.
    Stop,
    /// Read the jobs folder again.
    Reload,
}

/// How the daemon ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// Every run in progress finished within the grace period.
    Clean,
    /// These jobs' runs were aborted.
    Aborted {
        /// Their names.
        jobs: Vec<String>,
    },
}

/// The daemon's fixed parts.
pub(crate) struct Daemon {
    /// "Now", for fire times.
    pub clock: SharedClock,
    /// What a run does.
    pub execute: Execute,
    /// How `SIGHUP` reloads the jobs.
    pub reload: Reload,
    /// Runs exporting at once.
    pub concurrency: usize,
    /// How long a stop waits for running jobs.
    pub grace: Duration,
    /// Where runs and skips are counted.
    pub metrics: Arc<Metrics>,
}

impl Daemon {
    /// Runs `jobs` on their schedules until a [`Control::Stop`] (or the control channel
    /// closes), then stops gracefully.
    pub(crate) async fn run(
        mut self,
        jobs: Vec<Job>,
        alarm: &mut dyn Alarm,
        mut nudges: mpsc::UnboundedReceiver<()>,
        mut controls: mpsc::Receiver<Control>,
    ) -> Stopped {
        let mut plan = Plan::new(jobs, self.clock.now());
        let mut runs = Runs::new(self.concurrency, self.execute.clone());
        self.metrics.register_jobs(plan.jobs());
        for (job, at) in plan.next_times() {
            tracing::info!(job, next = %at, "job scheduled");
            alarm.set(job, at);
        }
        warn_never_firing(&plan);
        loop {
            let watchdog = watchdog(plan.next_fire(), self.clock.now());
            let mut late = false;
            tokio::select! {
                control = controls.recv() => match control {
                    Some(Control::Reload) => self.reload(&mut plan, alarm),
                    Some(Control::Stop) | None => break,
                },
                Some(()) = nudges.recv() => {}
                Some((job, result)) = runs.next_finished() => {
                    report::finished(&self.metrics, &job, result, self.clock.now());
                    plan.finished(&job);
                }
                () = watchdog => late = true,
            }
            self.fire_due(&mut plan, &mut runs, alarm, late);
            self.metrics.set_running(runs.len());
        }
        for job in plan.jobs().map(str::to_owned).collect::<Vec<_>>() {
            alarm.cancel(&job);
        }
        self.stop(runs, controls).await
    }

    /// Starts or skips every due job and arms its next fire time.
    fn fire_due(&self, plan: &mut Plan, runs: &mut Runs, alarm: &mut dyn Alarm, late: bool) {
        let now = self.clock.now();
        for fired in plan.due(now) {
            if late {
                tracing::warn!(job = %fired.job, due = %fired.due, "the alarm did not wake the daemon in time; the job fires late");
            }
            match fired.decision {
                Decision::Run(job) => runs.start(*job),
                Decision::Skip => {
                    let total = self.metrics.overlap_skipped(&fired.job);
                    tracing::warn!(
                        job = %fired.job,
                        due = %fired.due,
                        skipped_total = total,
                        "job still running at its next fire time; this run is skipped"
                    );
                }
            }
            match fired.next {
                Some(at) => alarm.set(&fired.job, at),
                None => {
                    tracing::warn!(job = %fired.job, "the job's schedule has no later fire time; it will not run again");
                    alarm.cancel(&fired.job);
                }
            }
        }
    }

    /// Re-reads the jobs; a bad set is refused and the current one keeps running.
    fn reload(&mut self, plan: &mut Plan, alarm: &mut dyn Alarm) {
        let jobs = match (self.reload)() {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::error!(%error, "refused the new job set; the previous jobs keep running");
                return;
            }
        };
        let count = jobs.len();
        let changes = plan.replace(jobs, self.clock.now());
        for job in &changes.removed {
            alarm.cancel(job);
        }
        for (job, next) in &changes.rescheduled {
            match next {
                Some(at) => {
                    tracing::info!(job, next = %at, "job scheduled");
                    alarm.set(job, *at);
                }
                None => alarm.cancel(job),
            }
        }
        self.metrics.register_jobs(plan.jobs());
        warn_never_firing(plan);
        tracing::info!(
            jobs = count,
            rescheduled = changes.rescheduled.len(),
            removed = changes.removed.len(),
            "reloaded the jobs folder"
        );
    }

    /// Lets running jobs finish within the grace period, then aborts the rest.
    async fn stop(self, mut runs: Runs, mut controls: mpsc::Receiver<Control>) -> Stopped {
        runs.close_queue();
        if !runs.is_empty() {
            tracing::info!(
                running = runs.len(),
                grace_ms = self.grace.as_millis() as u64,
                "stopping: no new runs; waiting for the running jobs"
            );
        }
        let deadline = tokio::time::sleep(self.grace);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                finished = runs.next_finished() => match finished {
                    Some((job, result)) => report::finished(&self.metrics, &job, result, self.clock.now()),
                    None => {
                        tracing::info!("daemon stopped");
                        return Stopped::Clean;
                    }
                },
                () = &mut deadline => {
                    tracing::warn!(running = runs.len(), "the grace period ran out; aborting the running jobs");
                    break;
                }
                Some(control) = controls.recv() => {
                    if control == Control::Stop {
                        tracing::warn!(running = runs.len(), "asked again to stop; aborting the running jobs now");
                        break;
                    }
                    tracing::info!("ignoring the reload: the daemon is stopping");
                }
            }
        }
        let mut aborted = Vec::new();
        for (job, result) in runs.abort_all().await {
            if matches!(result, super::runs::RunResult::Aborted) {
                aborted.push(job.clone());
            }
            report::finished(&self.metrics, &job, result, self.clock.now());
        }
        self.metrics.set_running(0);
        if aborted.is_empty() {
            Stopped::Clean
        } else {
            Stopped::Aborted { jobs: aborted }
        }
    }
}

/// Says which jobs will never run because their schedule has no future time.
fn warn_never_firing(plan: &Plan) {
    for job in plan.never_firing() {
        tracing::warn!(
            job,
            "the job's schedule has no future fire time; it will not run"
        );
    }
}

/// Completes [`WATCHDOG_SLACK`] after `next` (never, without one).
async fn watchdog(next: Option<Timestamp>, now: Timestamp) {
    let Some(next) = next else {
        return std::future::pending().await;
    };
    tokio::time::sleep(crate::clock::until(now, next) + WATCHDOG_SLACK).await;
}
