//! Counters for long-running use: what the daemon's `/metrics` endpoint shows.
//!
//! One [`Metrics`] per process, shared as `Arc<Metrics>` by the token cache (token requests),
//! the API client (429 answers) and the daemon (runs, records, skipped overlaps). Counting is
//! always on and costs an atomic add or a short lock; serving them over HTTP ([`server`]) is
//! off unless `A0SNAP_METRICS_ADDR` is set. [`Metrics::render`] writes the Prometheus text
//! exposition format; this module knows nothing about HTTP.

pub(crate) mod server;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;

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

/// The process's counters. `Send + Sync`; share it in an `Arc`.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// Token requests made to Auth0 (renewals; retries inside one renewal are not counted).
    token_requests: AtomicU64,
    /// 429 answers from the Management API.
    rate_limited: AtomicU64,
    /// Job runs in progress (started or waiting for a slot) in the daemon.
    running: AtomicU64,
    /// Per-job counters. A std mutex: held for a few map operations, never across an await.
    jobs: Mutex<BTreeMap<String, JobCounters>>,
}

/// The counters of one job.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct JobCounters {
    /// Runs by outcome.
    pub runs: BTreeMap<RunOutcome, u64>,
    /// When the last successful run finished.
    pub last_success: Option<Timestamp>,
    /// Records written by successful runs.
    pub records: u64,
    /// Fire times skipped because the previous run was still going.
    pub skipped_overlaps: u64,
}

impl Metrics {
    /// Counts a token request.
    pub(crate) fn token_requested(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a 429 answer.
    pub(crate) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Sets the number of runs in progress.
    pub(crate) fn set_running(&self, running: usize) {
        self.running.store(running as u64, Ordering::Relaxed);
    }

    /// Makes every job's series exist (at zero) before its first run, so dashboards and
    /// alerts see the job from the start.
    pub(crate) fn register_jobs<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let mut jobs = self.jobs();
        for name in names {
            jobs.entry(name.to_owned()).or_default();
        }
    }

    /// Counts a finished run; a success also records its records and finish time.
    pub(crate) fn run_finished(&self, job: &str, outcome: RunOutcome, records: u64, at: Timestamp) {
        let mut jobs = self.jobs();
        let counters = jobs.entry(job.to_owned()).or_default();
        *counters.runs.entry(outcome).or_default() += 1;
        if outcome == RunOutcome::Success {
            counters.records += records;
            counters.last_success = Some(at);
        }
    }

    /// Counts a fire time skipped because the job's previous run was still going; returns
    /// the job's total so far.
    pub(crate) fn overlap_skipped(&self, job: &str) -> u64 {
        let mut jobs = self.jobs();
        let counters = jobs.entry(job.to_owned()).or_default();
        counters.skipped_overlaps += 1;
        counters.skipped_overlaps
    }

    /// Token requests so far.
    pub(crate) fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    /// 429 answers so far.
    pub(crate) fn rate_limited_answers(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }

    /// A copy of one job's counters (only tests ask).
    #[cfg(test)]
    pub(crate) fn job(&self, job: &str) -> JobCounters {
        self.jobs().get(job).cloned().unwrap_or_default()
    }

    /// Every counter in the Prometheus text exposition format (version 0.0.4).
    pub(crate) fn render(&self) -> String {
        let jobs = self.jobs().clone();
        let mut text = String::new();
        family(
            &mut text,
            "a0snap_job_runs_total",
            "counter",
            "Job runs by outcome.",
        );
        for (job, counters) in &jobs {
            for outcome in [
                RunOutcome::Success,
                RunOutcome::Failure,
                RunOutcome::Locked,
                RunOutcome::Aborted,
            ] {
                let count = counters.runs.get(&outcome).copied().unwrap_or(0);
                let labels = format!("job=\"{}\",outcome=\"{}\"", escape(job), outcome.label());
                sample(&mut text, "a0snap_job_runs_total", &labels, count);
            }
        }
        family(
            &mut text,
            "a0snap_job_last_success_timestamp_seconds",
            "gauge",
            "When the job's last successful run finished, in seconds since the Unix epoch.",
        );
        for (job, counters) in &jobs {
            if let Some(at) = counters.last_success {
                let seconds = at.as_millisecond() as f64 / 1000.0;
                let labels = format!("job=\"{}\"", escape(job));
                sample(
                    &mut text,
                    "a0snap_job_last_success_timestamp_seconds",
                    &labels,
                    seconds,
                );
            }
        }
        let per_job: [(&str, &str, PerJob); 2] = [
            (
                "a0snap_records_exported_total",
                "Records written by successful runs.",
                |counters| counters.records,
            ),
            (
                "a0snap_job_skipped_overlaps_total",
                "Fire times skipped because the job's previous run was still going.",
                |counters| counters.skipped_overlaps,
            ),
        ];
        for (name, help, value) in per_job {
            family(&mut text, name, "counter", help);
            for (job, counters) in &jobs {
                sample(
                    &mut text,
                    name,
                    &format!("job=\"{}\"", escape(job)),
                    value(counters),
                );
            }
        }
        let process: [(&str, &str, &str, u64); 3] = [
            (
                "a0snap_token_requests_total",
                "counter",
                "Token requests made to Auth0.",
                self.token_requests(),
            ),
            (
                "a0snap_rate_limited_total",
                "counter",
                "429 Too Many Requests answers from the Management API.",
                self.rate_limited_answers(),
            ),
            (
                "a0snap_jobs_running",
                "gauge",
                "Job runs in progress or waiting for a slot.",
                self.running.load(Ordering::Relaxed),
            ),
        ];
        for (name, kind, help, value) in process {
            family(&mut text, name, kind, help);
            sample(&mut text, name, "", value);
        }
        text
    }

    fn jobs(&self) -> MutexGuard<'_, BTreeMap<String, JobCounters>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Reads one per-job counter.
type PerJob = fn(&JobCounters) -> u64;

fn family(text: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(text: &mut String, name: &str, labels: &str, value: impl std::fmt::Display) {
    if labels.is_empty() {
        let _ = writeln!(text, "{name} {value}");
    } else {
        let _ = writeln!(text, "{name}{{{labels}}} {value}");
    }
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_job_shows_zero_counters_before_its_first_run() {
        let metrics = Metrics::default();
        metrics.register_jobs(["apps"]);
        let text = metrics.render();
        assert!(text.contains("a0snap_job_runs_total{job=\"apps\",outcome=\"success\"} 0\n"));
        assert!(text.contains("a0snap_job_skipped_overlaps_total{job=\"apps\"} 0\n"));
        assert!(!text.contains("a0snap_job_last_success_timestamp_seconds{"));
    }

    #[test]
    fn runs_records_skips_tokens_and_429s_are_rendered_in_the_text_format() {
        let metrics = Metrics::default();
        let at: Timestamp = "2026-01-01T00:00:01.5Z".parse().unwrap();
        metrics.run_finished("apps", RunOutcome::Success, 12, at);
        metrics.run_finished("apps", RunOutcome::Success, 3, at);
        metrics.run_finished("apps", RunOutcome::Aborted, 99, at);
        assert_eq!(metrics.overlap_skipped("apps"), 1);
        metrics.token_requested();
        metrics.rate_limited();
        metrics.rate_limited();
        metrics.set_running(1);
        let text = metrics.render();
        for line in [
            "# TYPE a0snap_job_runs_total counter",
            "a0snap_job_runs_total{job=\"apps\",outcome=\"success\"} 2",
            "a0snap_job_runs_total{job=\"apps\",outcome=\"aborted\"} 1",
            "a0snap_job_runs_total{job=\"apps\",outcome=\"failure\"} 0",
            "a0snap_job_last_success_timestamp_seconds{job=\"apps\"} 1767225601.5",
            "a0snap_records_exported_total{job=\"apps\"} 15",
            "a0snap_job_skipped_overlaps_total{job=\"apps\"} 1",
            "a0snap_token_requests_total 1",
            "a0snap_rate_limited_total 2",
            "a0snap_jobs_running 1",
        ] {
            assert!(
                text.lines().any(|got| got == line),
                "{line} missing from\n{text}"
            );
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
