//! `a0snap daemon`: wires the settings, the shared services, the signals, the alarm and the
//! optional metrics endpoint into a [`Daemon`], runs it, and maps how it stopped to `Ok` or a [`CliError`].

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::CliError;
use super::Services;
use super::publish::Publisher;
use crate::clock;
use crate::config::Settings;
use crate::jobs::{self, Job};
use crate::metrics::server::MetricsServer;
use crate::runner::{self, RunContext};
use crate::schedule::stop::AbortCause;
use crate::schedule::{Daemon, Execute, Hangup, SchedulerAlarm, Stopped, forward_signals};

/// Control messages queued before the daemon reads them.
const CONTROL_QUEUE: usize = 8;

/// Runs `jobs` on their schedules until SIGTERM or SIGINT.
pub(super) async fn run(settings: Settings, jobs: Vec<Job>) -> Result<(), CliError> {
    let services = Services::new(&settings, clock::system())?;
    let server = match settings.metrics_addr {
        Some(addr) => Some(MetricsServer::bind(addr).await?),
        None => None,
    };
    let (control_tx, controls) = mpsc::channel(CONTROL_QUEUE);
    let signals = forward_signals(control_tx, Hangup::Reload)
        .map_err(|source| CliError::Signals { source })?;
    let (nudge_tx, nudges) = mpsc::unbounded_channel();
    let mut alarm = SchedulerAlarm::start(services.clock.clone(), nudge_tx).await?;
    let (stop_serving, serving_stopped) = oneshot::channel::<()>();
    if let Some(server) = server {
        tracing::info!(addr = %server.addr(), "metrics served at /metrics and /healthz");
        let stopped = async move {
            let _ = serving_stopped.await;
        };
        tokio::spawn(server.serve(services.metrics.clone(), stopped));
    }
    let jobs_dir = settings.jobs_dir.clone();
    // Every job's series from the start, then each job's after each of its runs.
    let publisher = Publisher::new(&settings, &services);
    publisher.publish(&jobs).await;
    let daemon = Daemon {
        clock: services.clock.clone(),
        execute: execute(Arc::new(services.run_context(&settings)), publisher.clone()),
        reload: Box::new(move || jobs::load_dir(&jobs_dir)),
        concurrency: settings.job_concurrency,
        grace: settings.grace_period,
        metrics: services.metrics.clone(),
    };
    tracing::info!(
        jobs = jobs.len(),
        pid = std::process::id(),
        "daemon started; SIGTERM or SIGINT stops it (the third one or SIGQUIT aborts running jobs), SIGHUP reloads the jobs folder"
    );
    let stopped = daemon.run(jobs, &mut alarm, nudges, controls).await;
    alarm.stop().await;
    signals.abort();
    let _ = stop_serving.send(());
    match stopped {
        Stopped::Clean => Ok(()),
        Stopped::Aborted { jobs, cause } => Err(CliError::Aborted {
            jobs,
            grace: settings.grace_period,
            forced_by: match cause {
                AbortCause::GraceRanOut => None,
                AbortCause::Forced(forced) => Some(forced.to_string()),
            },
        }),
    }
}

/// A run is the runner with the shared context, then the job's metrics published.
fn execute(context: Arc<RunContext>, publisher: Publisher) -> Execute {
    Arc::new(move |job: Job| {
        let (context, publisher) = (context.clone(), publisher.clone());
        Box::pin(async move {
            let outcome = runner::run_job(&job, &context).await;
            publisher.publish(std::slice::from_ref(&job)).await;
            outcome
        })
    })
}
