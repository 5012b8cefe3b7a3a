//! The daemon's loop: a thin wrapper around [`Plan`]. It waits for a nudge from the alarm, a
//! finished run, a control message (stop, reload) or its watchdog, asks the plan what is due,
//! starts or skips runs, and re-arms the alarm. On stop it lets running jobs finish within the
//! grace period, then aborts the rest; a repeated stop signal does not shorten the grace
//! period, a third one or SIGQUIT aborts at once ([`super::stop`]). Once a second it compares
//! the wall clock with the monotonic one ([`super::jumps`]) and follows a step of the wall
//! clock: one catch-up after a forward step, fire times recomputed after a backward one.
//!
//! Everything that varies is injected: the clock, what a run does, how jobs are reloaded, the
//! alarm, and the control channel that stands for the signals, so tests drive it without a
//! network, a scheduler or a process.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;

use super::alarm::Alarm;
use super::jumps::{self, Jump, JumpDetector};
use super::plan::{Decision, Plan};
use super::report;
use super::runs::{Execute, RunResult, Runs};
use super::stop::{self, AbortCause, StopRequests, StopSignal, StopStep};
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
    /// A stop signal: the first stops firing and waits for running jobs up to the grace
    /// period, a repeat does not shorten it, the third (or a SIGQUIT) aborts at once.
    Stop(StopSignal),
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
        /// Why: the grace period ran out, or a signal forced the stop.
        cause: AbortCause,
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
        let mut requests = StopRequests::default();
        let mut detector = JumpDetector::new(self.clock.now(), tokio::time::Instant::now());
        let mut clock_checks = tokio::time::interval(jumps::CHECK_EVERY);
        clock_checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let first = loop {
            let watchdog = watchdog(plan.next_fire(), self.clock.now());
            let mut late = false;
            tokio::select! {
                control = controls.recv() => match control {
                    Some(Control::Reload) => self.reload(&mut plan, alarm),
                    Some(Control::Stop(signal)) => {
                        let step = requests.receive(signal);
                        stop::log_step(step, signal, runs.len());
                        break step;
                    }
                    None => break StopStep::Graceful,
                },
                Some(()) = nudges.recv() => {}
                Some((job, result)) = runs.next_finished() => {
                    report::finished(&self.metrics, &job, result, self.clock.now());
                    plan.finished(&job);
                }
                () = watchdog => late = true,
                _ = clock_checks.tick() => {
                    // Only a step is news; due jobs are otherwise the alarm's to announce.
                    if !self.follow_clock(&mut detector, &mut plan, alarm) {
                        continue;
                    }
                }
            }
            self.fire_due(&mut plan, &mut runs, alarm, late);
            self.metrics.set_running(runs.len());
        };
        for job in plan.jobs().map(str::to_owned).collect::<Vec<_>>() {
            alarm.cancel(&job);
        }
        self.stop(runs, controls, requests, first).await
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

    /// Looks for a wall-clock step since the last check. Forward: logged, and each job whose
    /// time passed fires once at the next [`Self::fire_due`]. Backward: every job's next time
    /// is computed again from the new "now", so none waits out the step. Returns whether the
    /// clock stepped.
    fn follow_clock(
        &self,
        detector: &mut JumpDetector,
        plan: &mut Plan,
        alarm: &mut dyn Alarm,
    ) -> bool {
        let now = self.clock.now();
        match detector.check(now, tokio::time::Instant::now()) {
            None => return false,
            Some(Jump::Forward(by)) => tracing::warn!(
                stepped_s = by.as_secs(),
                "the wall clock stepped forward by {by:#}; each job whose fire time passed runs once now (missed fire times are not made up)"
            ),
            Some(Jump::Backward(by)) => {
                tracing::warn!(
                    stepped_s = by.as_secs(),
                    "the wall clock stepped back by {by:#}; every job's next fire time is computed again from now"
                );
                for (job, at) in plan.rebase(now) {
                    tracing::info!(job, next = %at, "job scheduled");
                    alarm.set(&job, at);
                }
            }
        }
        true
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

    /// Lets running jobs finish within the grace period, then aborts the rest; `first` is what
    /// the stop request that ended the loop asked for, `requests` counts the stop signals.
    async fn stop(
        self,
        mut runs: Runs,
        mut controls: mpsc::Receiver<Control>,
        mut requests: StopRequests,
        first: StopStep,
    ) -> Stopped {
        runs.close_queue();
        // Monotonic: a wall-clock step during the stop neither shortens nor stretches it.
        let deadline = tokio::time::sleep(self.grace);
        tokio::pin!(deadline);
        let cause = match first {
            StopStep::Force(forced) => AbortCause::Forced(forced),
            StopStep::Graceful | StopStep::Repeated { .. } => {
                if !runs.is_empty() {
                    tracing::info!(
                        running = runs.len(),
                        grace_ms = self.grace.as_millis() as u64,
                        "stopping: no new runs; waiting for the running jobs"
                    );
                }
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
                            break AbortCause::GraceRanOut;
                        }
                        Some(control) = controls.recv() => match control {
                            Control::Stop(signal) => {
                                let step = requests.receive(signal);
                                stop::log_step(step, signal, runs.len());
                                if let StopStep::Force(forced) = step {
                                    break AbortCause::Forced(forced);
                                }
                            }
                            Control::Reload => tracing::info!("ignoring the reload: the daemon is stopping"),
                        }
                    }
                }
            }
        };
        let mut aborted = Vec::new();
        for (job, result) in runs.abort_all().await {
            if matches!(result, RunResult::Aborted) {
                report::aborted(&self.metrics, &job, cause, self.clock.now());
                aborted.push(job);
            } else {
                report::finished(&self.metrics, &job, result, self.clock.now());
            }
        }
        self.metrics.set_running(0);
        if aborted.is_empty() {
            tracing::info!("daemon stopped");
            Stopped::Clean
        } else {
            Stopped::Aborted {
                jobs: aborted,
                cause,
            }
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
