//! Reading the environment with envy into [`RawEnv`]: every variable optional and unchecked.
//! Checking happens in [`super::Settings::resolve`].

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;
use crate::secret::Secret;

/// The environment as read, before any checking. Field names are the variables, lower-cased.
#[derive(Debug, Default, Deserialize)]
pub struct RawEnv {
    pub(super) auth0_domain: Option<String>,
    pub(super) auth0_client_id: Option<String>,
    pub(super) auth0_client_secret: Option<Secret>,
    pub(super) auth0_client_secret_file: Option<PathBuf>,
    pub(super) auth0_audience: Option<String>,
    pub(super) a0snap_jobs_dir: Option<PathBuf>,
    pub(super) a0snap_output_dir: Option<PathBuf>,
    pub(super) a0snap_state_dir: Option<PathBuf>,
    pub(super) a0snap_ca_file: Option<PathBuf>,
    pub(super) a0snap_log_format: Option<String>,
    pub(super) a0snap_token_cache: Option<String>,
    pub(super) a0snap_connect_timeout: Option<String>,
    pub(super) a0snap_request_timeout: Option<String>,
    pub(super) a0snap_max_in_flight: Option<String>,
    pub(super) a0snap_requests_per_second: Option<String>,
    pub(super) a0snap_max_retries: Option<String>,
    pub(super) a0snap_max_retry_wait: Option<String>,
    pub(super) a0snap_job_timeout: Option<String>,
    pub(super) a0snap_job_concurrency: Option<String>,
    pub(super) a0snap_grace_period: Option<String>,
    pub(super) a0snap_metrics_addr: Option<String>,
    pub(super) xdg_state_home: Option<PathBuf>,
    pub(super) home: Option<PathBuf>,
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
