//! Checking the raw environment and the flags into [`Settings`], collecting every problem.

use std::path::PathBuf;

use super::authentication::resolve_authentication;
use super::problems::Problems;
use super::values::parse_domain;
use super::values::{
    parse_count, parse_duration, parse_metrics_addr, parse_optional_duration,
    parse_pushgateway_url, parse_rate, parse_retries, parse_rewalks, parse_switch,
    parse_token_cache,
};
use super::{
    ConfigError, HttpSettings, LogFormat, Overrides, RawEnv, Settings, TokenCacheSetting, defaults,
};
use crate::auth::Credentials;
use crate::store::Output;

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
        let max_rewalks = problems.take(
            "A0SNAP_MAX_REWALKS",
            parse_rewalks(env.a0snap_max_rewalks.as_deref(), defaults::MAX_REWALKS),
        );
        let metrics_addr = problems.take(
            "A0SNAP_METRICS_ADDR",
            parse_metrics_addr(env.a0snap_metrics_addr.as_deref()),
        );
        let pushgateway_url = problems.take(
            "A0SNAP_PUSHGATEWAY_URL",
            parse_pushgateway_url(env.a0snap_pushgateway_url.as_ref()),
        );
        let report = problems.take("A0SNAP_REPORT", parse_switch(env.a0snap_report.as_deref()));
        let output = problems.take(
            "A0SNAP_OUTPUT_DIR",
            Output::parse(&output_dir(env, overrides).to_string_lossy())
                .map_err(|error| error.to_string()),
        );
        let lease_ttl = problems.take(
            "A0SNAP_LEASE_TTL",
            parse_duration(env.a0snap_lease_ttl.as_deref(), defaults::LEASE_TTL),
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
            max_rewalks,
            (report, output, lease_ttl),
        ) {
            (
                Some(tenant),
                Some(token_cache),
                Some(state_dir),
                Some(http),
                Some(job_concurrency),
                Some(grace_period),
                Some(metrics_addr),
                Some(max_rewalks),
                (Some(report), Some(output), Some(lease_ttl)),
            ) if problems.is_empty() => Ok(Settings {
                tenant,
                jobs_dir: jobs_dir(env, overrides),
                output,
                lease_ttl,
                state_dir,
                token_cache,
                http,
                job_concurrency,
                grace_period,
                metrics_addr,
                metrics_file: env.a0snap_metrics_file.clone(),
                pushgateway_url: pushgateway_url.flatten(),
                max_rewalks,
                report,
            }),
            _ => Err(ConfigError::Invalid {
                problems: problems.into_vec(),
            }),
        }
    }
}

/// The jobs folder: `--jobs-dir`, else `A0SNAP_JOBS_DIR`, else `jobs`.
pub(crate) fn jobs_dir(env: &RawEnv, overrides: &Overrides) -> PathBuf {
    overrides
        .jobs_dir
        .clone()
        .or_else(|| env.a0snap_jobs_dir.clone())
        .unwrap_or_else(|| PathBuf::from("jobs"))
}

/// The output folder: `--out`, else `A0SNAP_OUTPUT_DIR`, else `out`.
pub(crate) fn output_dir(env: &RawEnv, overrides: &Overrides) -> PathBuf {
    overrides
        .output_dir
        .clone()
        .or_else(|| env.a0snap_output_dir.clone())
        .unwrap_or_else(|| PathBuf::from("out"))
}

fn resolve_tenant(env: &RawEnv, problems: &mut Problems) -> Option<Credentials> {
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
    let authentication = resolve_authentication(env, problems);
    let base_url = base_url?;
    let audience = match env.auth0_audience.as_deref().map(str::trim) {
        Some(audience) if !audience.is_empty() => audience.to_owned(),
        _ => Credentials::default_audience(&base_url),
    };
    Some(Credentials {
        base_url,
        client_id: client_id?,
        authentication: authentication?,
        audience,
    })
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
