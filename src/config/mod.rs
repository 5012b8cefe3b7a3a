//! Settings from the environment (read with envy) and command-line flags, checked once.
//!
//! Two stages, as in ripgrep: [`RawEnv`] is what the user typed, every field optional and a
//! string; [`Settings`] is the checked result that the rest of the program uses. Every problem
//! is collected and reported at once, each naming the variable and the fix. The client secret
//! is held as a [`Secret`] from the moment it is read, so no `Debug` or error can print it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

#[cfg(test)]
mod tests;
mod values;

pub use values::{default_audience, parse_domain};
use values::{
    parse_count, parse_duration, parse_metrics_addr, parse_optional_duration, parse_rate,
    parse_retries, parse_token_cache, read_secret_file,
};

use crate::secret::Secret;

/// The environment as read, before any checking. Field names are the variables, lower-cased.
#[derive(Debug, Default, Deserialize)]
pub struct RawEnv {
    auth0_domain: Option<String>,
    auth0_client_id: Option<String>,
    auth0_client_secret: Option<Secret>,
    auth0_client_secret_file: Option<PathBuf>,
    auth0_audience: Option<String>,
    a0snap_jobs_dir: Option<PathBuf>,
    a0snap_output_dir: Option<PathBuf>,
    a0snap_state_dir: Option<PathBuf>,
    a0snap_ca_file: Option<PathBuf>,
    a0snap_log_format: Option<String>,
    a0snap_token_cache: Option<String>,
    a0snap_connect_timeout: Option<String>,
    a0snap_request_timeout: Option<String>,
    a0snap_max_in_flight: Option<String>,
    a0snap_requests_per_second: Option<String>,
    a0snap_max_retries: Option<String>,
    a0snap_max_retry_wait: Option<String>,
    a0snap_job_timeout: Option<String>,
    a0snap_job_concurrency: Option<String>,
    a0snap_grace_period: Option<String>,
    a0snap_metrics_addr: Option<String>,
    xdg_state_home: Option<PathBuf>,
    home: Option<PathBuf>,
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl RawEnv {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Reads the given variables (tests pass their own).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let vars = vars.into_iter().filter(|(_, value)| !value.is_empty());
        envy::from_iter(vars).map_err(|source| ConfigError::Environment {
            detail: source.to_string(),
        })
    }
}

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

/// The tenant and the machine-to-machine application a0snap acts as.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// `https://{domain}/` (or a loopback `http://` URL), always ending in `/`.
    pub base_url: Url,
    /// The application's client id.
    pub client_id: String,
    /// The application's client secret.
    pub client_secret: Secret,
    /// The token audience, `{base_url}api/v2/` unless set.
    pub audience: String,
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
    /// Retries of one request after its first attempt (429, 5xx, timeouts, broken connections).
    pub max_retries: u32,
    /// The longest single wait before a retry; an answer asking for more fails the request.
    pub max_retry_wait: Duration,
    /// The time one job run may take, its waits and retries included; `None` for no limit.
    pub job_timeout: Option<Duration>,
}

/// Everything the program needs, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The tenant and credentials.
    pub tenant: Tenant,
    /// Folder of job files.
    pub jobs_dir: PathBuf,
    /// Where snapshots go.
    pub output_dir: PathBuf,
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
    /// `A0SNAP_GRACE_PERIOD`: below Kubernetes' 30 s termination grace.
    pub const GRACE_PERIOD: Duration = Duration::from_secs(25);
    /// `A0SNAP_MAX_RETRIES`
    pub const MAX_RETRIES: u32 = 5;
    /// `A0SNAP_MAX_RETRY_WAIT`
    pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
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

/// Collects problems while settings are checked.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, variable: &'static str, message: impl Into<String>) {
        self.0.push(Problem {
            variable,
            message: message.into(),
        });
    }

    fn take<T>(&mut self, variable: &'static str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.add(variable, message)).ok()
    }
}

impl Settings {
    /// Checks the environment and flags, reporting every problem at once.
    pub fn resolve(env: &RawEnv, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut problems = Problems::default();
        let tenant = resolve_tenant(env, &mut problems);
        let token_cache = problems.take(
            "A0SNAP_TOKEN_CACHE",
            parse_token_cache(env.a0snap_token_cache.as_deref()),
        );
        let state_dir = overrides
            .state_dir
            .clone()
            .or(env.a0snap_state_dir.clone())
            .or_else(|| default_state_dir(env));
        let state_dir = match (state_dir, &token_cache) {
            (Some(dir), _) => Some(dir),
            (None, Some(TokenCacheSetting::Memory)) => Some(PathBuf::new()),
            (None, _) => {
                problems.add(
                    "A0SNAP_STATE_DIR",
                    "is not set and neither is HOME or XDG_STATE_HOME; set A0SNAP_STATE_DIR to a private folder, or A0SNAP_TOKEN_CACHE=memory",
                );
                None
            }
        };
        let http = resolve_http(env, &mut problems);
        let job_concurrency = problems.take(
            "A0SNAP_JOB_CONCURRENCY",
            parse_count(
                env.a0snap_job_concurrency.as_deref(),
                defaults::JOB_CONCURRENCY,
            ),
        );
        let grace_period = problems.take(
            "A0SNAP_GRACE_PERIOD",
            parse_duration(env.a0snap_grace_period.as_deref(), defaults::GRACE_PERIOD),
        );
        let metrics_addr = problems.take(
            "A0SNAP_METRICS_ADDR",
            parse_metrics_addr(env.a0snap_metrics_addr.as_deref()),
        );
        if let Some(format) = overrides
            .log_format
            .as_deref()
            .or(env.a0snap_log_format.as_deref())
            && LogFormat::parse(format).is_none()
        {
            problems.add(
                "A0SNAP_LOG_FORMAT",
                format!("{format:?} is not a log format; use \"text\" or \"json\""),
            );
        }
        match (
            tenant,
            token_cache,
            state_dir,
            http,
            job_concurrency,
            grace_period,
            metrics_addr,
        ) {
            (
                Some(tenant),
                Some(token_cache),
                Some(state_dir),
                Some(http),
                Some(job_concurrency),
                Some(grace_period),
                Some(metrics_addr),
            ) if problems.0.is_empty() => Ok(Settings {
                tenant,
                jobs_dir: jobs_dir(env, overrides),
                output_dir: output_dir(env, overrides),
                state_dir,
                token_cache,
                http,
                job_concurrency,
                grace_period,
                metrics_addr,
            }),
            _ => Err(ConfigError::Invalid {
                problems: problems.0,
            }),
        }
    }
}

/// The jobs folder: `--jobs-dir`, else `A0SNAP_JOBS_DIR`, else `jobs`.
pub fn jobs_dir(env: &RawEnv, overrides: &Overrides) -> PathBuf {
    overrides
        .jobs_dir
        .clone()
        .or_else(|| env.a0snap_jobs_dir.clone())
        .unwrap_or_else(|| PathBuf::from("jobs"))
}

/// The output folder: `--out`, else `A0SNAP_OUTPUT_DIR`, else `out`.
pub fn output_dir(env: &RawEnv, overrides: &Overrides) -> PathBuf {
    overrides
        .output_dir
        .clone()
        .or_else(|| env.a0snap_output_dir.clone())
        .unwrap_or_else(|| PathBuf::from("out"))
}

fn resolve_tenant(env: &RawEnv, problems: &mut Problems) -> Option<Tenant> {
    let base_url = match env.auth0_domain.as_deref() {
        None => {
            problems.add(
                "AUTH0_DOMAIN",
                "is not set; set it to your tenant's domain, e.g. acme.eu.auth0.com",
            );
            None
        }
        Some(domain) => problems.take("AUTH0_DOMAIN", parse_domain(domain)),
    };
    let client_id = match env.auth0_client_id.as_deref().map(str::trim) {
        None | Some("") => {
            problems.add(
                "AUTH0_CLIENT_ID",
                "is not set; set it to the client id of a machine-to-machine application authorised for the Management API",
            );
            None
        }
        Some(id) => Some(id.to_owned()),
    };
    let client_secret = resolve_secret(env, problems);
    let base_url = base_url?;
    let audience = match env.auth0_audience.as_deref().map(str::trim) {
        Some(audience) if !audience.is_empty() => audience.to_owned(),
        _ => default_audience(&base_url),
    };
    Some(Tenant {
        base_url,
        client_id: client_id?,
        client_secret: client_secret?,
        audience,
    })
}

fn resolve_secret(env: &RawEnv, problems: &mut Problems) -> Option<Secret> {
    match (&env.auth0_client_secret, &env.auth0_client_secret_file) {
        (Some(_), Some(_)) => {
            problems.add(
                "AUTH0_CLIENT_SECRET",
                "and AUTH0_CLIENT_SECRET_FILE are both set; keep only one",
            );
            None
        }
        (Some(secret), None) => Some(secret.clone()),
        (None, Some(path)) => problems.take("AUTH0_CLIENT_SECRET_FILE", read_secret_file(path)),
        (None, None) => {
            problems.add(
                "AUTH0_CLIENT_SECRET",
                "is not set; set it, or AUTH0_CLIENT_SECRET_FILE to a file holding it",
            );
            None
        }
    }
}

fn default_state_dir(env: &RawEnv) -> Option<PathBuf> {
    env.xdg_state_home
        .as_ref()
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join("a0snap"))
        .or_else(|| {
            env.home
                .as_ref()
                .map(|home| home.join(".local/state/a0snap"))
        })
}

fn resolve_http(env: &RawEnv, problems: &mut Problems) -> Option<HttpSettings> {
    let connect_timeout = problems.take(
        "A0SNAP_CONNECT_TIMEOUT",
        parse_duration(
            env.a0snap_connect_timeout.as_deref(),
            defaults::CONNECT_TIMEOUT,
        ),
    );
    let request_timeout = problems.take(
        "A0SNAP_REQUEST_TIMEOUT",
        parse_duration(
            env.a0snap_request_timeout.as_deref(),
            defaults::REQUEST_TIMEOUT,
        ),
    );
    let max_in_flight = problems.take(
        "A0SNAP_MAX_IN_FLIGHT",
        parse_count(env.a0snap_max_in_flight.as_deref(), defaults::MAX_IN_FLIGHT),
    );
    let requests_per_second = problems.take(
        "A0SNAP_REQUESTS_PER_SECOND",
        parse_rate(env.a0snap_requests_per_second.as_deref()),
    );
    let max_retries = problems.take(
        "A0SNAP_MAX_RETRIES",
        parse_retries(env.a0snap_max_retries.as_deref(), defaults::MAX_RETRIES),
    );
    let max_retry_wait = problems.take(
        "A0SNAP_MAX_RETRY_WAIT",
        parse_duration(
            env.a0snap_max_retry_wait.as_deref(),
            defaults::MAX_RETRY_WAIT,
        ),
    );
    let job_timeout = problems.take(
        "A0SNAP_JOB_TIMEOUT",
        parse_optional_duration(env.a0snap_job_timeout.as_deref(), defaults::JOB_TIMEOUT),
    );
    let ca_file = env.a0snap_ca_file.clone();
    if let Some(path) = &ca_file
        && !path.is_file()
    {
        problems.add(
            "A0SNAP_CA_FILE",
            format!(
                "{} is not a readable file; point it at a PEM certificate",
                path.display()
            ),
        );
    }
    Some(HttpSettings {
        ca_file,
        connect_timeout: connect_timeout?,
        request_timeout: request_timeout?,
        max_in_flight: max_in_flight?,
        requests_per_second: requests_per_second?,
        max_retries: max_retries?,
        max_retry_wait: max_retry_wait?,
        job_timeout: job_timeout?,
    })
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
        ("AUTH0_AUDIENCE", "token audience"),
        ("A0SNAP_JOBS_DIR", "folder of job files"),
        ("A0SNAP_OUTPUT_DIR", "where snapshots go"),
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
        ("A0SNAP_METRICS_ADDR", "address for /healthz and /metrics"),
    ])
}
