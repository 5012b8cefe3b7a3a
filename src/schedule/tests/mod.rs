//! Tests for the daemon's core and loop: fire times, skipped overlaps, reloads and stopping,
//! with a manual clock, an alarm that only records, and runs the test finishes by hand.

mod clock_jumps;
mod firing;
mod plan;
mod stopping;

use std::path::Path;

use jiff::Timestamp;

use crate::jobs::{Job, parse_job};

/// The instant every test starts at.
const START: &str = "2026-01-01T00:00:00Z";

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp in the test")
}

/// A job named `name` with the given trigger line (`every = "10s"`, `schedule = "..."`).
fn job(name: &str, trigger: &str) -> Job {
    let text = format!("{trigger}\nendpoint = \"clients\"\n");
    parse_job(name, Path::new("jobs/test.toml"), &text).expect("a valid job in the test")
}

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::clock::ManualClock;
use crate::jobs::JobsError;
use crate::metrics::Metrics;
use crate::runner::Outcome;
use crate::schedule::alarm::Alarm;
use crate::schedule::daemon::Control;
use crate::schedule::{Daemon, Execute, Stopped};

/// An alarm that only remembers each job's pending instant.
#[derive(Clone, Default)]
struct RecordingAlarm {
    pending: Arc<Mutex<BTreeMap<String, Timestamp>>>,
}

impl Alarm for RecordingAlarm {
    fn set(&mut self, job: &str, at: Timestamp) {
        self.pending.lock().unwrap().insert(job.to_owned(), at);
    }
    fn cancel(&mut self, job: &str) {
        self.pending.lock().unwrap().remove(job);
    }
}

/// What the next reload returns, set by the test.
type NextSet = Arc<Mutex<Option<Result<Vec<Job>, JobsError>>>>;

/// A run in progress, ended by the test.
struct Started {
    job: String,
    finish: oneshot::Sender<()>,
}

/// A daemon in a task, with everything the test needs to drive and watch it.
struct Harness {
    clock: ManualClock,
    alarm: RecordingAlarm,
    nudges: mpsc::UnboundedSender<()>,
    controls: mpsc::Sender<Control>,
    started: mpsc::UnboundedReceiver<Started>,
    metrics: Arc<Metrics>,
    /// What the next reload returns.
    next_set: NextSet,
    daemon: JoinHandle<Stopped>,
}

impl Harness {
    /// Starts a daemon for `jobs` at [`START`] and lets it arm its alarms.
    async fn start(jobs: Vec<Job>, concurrency: usize, grace: Duration) -> Self {
        let clock = ManualClock::new(ts(START));
        let alarm = RecordingAlarm::default();
        let (nudges, nudged) = mpsc::unbounded_channel();
        let (controls, controlled) = mpsc::channel(8);
        let (starts, started) = mpsc::unbounded_channel();
        let metrics = Arc::new(Metrics::default());
        let next_set: NextSet = Arc::default();
        let reload_set = next_set.clone();
        let execute: Execute = Arc::new(move |job: Job| {
            let (finish, finished) = oneshot::channel();
            let _ = starts.send(Started {
                job: job.name.clone(),
                finish,
            });
            Box::pin(async move {
                let _ = finished.await;
                Ok(Outcome::Skipped {
                    reason: "a test run".to_owned(),
                })
            })
        });
        let daemon = Daemon {
            clock: Arc::new(clock.clone()),
            execute,
            reload: Box::new(move || {
                reload_set
                    .lock()
                    .unwrap()
                    .take()
                    .expect("the test set what the reload returns")
            }),
            concurrency,
            grace,
            metrics: metrics.clone(),
        };
        let mut task_alarm = alarm.clone();
        let daemon =
            tokio::spawn(
                async move { daemon.run(jobs, &mut task_alarm, nudged, controlled).await },
            );
        settle().await;
        Self {
            clock,
            alarm,
            nudges,
            controls,
            started,
            metrics,
            next_set,
            daemon,
        }
    }

    /// Moves the clock to `START + offset`, nudges the daemon and lets it act.
    async fn wake_at(&self, offset: Duration) {
        self.clock.set(ts(START) + offset);
        self.nudges.send(()).expect("the daemon listens");
        settle().await;
    }

    /// The runs started since the last call.
    fn started(&mut self) -> Vec<Started> {
        let mut started = Vec::new();
        while let Ok(run) = self.started.try_recv() {
            started.push(run);
        }
        started
    }

    /// The alarm's pending instant for `job`.
    fn armed(&self, job: &str) -> Option<Timestamp> {
        self.alarm.pending.lock().unwrap().get(job).copied()
    }

    async fn control(&self, control: Control) {
        self.controls
            .send(control)
            .await
            .expect("the daemon listens");
        settle().await;
    }
}

/// Lets every task run until all wait (the clock is paused, so this takes no real time).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

fn names(runs: &[Started]) -> Vec<&str> {
    runs.iter().map(|run| run.job.as_str()).collect()
}
