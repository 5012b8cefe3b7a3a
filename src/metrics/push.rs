//! `A0SNAP_PUSHGATEWAY_URL`: the same facts as the metrics file, pushed to a Prometheus
//! Pushgateway after every run.
//!
//! The Pushgateway's grouping key replaces a `job` label (a pushed series must not carry a
//! label of its grouping key), so each a0snap job is pushed as its own group,
//! `PUT {url}/metrics/job/a0snap/job_name/{job}`, with the per-job series of the metrics file
//! without labels (the Pushgateway adds `job="a0snap"` and `job_name="{job}"`); the process's
//! counters (token requests, 429 answers) go to the group `PUT {url}/metrics/job/a0snap`. A PUT
//! replaces the whole group, so a group always holds one run's facts. Job names are
//! `[a-z0-9_-]`, safe in a URL path as they are.

use jiff::Timestamp;
use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::{LAST_RUN_SERIES, LAST_SUCCESS_HELP, LastRunFacts, Metrics, Seconds, encode};

/// The `job` label of every pushed group.
pub(crate) const PUSH_JOB: &str = "a0snap";

/// One a0snap job's facts to push.
#[derive(Debug, Clone)]
pub(crate) struct JobSeries {
    /// The job's name (`job_name` in the grouping key).
    pub job: String,
    /// Its last run, if it left a trace.
    pub last_run: Option<LastRunFacts>,
    /// When its last success finished, if any.
    pub last_success: Option<Timestamp>,
}

/// Why a push failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PushError {
    /// The request could not be sent or answered.
    #[error(
        "A0SNAP_PUSHGATEWAY_URL: cannot push to {url}: {detail}; check that the Pushgateway is reachable"
    )]
    Unreachable {
        /// The group's URL.
        url: String,
        /// What the HTTP client said.
        detail: String,
    },
    /// The Pushgateway refused the push.
    #[error("A0SNAP_PUSHGATEWAY_URL: {url} answered {status}: {body}")]
    Refused {
        /// The group's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of its answer.
        body: String,
    },
}

/// The text pushed for one job: its series without labels.
pub(crate) fn job_text(series: &JobSeries) -> String {
    let mut registry = Registry::default();
    if let Some(at) = series.last_success {
        let gauge = Seconds::default();
        gauge.set(super::unix_seconds(at));
        registry.register(
            "a0snap_job_last_success_timestamp_seconds",
            LAST_SUCCESS_HELP,
            gauge,
        );
    }
    if let Some(facts) = &series.last_run {
        for ((name, help), value) in LAST_RUN_SERIES.iter().zip(facts.values()) {
            let gauge: Gauge<f64, std::sync::atomic::AtomicU64> = Gauge::default();
            gauge.set(value);
            registry.register(format!("a0snap_job_{name}"), *help, gauge);
        }
    }
    encode(&registry)
}

/// The text pushed for the process: its token requests and 429 answers.
pub(crate) fn process_text(metrics: &Metrics) -> String {
    let mut registry = Registry::default();
    for (name, help, value) in [
        (
            "a0snap_token_requests",
            "Token requests made to Auth0 by the last process that pushed",
            metrics.token_requests(),
        ),
        (
            "a0snap_rate_limited",
            "429 Too Many Requests answers from the Management API to the last process that pushed",
            metrics.rate_limited_answers(),
        ),
    ] {
        let counter: Counter = Counter::default();
        counter.inc_by(value);
        registry.register(name, help, counter);
    }
    encode(&registry)
}

/// Pushes every job's group and the process's group to the Pushgateway at `base` (its root
/// URL, as `http://pushgateway:9091`); the first failure ends the push.
pub(crate) async fn push(
    client: &reqwest::Client,
    base: &str,
    metrics: &Metrics,
    jobs: &[JobSeries],
) -> Result<(), PushError> {
    let root = format!("{}/metrics/job/{PUSH_JOB}", base.trim_end_matches('/'));
    for series in jobs {
        put(
            client,
            &format!("{root}/job_name/{}", series.job),
            job_text(series),
        )
        .await?;
    }
    put(client, &root, process_text(metrics)).await
}

/// One `PUT` of `text` to `url`.
async fn put(client: &reqwest::Client, url: &str, text: String) -> Result<(), PushError> {
    let shown = without_credentials(url);
    let unreachable = |error: reqwest::Error| PushError::Unreachable {
        url: shown.clone(),
        detail: error.without_url().to_string(),
    };
    let answer = client
        .put(url)
        .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
        .body(text)
        .send()
        .await
        .map_err(unreachable)?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let body = answer.text().await.unwrap_or_default();
    Err(PushError::Refused {
        url: shown,
        status: status.as_u16(),
        body: body.chars().take(200).collect(),
    })
}

/// `url` without a user name or password, for messages (a Pushgateway behind basic auth is
/// given as `https://user:password@host`).
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => "the Pushgateway URL".to_owned(),
    }
}
