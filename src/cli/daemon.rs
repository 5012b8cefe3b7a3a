//! `a0snap daemon`: wires the settings, the shared services, the signals, the alarm and the
//! optional metrics endpoint into a [`Daemon`], runs it, and maps how it stopped to an exit.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{Exit, failure, usage_error};
use crate::clock;
use crate::config::Settings;
use crate::jobs::{self, Job};
use crate::metrics::server::MetricsServer;
use crate::runner::{self, RunContext};
use crate::schedule::{Daemon, Execute, SchedulerAlarm, Stopped, forward_signals};
use crate::services::Services;

/// Control messages queued before the daemon reads them.
const CONTROL_QUEUE: usize = 8;

/// Runs `jobs` on their schedules until SIGTERM or SIGINT.
pub async fn run(settings: Settings, jobs: Vec<Job>) -> Exit {
    let services = match Services::new(&settings, clock::system()) {
        Ok(services) => services,
        Err(error) => return usage_error(&error),
    };
    let server = match settings.metrics_addr {
        Some(addr) => match MetricsServer::bind(addr).await {
            Ok(server) => Some(server),
            Err(error) => return usage_error(&error),
        },
        None => None,
    };
    let (control_tx, controls) = mpsc::channel(CONTROL_QUEUE);
    let signals = match forward_signals(control_tx) {
        Ok(signals) => signals,
        Err(error) => return failure(&format!("cannot listen for signals: {error}")),
    };
    let (nudge_tx, nudges) = mpsc::unbounded_channel();
    let mut alarm = match SchedulerAlarm::start(services.clock.clone(), nudge_tx).await {
        Ok(alarm) => alarm,
        Err(error) => return failure(&error),
    };
    let (stop_serving, serving_stopped) = oneshot::channel::<()>();
    if let Some(server) = server {
        tracing::info!(addr = %server.addr(), "metrics served at /metrics and /healthz");
        let stopped = async move {
            let _ = serving_stopped.await;
        };
        tokio::spawn(server.serve(services.metrics.clone(), stopped));
    }
    let jobs_dir = settings.jobs_dir.clone();
    let daemon = Daemon {
        clock: services.clock.clone(),
        execute: execute(Arc::new(services.run_context(&settings))),
        reload: Box::new(move || jobs::load_dir(&jobs_dir)),
        concurrency: settings.job_concurrency,
        grace: settings.grace_period,
        metrics: services.metrics.clone(),
    };
    tracing::info!(
        jobs = jobs.len(),
        pid = std::process::id(),
        "daemon started; SIGTERM or SIGINT stops it, SIGHUP reloads the jobs folder"
    );
    let stopped = daemon.run(jobs, &mut alarm, nudges, controls).await;
    alarm.stop().await;
    signals.abort();
    let _ = stop_serving.send(());
    match stopped {
        Stopped::Clean => Exit::Success,
        Stopped::Aborted { jobs } => failure(&format!(
            "aborted {} when the grace period ({}) ran out; a run stopped before its commit leaves nothing visible, one already committing finishes it (raise A0SNAP_GRACE_PERIOD to let runs finish)",
            jobs.join(", "),
            crate::interval::format_every(settings.grace_period),
        )),
    }
}

/// A run is the runner with the shared context.
fn execute(context: Arc<RunContext>) -> Execute {
    Arc::new(move |job: Job| {
        let context = context.clone();
        Box::pin(async move { runner::run_job(&job, &context).await })
    })
}
