//! Wake-ups for the daemon: "nudge me at this instant for this job", built on
//! tokio-cron-scheduler one-shot jobs.
//!
//! The alarm only wakes the daemon; it decides nothing. The daemon's [`super::plan::Plan`]
//! computes every fire time with our cron module, and on each nudge looks at the clock itself.
//! That keeps tokio-cron-scheduler's known traps out of the schedule: no cron strings (its
//! six-field syntax, its AND of day-of-month and day-of-week, its offset fixed at creation that
//! shifts runs across DST), no `new_repeated` jobs (reported to stop firing), and none of its
//! signal handling. Each job has at most one pending one-shot, armed for its next fire time and
//! re-armed by the daemon after each fire.
//!
//! One more trap, found in its 0.15 source: a one-shot's due time is kept in whole seconds (the
//! delay is truncated, then the sum is truncated again) and checked by a loop that ticks every
//! 500 ms, so a one-shot fires anywhere from about 2 s early to 0.5 s late. The one-shot's body
//! therefore waits out whatever is left until the real instant before it nudges the daemon:
//! a nudge never comes early, and comes at most about half a second late.

use std::collections::HashMap;
use std::time::Instant;

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio_cron_scheduler::job::JobId;
use tokio_cron_scheduler::{Job as OneShot, JobScheduler, JobSchedulerError};

use crate::clock::{SharedClock, until};

/// Something that nudges the daemon at requested instants.
pub(crate) trait Alarm: Send {
    /// Asks for a nudge at `at` for `job`, replacing the job's pending one.
    fn set(&mut self, job: &str, at: Timestamp);
    /// Drops `job`'s pending nudge, if any.
    fn cancel(&mut self, job: &str);
}

/// Why the alarm could not start.
#[derive(Debug, thiserror::Error)]
#[error("could not start the job scheduler ({source}); this is a bug, please report it")]
pub struct AlarmError {
    /// What tokio-cron-scheduler said.
    #[source]
    pub source: JobSchedulerError,
}

/// An [`Alarm`] on tokio-cron-scheduler one-shot jobs. Needs the multi-thread runtime.
pub(crate) struct SchedulerAlarm {
    /// The running scheduler; cheap to clone (it is a handle).
    scheduler: JobScheduler,
    /// The daemon's clock, to turn fire times into delays and to wait out early fires.
    clock: SharedClock,
    /// Where nudges go.
    nudges: mpsc::UnboundedSender<()>,
    /// Each job's pending one-shot and its instant.
    pending: HashMap<String, (JobId, Timestamp)>,
}

impl std::fmt::Debug for SchedulerAlarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerAlarm")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl SchedulerAlarm {
    /// Starts a scheduler whose one-shots send a `()` on `nudges`.
    pub(crate) async fn start(
        clock: SharedClock,
        nudges: mpsc::UnboundedSender<()>,
    ) -> Result<Self, AlarmError> {
        let scheduler = JobScheduler::new()
            .await
            .map_err(|source| AlarmError { source })?;
        scheduler
            .start()
            .await
            .map_err(|source| AlarmError { source })?;
        Ok(Self {
            scheduler,
            clock,
            nudges,
            pending: HashMap::new(),
        })
    }

    /// Stops the scheduler's tick loop. Pending one-shots never fire.
    pub(crate) async fn stop(mut self) {
        if let Err(error) = self.scheduler.shutdown().await {
            tracing::debug!(%error, "the job scheduler did not shut down cleanly");
        }
    }

    /// A one-shot for `at` whose body waits until `at` by our clock, then nudges.
    fn one_shot(&self, at: Timestamp) -> Result<OneShot, JobSchedulerError> {
        let delay = until(self.clock.now(), at);
        let clock = self.clock.clone();
        let nudges = self.nudges.clone();
        OneShot::new_one_shot_at_instant_async(Instant::now() + delay, move |_id, _scheduler| {
            let clock = clock.clone();
            let nudges = nudges.clone();
            Box::pin(async move {
                tokio::time::sleep(until(clock.now(), at)).await;
                // The daemon may have stopped; then nobody needs the nudge.
                let _ = nudges.send(());
            })
        })
    }

    fn remove(&self, id: JobId) {
        let scheduler = self.scheduler.clone();
        tokio::spawn(async move {
            if let Err(error) = scheduler.remove(&id).await {
                tracing::debug!(%error, "could not remove a pending one-shot; it will nudge for nothing");
            }
        });
    }
}

impl Alarm for SchedulerAlarm {
    fn set(&mut self, job: &str, at: Timestamp) {
        self.cancel(job);
        let one_shot = match self.one_shot(at) {
            Ok(one_shot) => one_shot,
            Err(error) => {
                tracing::error!(job, %error, "could not arm the job's alarm; the daemon's watchdog will run it late");
                return;
            }
        };
        let id = one_shot.guid();
        self.pending.insert(job.to_owned(), (id, at));
        let scheduler = self.scheduler.clone();
        let name = job.to_owned();
        tokio::spawn(async move {
            if let Err(error) = scheduler.add(one_shot).await {
                tracing::error!(job = %name, %error, "could not arm the job's alarm; the daemon's watchdog will run it late");
            }
        });
    }

    fn cancel(&mut self, job: &str) {
        // A one-shot whose time has passed has fired (or is firing) and removes itself.
        if let Some((id, at)) = self.pending.remove(job)
            && at > self.clock.now()
        {
            self.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_nudge_never_comes_before_its_instant_despite_whole_second_rounding() {
        let clock = clock::system();
        let (nudges, mut woken) = mpsc::unbounded_channel();
        let mut alarm = SchedulerAlarm::start(clock.clone(), nudges)
            .await
            .expect("the scheduler starts");
        // Fractional delays are where the scheduler's rounding would fire early.
        let at = clock.now() + Duration::from_millis(1_300);
        alarm.set("apps", at);
        tokio::time::timeout(Duration::from_secs(10), woken.recv())
            .await
            .expect("the nudge comes")
            .expect("the channel is open");
        assert!(clock.now() >= at, "nudged before {at}");
        alarm.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_replaced_instant_nudges_at_the_new_time_and_not_the_old_one() {
        let clock = clock::system();
        let (nudges, mut woken) = mpsc::unbounded_channel();
        let mut alarm = SchedulerAlarm::start(clock.clone(), nudges)
            .await
            .expect("the scheduler starts");
        alarm.set("apps", clock.now() + Duration::from_secs(60));
        let soon = clock.now() + Duration::from_millis(200);
        alarm.set("apps", soon);
        tokio::time::timeout(Duration::from_secs(10), woken.recv())
            .await
            .expect("the nudge comes")
            .expect("the channel is open");
        assert!(clock.now() >= soon);
        assert_eq!(alarm.pending.len(), 1);
        alarm.stop().await;
    }
}
