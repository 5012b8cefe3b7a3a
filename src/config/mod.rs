//! Settings from the environment (read with envy) and command-line flags, checked once.
//!
//! Two stages, as in ripgrep: [`RawEnv`] is what the user typed, every field optional and a
//! string; [`Settings`] is the checked result that the rest of the program uses. Every problem
//! is collected and reported at once, each naming the variable and the fix. The client secret
//! is held as a [`secrecy::SecretString`] from the moment it is read, so no `Debug` or error can print it.

use crate::store::Output;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

mod authentication;
mod env;
mod problems;
mod resolve;
#[cfg(test)]
mod tests;
mod values;

pub use crate::auth::{AssertionAlg, ClientAuthentication, Credentials, SigningKey};
pub(crate) use env::RawEnv;
pub(crate) use resolve::{jobs_dir, output_dir};

/// Values given on the command line; each one wins over its variable.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--jobs-dir`
    pub jobs_dir: Option<PathBuf>,
    /// `--out`
    pub output_dir: Option<PathBuf>,
    /// `--state-dir`
    pub state_dir: Option<PathBuf>,
    /// `--log-format`
    pub log_format: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where the token is cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCacheSetting {
    /// Memory and a private file in the state folder.
    File,
    /// This process only.
    Memory,
}

/// Knobs of the HTTP client and the request pacing.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Extra trusted root certificate (PEM).
    pub ca_file: Option<PathBuf>,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request, body included.
    pub request_timeout: Duration,
    /// Most API requests in flight at once, across all jobs of the process.
    pub max_in_flight: usize,
    /// Most API requests started per second, across all jobs; `None` paces by Auth0's headers only.
    pub requests_per_second: Option<f64>,
    /// Retries of one request after its first attempt (429, 408, 5xx, timeouts, broken
    /// connections), for the token request, the API and the export download alike.
    pub max_retries: u32,
    /// The longest single wait before a retry; an answer asking for more fails the request.
    pub max_retry_wait: Duration,
    /// The time one job run may take, its waits and retries included; `None` for no limit.
    pub job_timeout: Option<Duration>,
}

/// Everything the program needs, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The tenant and the machine-to-machine application a0snap acts as: the token
    /// exchange's own type, so the settings hand it over as they read it.
    pub tenant: Credentials,
    /// Folder of job files.
    pub jobs_dir: PathBuf,
    /// Where snapshots go: a folder, or a bucket and prefix in an object store.
    pub output: Output,
    /// `A0SNAP_LEASE_TTL`: how long a job's lease in an object store lives without renewal.
    pub lease_ttl: Duration,
    /// Token cache and other state.
    pub state_dir: PathBuf,
    /// Where the token is cached.
    pub token_cache: TokenCacheSetting,
    /// HTTP client knobs.
    pub http: HttpSettings,
    /// Jobs run at once by the daemon and by `run`.
    pub job_concurrency: usize,
    /// How long the daemon waits for running jobs after SIGTERM.
    pub grace_period: Duration,
    /// Address for `/healthz` and `/metrics`, off when `None`.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// `A0SNAP_METRICS_FILE`: where the metrics are written after every run, off when `None`.
    pub metrics_file: Option<PathBuf>,
    /// `A0SNAP_PUSHGATEWAY_URL`: the Pushgateway's root URL (`http` or `https`) the metrics
    /// are pushed to after every run, off when `None`; a secret, as it may hold a password.
    pub pushgateway_url: Option<secrecy::SecretString>,
    /// Walks again from the start after a walk drifted (the tenant changed while it was
    /// read), before the job fails.
    pub max_rewalks: u32,
    /// `A0SNAP_REPORT`: whether `{out}/index.html` is written after every run (`1`/`true`).
    pub report: bool,
}

/// Default values, documented in the README's configuration table.
pub mod defaults {
    use std::time::Duration;
    /// `A0SNAP_CONNECT_TIMEOUT`
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// `A0SNAP_REQUEST_TIMEOUT`
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// `A0SNAP_MAX_IN_FLIGHT`
    pub const MAX_IN_FLIGHT: usize = 8;
    /// `A0SNAP_JOB_CONCURRENCY`
    pub const JOB_CONCURRENCY: usize = 4;
    /// `A0SNAP_LEASE_TTL`
    pub const LEASE_TTL: Duration = crate::store::DEFAULT_LEASE_TTL;
    /// `A0SNAP_GRACE_PERIOD`: below Kubernetes' 30 s termination grace.
    pub const GRACE_PERIOD: Duration = Duration::from_secs(25);
    /// `A0SNAP_MAX_RETRIES`
    pub const MAX_RETRIES: u32 = 5;
    /// `A0SNAP_MAX_RETRY_WAIT`
    pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
    /// `A0SNAP_MAX_REWALKS`
    pub const MAX_REWALKS: u32 = 2;
    /// `A0SNAP_JOB_TIMEOUT`
    pub const JOB_TIMEOUT: Duration = Duration::from_secs(3600);
}

/// One configuration problem: the variable and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The variable or flag at fault.
    pub variable: &'static str,
    /// What is wrong and the fix, in lower case.
    pub message: String,
}

/// Configuration errors.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The environment could not be read at all.
    #[error("could not read the environment: {detail}")]
    Environment {
        /// What envy reported.
        detail: String,
    },
    /// One or more settings are missing or malformed.
    #[error("{}", render(problems))]
    Invalid {
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

fn render(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|problem| format!("{}: {}", problem.variable, problem.message))
        .collect();
    format!("invalid configuration:\n  {}", lines.join("\n  "))
}

impl LogFormat {
    /// Parses `text` or `json`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }

    /// The log format from a flag or the environment, before the rest is checked: logging
    /// starts first, so that configuration errors are logged in the requested format.
    pub fn choose(flag: Option<&str>, env: &RawEnv) -> Result<Self, ConfigError> {
        match flag.or(env.a0snap_log_format.as_deref()) {
            None => Ok(LogFormat::Text),
            Some(value) => LogFormat::parse(value).ok_or_else(|| ConfigError::Invalid {
                problems: vec![Problem {
                    variable: "A0SNAP_LOG_FORMAT",
                    message: format!("{value:?} is not a log format; use \"text\" or \"json\""),
                }],
            }),
        }
    }
}

/// The variables a0snap reads, for `--help` and for the README check.
pub fn variables() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("AUTH0_DOMAIN", "tenant domain or base URL"),
        (
            "AUTH0_CLIENT_ID",
            "machine-to-machine application client id",
        ),
        ("AUTH0_CLIENT_SECRET", "its client secret"),
        (
            "AUTH0_CLIENT_SECRET_FILE",
            "a file holding the client secret",
        ),
        (
            "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
            "a file holding the private key (PEM) for Private Key JWT",
        ),
        (
            "AUTH0_CLIENT_ASSERTION_SIGNING_KEY",
            "the private key (PEM) itself, instead of the file",
        ),
        (
            "AUTH0_CLIENT_ASSERTION_SIGNING_ALG",
            "the credential's algorithm: RS256, RS384 or PS256",
        ),
        ("AUTH0_CLIENT_ASSERTION_KID", "the credential's kid, if any"),
        ("AUTH0_AUDIENCE", "token audience"),
        ("A0SNAP_JOBS_DIR", "folder of job files"),
        (
            "A0SNAP_OUTPUT_DIR",
            "where snapshots go: a folder, or s3://, gs://, az://BUCKET/PREFIX",
        ),
        ("A0SNAP_STATE_DIR", "token cache and other state"),
        ("A0SNAP_CA_FILE", "extra trusted root certificate (PEM)"),
        ("A0SNAP_LOG_FORMAT", "text or json"),
        ("A0SNAP_TOKEN_CACHE", "file or memory"),
        ("A0SNAP_CONNECT_TIMEOUT", "time to open a connection"),
        ("A0SNAP_REQUEST_TIMEOUT", "time for one whole request"),
        ("A0SNAP_MAX_IN_FLIGHT", "API requests in flight at once"),
        (
            "A0SNAP_REQUESTS_PER_SECOND",
            "API requests started per second",
        ),
        (
            "A0SNAP_MAX_RETRIES",
            "retries of one request after its first attempt",
        ),
        (
            "A0SNAP_MAX_RETRY_WAIT",
            "longest single wait before a retry",
        ),
        ("A0SNAP_JOB_TIMEOUT", "time one job run may take"),
        ("A0SNAP_JOB_CONCURRENCY", "jobs run at once"),
        ("A0SNAP_GRACE_PERIOD", "daemon shutdown grace period"),
        (
            "A0SNAP_LEASE_TTL",
            "lifetime of a job's lease in an object store, renewed every third",
        ),
        ("A0SNAP_METRICS_ADDR", "address for /healthz and /metrics"),
        (
            "A0SNAP_METRICS_FILE",
            "metrics file written after every run",
        ),
        (
            "A0SNAP_PUSHGATEWAY_URL",
            "Pushgateway the metrics are pushed to after every run",
        ),
        (
            "A0SNAP_REPORT",
            "1 writes the HTML report {out}/index.html after every run",
        ),
        (
            "A0SNAP_MAX_REWALKS",
            "walks again after the list changed during a walk",
        ),
    ])
}
