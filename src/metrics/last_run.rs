//! Each job's last run as gauges (`a0snap_job_last_run_*{job}`): the facts the command line
//! reads from the output folder, the series they become, and their families in the registry.
//! The push ([`super::push`]) sends the same series without labels.

use jiff::Timestamp;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use super::{JobLabel, Seconds, unix_seconds};

/// How many last-run series there are.
const SERIES: usize = 7;

/// What a job's last run left behind (`{out}/{job}/last-run.json` and the last success), as
/// the command line reads it from the output folder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LastRunFacts {
    /// When the last run finished.
    pub finished: Timestamp,
    /// Whether it succeeded.
    pub success: bool,
    /// Its wall time.
    pub duration: std::time::Duration,
    /// Records it wrote (0 for a failure).
    pub records: u64,
    /// Pages it fetched (0 for a failure).
    pub pages: u64,
    /// 429 answers its requests got.
    pub rate_limited: u64,
    /// Token requests its requests made.
    pub token_requests: u64,
}

/// The per-job gauges of the last run, one family per entry of [`LAST_RUN_SERIES`].
#[derive(Debug, Default, Clone)]
pub(super) struct LastRunFamilies([Family<JobLabel, Seconds>; SERIES]);

/// The last-run series: name (after `a0snap_job_`) and help, in the order of
/// [`LastRunFacts::values`]. The push ([`super::push`]) registers the same names without labels.
pub(super) const LAST_RUN_SERIES: [(&str, &str); SERIES] = [
    (
        "last_run_timestamp_seconds",
        "When the job's last run finished, success or not, in seconds since the Unix epoch",
    ),
    (
        "last_run_success",
        "1 if the job's last run succeeded, 0 if it failed",
    ),
    (
        "last_run_duration_seconds",
        "Wall time of the job's last run",
    ),
    ("last_run_records", "Records the job's last run wrote"),
    ("last_run_pages", "Pages the job's last run fetched"),
    (
        "last_run_rate_limited",
        "429 Too Many Requests answers to the job's last run",
    ),
    (
        "last_run_token_requests",
        "Token requests the job's last run made to Auth0",
    ),
];

impl LastRunFacts {
    /// The values of [`LAST_RUN_SERIES`], in its order.
    pub(super) fn values(&self) -> [f64; SERIES] {
        [
            unix_seconds(self.finished),
            if self.success { 1.0 } else { 0.0 },
            self.duration.as_secs_f64(),
            self.records as f64,
            self.pages as f64,
            self.rate_limited as f64,
            self.token_requests as f64,
        ]
    }
}

impl LastRunFamilies {
    /// Registers the families as `a0snap_job_last_run_timestamp_seconds` and so on.
    pub(super) fn register(&self, registry: &mut Registry) {
        for ((name, help), family) in LAST_RUN_SERIES.iter().zip(&self.0) {
            registry.register(format!("a0snap_job_{name}"), *help, family.clone());
        }
    }

    /// Sets `label`'s gauges to `facts`.
    pub(super) fn set(&self, label: &JobLabel, facts: &LastRunFacts) {
        for (family, value) in self.0.iter().zip(facts.values()) {
            family.get_or_create(label).set(value);
        }
    }
}
