//! Reading the environment with envy into [`RawEnv`]: every variable optional and unchecked.
//! Checking happens in [`super::Settings::resolve`]. Only the variables a0snap reads are
//! looked at, and those must be UTF-8.

use std::ffi::OsString;
use std::path::PathBuf;

use serde::Deserialize;

use super::{ConfigError, Problem};
use secrecy::SecretString;

/// The environment as read, before any checking. Field names are the variables, lower-cased.
#[derive(Debug, Default, Deserialize)]
pub struct RawEnv {
    pub(super) auth0_domain: Option<String>,
    pub(super) auth0_client_id: Option<String>,
    /// Read straight into a [`SecretString`] (secrecy's `serde` feature), never held as a
    /// plain `String`.
    pub(super) auth0_client_secret: Option<SecretString>,
    pub(super) auth0_client_secret_file: Option<PathBuf>,
    /// The PEM private key itself, read straight into a [`SecretString`].
    pub(super) auth0_client_assertion_signing_key: Option<SecretString>,
    pub(super) auth0_client_assertion_signing_key_file: Option<PathBuf>,
    pub(super) auth0_client_assertion_signing_alg: Option<String>,
    pub(super) auth0_client_assertion_kid: Option<String>,
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
    pub(super) a0snap_lease_ttl: Option<String>,
    pub(super) a0snap_metrics_addr: Option<String>,
    pub(super) a0snap_metrics_file: Option<PathBuf>,
    /// May hold a user name and password (`https://user:password@host`): a secret.
    pub(super) a0snap_pushgateway_url: Option<secrecy::SecretString>,
    pub(super) a0snap_max_rewalks: Option<String>,
    pub(super) a0snap_report: Option<String>,
    pub(super) xdg_state_home: Option<PathBuf>,
    pub(super) home: Option<PathBuf>,
}

impl RawEnv {
    /// Reads the process environment. Variables a0snap does not read are never looked at, so
    /// one that is not valid UTF-8 (a file name from another locale, say) does no harm.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars_os(std::env::vars_os())
    }

    /// Reads the given variables as the operating system holds them: the ones a0snap reads
    /// must be UTF-8, and each one that is not is reported by name; the others are skipped.
    pub fn from_vars_os(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Self, ConfigError> {
        let mut read = Vec::new();
        let mut problems = Vec::new();
        for (name, value) in vars {
            let Some(variable) = name.to_str().and_then(read_by_a0snap) else {
                continue;
            };
            match value.into_string() {
                Ok(value) => read.push((variable.to_owned(), value)),
                Err(_) => problems.push(Problem {
                    variable,
                    message: "is not valid UTF-8; a0snap reads its variables as text, so set \
                              it to a UTF-8 value or unset it"
                        .to_owned(),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { problems });
        }
        Self::from_vars(read)
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

/// `name` as a `'static` name, when it is a variable a0snap reads.
fn read_by_a0snap(name: &str) -> Option<&'static str> {
    super::variables()
        .into_keys()
        .chain(["XDG_STATE_HOME", "HOME"])
        .find(|known| *known == name)
}
