//! Counters and gauges in one `prometheus-client` [`Registry`]: what the daemon's `/metrics`
//! endpoint serves, what `A0SNAP_METRICS_FILE` holds and what goes to a Pushgateway.
//!
//! One [`Metrics`] per process, shared as `Arc<Metrics>` by the token cache (token requests),
//! the API client (429 answers), the daemon (runs, records, skipped overlaps) and the command
//! line, which sets each job's last-run gauges from the output folder ([`Metrics::set_last_run`]).
//! Counting is always on and costs an atomic add or a short lock. [`Metrics::render`] writes
//! the Prometheus text exposition format (version 0.0.4) through the crate's encoder;
//! [`file`](mod@file) and [`push`] publish it, [`server`] serves it. This module knows nothing about
//! jobs, runs or the output folder: it is told numbers.

pub(crate) mod file;
mod last_run;
pub(crate) mod push;
pub(crate) mod server;
#[cfg(test)]
mod tests;

use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub(crate) use last_run::LastRunFacts;
use last_run::{LAST_RUN_SERIES, LastRunFamilies};

/// How one daemon run of a job ended, as the `outcome` label of `a0snap_job_runs_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RunOutcome {
    /// A snapshot was written.
    Success,
    /// The run failed (API or snapshot error).
    Failure,
    /// Another process held the job's lock; nothing was done.
    Locked,
    /// The daemon stopped and the grace period ran out before the run finished.
    Aborted,
}

impl RunOutcome {
    /// Every outcome, in the order the series are created.
    const ALL: [RunOutcome; 4] = [
        RunOutcome::Success,
        RunOutcome::Failure,
        RunOutcome::Locked,
        RunOutcome::Aborted,
    ];

    /// The label value.
    pub(crate) fn label(self) -> &'static str {
        match self {
            RunOutcome::Success => "success",
            RunOutcome::Failure => "failure",
            RunOutcome::Locked => "locked",
            RunOutcome::Aborted => "aborted",
        }
    }
}

/// The label of a per-job series: `job="{name}"`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabel {
    job: String,
}

/// The labels of `a0snap_job_runs_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    job: String,
    outcome: &'static str,
}

/// A gauge holding seconds or a Unix time, with a fraction.
type Seconds = Gauge<f64, AtomicU64>;

/// The daemon counters of one job, as tests read them.
#[cfg(test)]
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct JobCounters {
    /// Runs by outcome (outcomes never seen are absent).
    pub runs: std::collections::BTreeMap<RunOutcome, u64>,
    /// Records written by successful runs.
    pub records: u64,
    /// Fire times skipped because the previous run was still going.
    pub skipped_overlaps: u64,
}

/// The process's metrics. `Send + Sync`; share it in an `Arc`.
#[derive(Debug)]
pub(crate) struct Metrics {
    /// Everything below, registered once; rendering encodes it.
    registry: Registry,
    /// Token requests made to Auth0 (renewals; retries inside one renewal are not counted).
    token_requests: Counter,
    /// The same, by the job whose request made it (the one leading the single flight).
    job_token_requests: Family<JobLabel, Counter>,
    /// 429 answers from the Management API.
    rate_limited: Counter,
    /// The same, by the job whose request got it.
    job_rate_limited: Family<JobLabel, Counter>,
    /// Job runs in progress (started or waiting for a slot) in the daemon.
    running: Gauge,
    /// Daemon runs by job and outcome.
    runs: Family<RunLabels, Counter>,
    /// When each job's last successful run finished.
    last_success: Family<JobLabel, Seconds>,
    /// Records written by the daemon's successful runs.
    records: Family<JobLabel, Counter>,
    /// Fire times skipped because the previous run was still going.
    skipped: Family<JobLabel, Counter>,
    /// Each job's last run, from the output folder.
    last: LastRunFamilies,
}

impl Default for Metrics {
    fn default() -> Self {
        let metrics = Self {
            registry: Registry::default(),
            token_requests: Counter::default(),
            job_token_requests: Family::default(),
            rate_limited: Counter::default(),
            job_rate_limited: Family::default(),
            running: Gauge::default(),
            runs: Family::default(),
            last_success: Family::default(),
            records: Family::default(),
            skipped: Family::default(),
            last: LastRunFamilies::default(),
        };
        let mut registry = Registry::default();
        // Help texts without a final period: the registry adds one.
        let r = &mut registry;
        r.register(
            "a0snap_job_runs",
            "Job runs by outcome",
            metrics.runs.clone(),
        );
        r.register(
            "a0snap_job_last_success_timestamp_seconds",
            LAST_SUCCESS_HELP,
            metrics.last_success.clone(),
        );
        r.register(
            "a0snap_records_exported",
            "Records written by successful runs",
            metrics.records.clone(),
        );
        r.register(
            "a0snap_job_skipped_overlaps",
            "Fire times skipped because the job's previous run was still going",
            metrics.skipped.clone(),
        );
        metrics.last.register(r);
        r.register(
            "a0snap_token_requests",
            "Token requests made to Auth0 by this process",
            metrics.token_requests.clone(),
        );
        r.register(
            "a0snap_rate_limited",
            "429 Too Many Requests answers from the Management API to this process",
            metrics.rate_limited.clone(),
        );
        r.register(
            "a0snap_job_token_requests",
            "Token requests made to Auth0 for the job's requests in this process",
            metrics.job_token_requests.clone(),
        );
        r.register(
            "a0snap_job_rate_limited",
            "429 Too Many Requests answers to the job's requests in this process",
            metrics.job_rate_limited.clone(),
        );
        r.register(
            "a0snap_jobs_running",
            "Job runs in progress or waiting for a slot",
            metrics.running.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }
}

/// The help of `a0snap_job_last_success_timestamp_seconds`.
const LAST_SUCCESS_HELP: &str =
    "When the job's last successful run finished, in seconds since the Unix epoch";

impl Metrics {
    /// Counts a token request, and against `job` when a job's request made it.
    pub(crate) fn token_requested(&self, job: Option<&str>) {
        self.token_requests.inc();
        if let Some(job) = job {
            self.job_token_requests.get_or_create(&job_label(job)).inc();
        }
    }

    /// Token requests `job`'s requests made in this process so far.
    pub(crate) fn job_token_requests(&self, job: &str) -> u64 {
        self.job_token_requests
            .get(&job_label(job))
            .map_or(0, |counter| counter.get())
    }

    /// Counts a 429 answer, and against `job` when a job's request got it.
    pub(crate) fn rate_limited(&self, job: Option<&str>) {
        self.rate_limited.inc();
        if let Some(job) = job {
            self.job_rate_limited.get_or_create(&job_label(job)).inc();
        }
    }

    /// 429 answers `job`'s requests got in this process so far.
    pub(crate) fn job_rate_limited(&self, job: &str) -> u64 {
        self.job_rate_limited
            .get(&job_label(job))
            .map_or(0, |counter| counter.get())
    }

    /// Sets the number of runs in progress.
    pub(crate) fn set_running(&self, running: usize) {
        self.running.set(i64::try_from(running).unwrap_or(i64::MAX));
    }

    /// Makes every job's counters exist (at zero) before its first run, so dashboards and
    /// alerts see the job from the start.
    pub(crate) fn register_jobs<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            // Creating the series is the point; the guards are dropped at once.
            for outcome in RunOutcome::ALL {
                drop(self.runs.get_or_create(&run_labels(name, outcome)));
            }
            drop(self.records.get_or_create(&job_label(name)));
            drop(self.skipped.get_or_create(&job_label(name)));
        }
    }

    /// Counts a finished daemon run; a success also records its records and finish time.
    pub(crate) fn run_finished(&self, job: &str, outcome: RunOutcome, records: u64, at: Timestamp) {
        self.register_jobs([job]);
        self.runs.get_or_create(&run_labels(job, outcome)).inc();
        if outcome == RunOutcome::Success {
            self.records.get_or_create(&job_label(job)).inc_by(records);
            self.last_success
                .get_or_create(&job_label(job))
                .set(unix_seconds(at));
        }
    }

    /// Sets `job`'s last-run gauges, and its last success time when known (both as the output
    /// folder tells them; `a0snap run` and the daemon call this after each run).
    pub(crate) fn set_last_run(
        &self,
        job: &str,
        last_run: Option<&LastRunFacts>,
        last_success: Option<Timestamp>,
    ) {
        let label = job_label(job);
        if let Some(facts) = last_run {
            self.last.set(&label, facts);
        }
        if let Some(at) = last_success {
            self.last_success
                .get_or_create(&label)
                .set(unix_seconds(at));
        }
    }

    /// Counts a fire time skipped because the job's previous run was still going; returns
    /// the job's total so far.
    pub(crate) fn overlap_skipped(&self, job: &str) -> u64 {
        self.skipped.get_or_create(&job_label(job)).inc() + 1
    }

    /// Token requests so far.
    pub(crate) fn token_requests(&self) -> u64 {
        self.token_requests.get()
    }

    /// 429 answers so far.
    pub(crate) fn rate_limited_answers(&self) -> u64 {
        self.rate_limited.get()
    }

    /// A copy of one job's daemon counters (only tests ask).
    #[cfg(test)]
    pub(crate) fn job(&self, job: &str) -> JobCounters {
        let count = |family: &Family<JobLabel, Counter>| {
            family
                .get(&job_label(job))
                .map_or(0, |counter| counter.get())
        };
        JobCounters {
            runs: RunOutcome::ALL
                .into_iter()
                .filter_map(|outcome| {
                    let counter = self.runs.get(&run_labels(job, outcome))?;
                    Some((outcome, counter.get())).filter(|(_, runs)| *runs > 0)
                })
                .collect(),
            records: count(&self.records),
            skipped_overlaps: count(&self.skipped),
        }
    }

    /// Every series in the Prometheus text exposition format (version 0.0.4).
    pub(crate) fn render(&self) -> String {
        encode(&self.registry)
    }
}

/// `registry` in the Prometheus text format (version 0.0.4); writing to a `String` cannot fail.
fn encode(registry: &Registry) -> String {
    let mut text = String::new();
    let _ = prometheus_text::encode(&mut text, registry);
    text
}

fn job_label(job: &str) -> JobLabel {
    JobLabel {
        job: job.to_owned(),
    }
}

fn run_labels(job: &str, outcome: RunOutcome) -> RunLabels {
    RunLabels {
        job: job.to_owned(),
        outcome: outcome.label(),
    }
}

/// Seconds since the Unix epoch, with milliseconds.
fn unix_seconds(at: Timestamp) -> f64 {
    at.as_millisecond() as f64 / 1000.0
}
