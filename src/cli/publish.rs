//! After every run (`a0snap run` and each daemon run): each job's last run and last success,
//! read from the output folder, go into the process's metrics; then, when configured, the
//! whole registry is written to `A0SNAP_METRICS_FILE` and pushed to `A0SNAP_PUSHGATEWAY_URL`,
//! and with `A0SNAP_REPORT=1` the HTML report `{out}/index.html` is written again
//! ([`super::report::hook`]).
//!
//! The file always carries every job of the jobs folder, including jobs not run this time: the
//! output folder (`last-run.json`, `latest.meta.json`) is the memory between processes, so
//! nothing is merged from the previous file. A file or push that fails is logged as a warning
//! and never changes the run's outcome or exit code: the snapshots are written either way.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::{ExposeSecret as _, SecretString};

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::jobs::Job;
use crate::metrics::push::{self, JobSeries};
use crate::metrics::{LastRunFacts, Metrics, file};
use crate::status::{self, last_run::RunEnd};
use crate::store::Output;

/// Where the metrics go after a run, and what they are read from.
#[derive(Debug, Clone)]
pub(crate) struct Publisher {
    /// The process's metrics.
    metrics: Arc<Metrics>,
    /// The output the jobs write below (a folder or an object store).
    output: Output,
    /// `A0SNAP_METRICS_FILE`.
    file: Option<PathBuf>,
    /// `A0SNAP_REPORT=1`: the jobs folder the report lists, when it is on.
    report_jobs: Option<PathBuf>,
    /// `A0SNAP_PUSHGATEWAY_URL` (a secret: it may hold a password).
    pushgateway: Option<SecretString>,
    /// The process's HTTP client.
    http: reqwest::Client,
    /// "Now", for the status of each job.
    clock: SharedClock,
}

impl Publisher {
    /// The publisher of `settings`; it also keeps the gauges of `metrics` (the daemon's
    /// `/metrics`) current when neither the file nor the push is set.
    pub(crate) fn new(settings: &Settings, services: &super::Services) -> Self {
        Self {
            metrics: services.metrics.clone(),
            output: settings.output.clone(),
            file: settings.metrics_file.clone(),
            pushgateway: settings.pushgateway_url.clone(),
            report_jobs: settings.report.then(|| settings.jobs_dir.clone()),
            http: services.http.clone(),
            clock: services.clock.clone(),
        }
    }

    /// Whether anything reads what [`Publisher::publish`] gathers without the daemon's
    /// `/metrics`: the metrics file, the Pushgateway or the report. `a0snap run` publishes
    /// only then: gathering reads each job's `last-run.json` and meta files again, and from a
    /// store that stopped answering each read waits out the client's retries (about 3
    /// minutes), so a run whose store went away would hang for every job after its summary.
    pub(crate) fn has_destination(&self) -> bool {
        self.file.is_some() || self.pushgateway.is_some() || self.report_jobs.is_some()
    }

    /// Reads `jobs`' last runs into the metrics, then writes the file and pushes `jobs`'
    /// groups (and the process's) when configured.
    pub(crate) async fn publish(&self, jobs: &[Job]) {
        let (metrics, out, now) = (self.metrics.clone(), self.output.clone(), self.clock.now());
        let (jobs, file) = (jobs.to_vec(), self.file.clone());
        let report_jobs = self.report_jobs.clone();
        let gathered = tokio::task::spawn_blocking(move || {
            let series = gather(&metrics, &jobs, &out, now);
            if let Some(path) = file {
                write_file(&metrics, &path);
            }
            match (report_jobs, out.local_dir()) {
                (Some(jobs_dir), Some(dir)) => super::report::hook(&jobs_dir, dir, now),
                (Some(_), None) => tracing::warn!(output = %out, "A0SNAP_REPORT writes index.html into a local output folder; it is not written to object storage"),
                _ => {}
            }
            series
        })
        .await;
        let series = match gathered {
            Ok(series) => series,
            Err(error) => {
                tracing::warn!(%error, "could not publish the metrics");
                return;
            }
        };
        if let Some(url) = &self.pushgateway {
            let pushed = push::push(&self.http, url.expose_secret(), &self.metrics, &series).await;
            match pushed {
                Ok(()) => tracing::debug!(jobs = series.len(), "metrics pushed"),
                Err(error) => tracing::warn!(%error, "could not push the metrics"),
            }
        }
    }
}

/// Sets each job's gauges from the output folder; the series to push.
fn gather(metrics: &Metrics, jobs: &[Job], out: &Output, now: jiff::Timestamp) -> Vec<JobSeries> {
    jobs.iter()
        .map(|job| {
            let status = status::job_status(job, out, now, None);
            let last_run = status.last_run.as_ref().map(|run| LastRunFacts {
                finished: run.finished,
                success: run.outcome == RunEnd::Success,
                duration: std::time::Duration::from_millis(run.duration_ms),
                records: run.records,
                pages: run.pages,
                rate_limited: run.rate_limited,
                token_requests: run.token_requests,
            });
            let last_success = status.last_success.as_ref().map(|success| success.at);
            metrics.set_last_run(&job.name, last_run.as_ref(), last_success);
            JobSeries {
                job: job.name.clone(),
                last_run,
                last_success,
            }
        })
        .collect()
}

/// Writes the whole registry to `path`, logging a failure.
fn write_file(metrics: &Metrics, path: &Path) {
    match file::write(path, &metrics.render()) {
        Ok(()) => tracing::debug!(path = %path.display(), "metrics file written"),
        Err(error) => tracing::warn!(%error, "could not write the metrics file"),
    }
}
