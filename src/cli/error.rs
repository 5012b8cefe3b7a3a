//! The one error of the command line: every way a subcommand can end other than success, each
//! variant carrying what the user needs to act, and the exit code it ends the process with.
//!
//! The exit codes are chosen here and nowhere else (README, "Commands": 0 success, 1 a job or
//! the token request failed, 2 a usage or configuration error); `main.rs` only prints
//! [`CliError::messages`] and exits with [`CliError::exit_code`]. This module must not print,
//! log or decide anything about how a command runs.

use std::path::PathBuf;
use std::time::Duration;

use crate::auth::AuthError;
use crate::config::ConfigError;
use crate::http::HttpError;
use crate::jobs::JobsError;
use crate::metrics::server::BindError;
use crate::report::ReportError;
use crate::schedule::AlarmError;

/// Why a command did not succeed. Messages are lower case and say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The environment, the flags or the settings are invalid. Exit code 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The jobs folder or a job file is invalid, or `--job` names no job. Exit code 2.
    #[error(transparent)]
    Jobs(#[from] JobsError),
    /// The HTTP client could not be built from the settings (for example the CA file).
    /// Exit code 2.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The metrics address (`A0SNAP_METRICS_ADDR`) cannot be listened on. Exit code 2.
    #[error(transparent)]
    Metrics(#[from] BindError),
    /// `A0SNAP_OUTPUT_DIR` (or `--out`) names an object store this command cannot use, or
    /// one whose settings are wrong. Exit code 2.
    #[error("A0SNAP_OUTPUT_DIR: {detail}")]
    OutputUrl {
        /// What is wrong and what to do.
        detail: String,
    },
    /// `a0snap status --stale-after` is not a length. Exit code 2.
    #[error("--stale-after: {detail}")]
    StaleAfter {
        /// Why the value was refused (the interval parser's message).
        detail: String,
    },
    /// `a0snap validate` found problems: each is one of the other usage variants, all listed.
    /// Exit code 2.
    #[error("{}", join(problems))]
    Invalid {
        /// Every problem found, in the order checked (settings, then job files).
        problems: Vec<CliError>,
    },
    /// The async runtime could not start. Exit code 1.
    #[error("cannot start the async runtime: {source}")]
    Runtime {
        /// What the system said.
        source: std::io::Error,
    },
    /// No access token could be obtained (`a0snap token`). Exit code 1. Boxed: an
    /// [`AuthError`] is the largest error here, and every `Result` of the CLI carries this type.
    #[error(transparent)]
    Token(Box<AuthError>),
    /// The daemon could not listen for SIGTERM, SIGINT and SIGHUP. Exit code 1.
    #[error("cannot listen for signals: {source}")]
    Signals {
        /// What the system said.
        source: std::io::Error,
    },
    /// `a0snap report` could not write `{out}/index.html`. Exit code 1.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The daemon's job scheduler could not start. Exit code 1.
    #[error(transparent)]
    Alarm(#[from] AlarmError),
    /// The demo's private state folder could not be created. Exit code 1.
    #[error(
        "cannot create the demo's state folder {}: {source}; set TMPDIR to a writable folder",
        path.display()
    )]
    DemoState {
        /// The folder it tried to create.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The demo's sandbox tenant could not start. Exit code 1.
    #[error("cannot start the sandbox tenant: {source}")]
    Sandbox {
        /// What the system said.
        source: std::io::Error,
    },
    /// The daemon stopped with runs still going when the grace period ran out, or when a signal
    /// forced the stop (a third SIGTERM/SIGINT, or SIGQUIT). Exit code 1.
    #[error("{}", aborted_message(jobs, *grace, forced_by.as_deref()))]
    Aborted {
        /// The jobs whose runs were aborted.
        jobs: Vec<String>,
        /// The grace period (`A0SNAP_GRACE_PERIOD`).
        grace: Duration,
        /// What forced the stop (`SIGQUIT`, `stop signal number 3 (SIGTERM)`); `None` when
        /// the grace period ran out.
        forced_by: Option<String>,
    },
    /// `a0snap run` (or `demo`) was asked by `signal` to stop before every job ended: no job
    /// started after it, the running ones had the grace period. Exit code 1.
    #[error("{}", interrupted_message(signal, aborted, not_started, *grace, forced_by.as_deref()))]
    Interrupted {
        /// The first stop signal (`SIGTERM`, `SIGINT`, `SIGQUIT`).
        signal: String,
        /// The jobs whose runs were aborted.
        aborted: Vec<String>,
        /// The jobs that never started.
        not_started: Vec<String>,
        /// The grace period (`A0SNAP_GRACE_PERIOD`).
        grace: Duration,
        /// What forced the stop, if a signal did; `None` when the grace period ran out.
        forced_by: Option<String>,
    },
    /// `a0snap status` found jobs failed, stale or never run; the lines printed on stdout
    /// name them, so nothing more is printed. Exit code 1.
    #[error("{unhealthy} of {total} jobs are not ok; the status lines name them")]
    Unhealthy {
        /// Jobs failed, stale or never run.
        unhealthy: usize,
        /// Jobs checked.
        total: usize,
    },
    /// At least one job of `a0snap run` (or `demo`) failed; the others still ran. The summary
    /// printed on stdout already names each failure, so nothing more is printed. Exit code 1.
    #[error("{failed} of {total} jobs failed; the summary names them")]
    JobsFailed {
        /// How many jobs failed.
        failed: usize,
        /// How many jobs ran.
        total: usize,
    },
}

impl CliError {
    /// The process exit code: 2 for a usage or configuration error, 1 for any other failure
    /// (README, "Commands"). Success (0) is not an error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_)
            | Self::Jobs(_)
            | Self::Http(_)
            | Self::Metrics(_)
            | Self::StaleAfter { .. }
            | Self::OutputUrl { .. }
            | Self::Invalid { .. } => 2,
            Self::Runtime { .. }
            | Self::Token(_)
            | Self::Signals { .. }
            | Self::Alarm(_)
            | Self::Report(_)
            | Self::DemoState { .. }
            | Self::Sandbox { .. }
            | Self::Aborted { .. }
            | Self::Interrupted { .. }
            | Self::Unhealthy { .. }
            | Self::JobsFailed { .. } => 1,
        }
    }

    /// The lines to print on stderr (each after `a0snap: `): one per problem for
    /// [`CliError::Invalid`], none for [`CliError::JobsFailed`] (the summary said it), else
    /// the message.
    pub fn messages(&self) -> Vec<String> {
        match self {
            Self::Invalid { problems } => problems.iter().flat_map(Self::messages).collect(),
            Self::JobsFailed { .. } | Self::Unhealthy { .. } => Vec::new(),
            other => vec![other.to_string()],
        }
    }
}

impl From<AuthError> for CliError {
    fn from(error: AuthError) -> Self {
        Self::Token(Box::new(error))
    }
}

/// What a run stopped before its commit leaves, said after every abort.
const ABORTED_RUNS_LEAVE: &str =
    "a run stopped before its commit leaves nothing visible, one already committing finishes it";

/// Why `jobs` were aborted, for [`CliError::Aborted`].
fn aborted_message(jobs: &[String], grace: Duration, forced_by: Option<&str>) -> String {
    let grace = crate::trigger::interval::format_every(grace);
    let jobs = jobs.join(", ");
    match forced_by {
        None => format!(
            "aborted {jobs} when the grace period ({grace}) ran out; {ABORTED_RUNS_LEAVE} (raise A0SNAP_GRACE_PERIOD to let runs finish)"
        ),
        Some(forced_by) => format!(
            "aborted {jobs} because {forced_by} forced the stop before the grace period ({grace}) ran out; {ABORTED_RUNS_LEAVE} (send a single SIGTERM to let runs finish)"
        ),
    }
}

/// What a stop signal did to `a0snap run`, for [`CliError::Interrupted`].
fn interrupted_message(
    signal: &str,
    aborted: &[String],
    not_started: &[String],
    grace: Duration,
    forced_by: Option<&str>,
) -> String {
    let mut parts = vec![format!("stopped by {signal}")];
    if !aborted.is_empty() {
        parts.push(aborted_message(aborted, grace, forced_by));
    }
    if !not_started.is_empty() {
        parts.push(format!("did not start {}", not_started.join(", ")));
    }
    parts.push("run them again".to_owned());
    parts.join("; ")
}

/// The problems' messages on one line, for [`CliError::Invalid`]'s `Display`.
fn join(problems: &[CliError]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> std::io::Error {
        std::io::Error::other("no")
    }

    fn settings_problem() -> CliError {
        ConfigError::Environment {
            detail: "bad".into(),
        }
        .into()
    }

    #[test]
    fn usage_and_configuration_errors_exit_2_and_other_failures_exit_1() {
        let usage = [
            settings_problem(),
            JobsError::MissingDir { dir: "jobs".into() }.into(),
            CliError::Invalid {
                problems: vec![settings_problem()],
            },
            CliError::StaleAfter {
                detail: "\"soon\" is not an interval".into(),
            },
        ];
        for error in &usage {
            assert_eq!(error.exit_code(), 2, "{error}");
        }
        let failures = [
            CliError::Runtime { source: io() },
            AuthError::Unavailable {
                status: 503,
                attempts: 3,
                retry_after: None,
            }
            .into(),
            CliError::Signals { source: io() },
            CliError::Sandbox { source: io() },
            CliError::DemoState {
                path: "/tmp/x".into(),
                source: io(),
            },
            CliError::Aborted {
                jobs: vec!["users".into()],
                grace: Duration::from_secs(90),
                forced_by: None,
            },
            CliError::Interrupted {
                signal: "SIGTERM".into(),
                aborted: vec![],
                not_started: vec!["users".into()],
                grace: Duration::from_secs(90),
                forced_by: None,
            },
            CliError::JobsFailed {
                failed: 1,
                total: 2,
            },
            CliError::Unhealthy {
                unhealthy: 1,
                total: 2,
            },
        ];
        for error in &failures {
            assert_eq!(error.exit_code(), 1, "{error}");
        }
    }

    #[test]
    fn validate_prints_every_problem_on_its_own_line_and_failed_jobs_print_nothing_more() {
        let invalid = CliError::Invalid {
            problems: vec![
                settings_problem(),
                JobsError::MissingDir { dir: "jobs".into() }.into(),
            ],
        };
        let lines = invalid.messages();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("could not read the environment: bad"));
        assert!(lines[1].contains("the jobs folder jobs does not exist"));
        let failed = CliError::JobsFailed {
            failed: 1,
            total: 3,
        };
        assert!(failed.messages().is_empty());
    }

    #[test]
    fn an_aborted_daemon_names_its_jobs_and_the_grace_period() {
        let aborted = CliError::Aborted {
            jobs: vec!["users".into(), "logs".into()],
            grace: Duration::from_secs(90),
            forced_by: None,
        };
        assert_eq!(
            aborted.messages(),
            [
                "aborted users, logs when the grace period (1m30s) ran out; a run stopped before its commit leaves nothing visible, one already committing finishes it (raise A0SNAP_GRACE_PERIOD to let runs finish)"
            ]
        );
    }

    #[test]
    fn a_forced_stop_names_the_signal_that_forced_it_not_the_grace_period() {
        let forced = CliError::Aborted {
            jobs: vec!["users".into()],
            grace: Duration::from_secs(90),
            forced_by: Some("SIGQUIT".into()),
        };
        let message = forced.to_string();
        assert!(
            message.starts_with("aborted users because SIGQUIT forced the stop before the grace period (1m30s) ran out"),
            "{message}"
        );
        assert!(
            message.ends_with("(send a single SIGTERM to let runs finish)"),
            "{message}"
        );
    }

    #[test]
    fn an_interrupted_run_names_the_signal_the_aborted_and_the_unstarted_jobs() {
        let interrupted = CliError::Interrupted {
            signal: "SIGTERM".into(),
            aborted: vec!["users".into()],
            not_started: vec!["logs".into(), "roles".into()],
            grace: Duration::from_secs(2),
            forced_by: None,
        };
        assert_eq!(
            interrupted.to_string(),
            "stopped by SIGTERM; aborted users when the grace period (2s) ran out; a run stopped before its commit leaves nothing visible, one already committing finishes it (raise A0SNAP_GRACE_PERIOD to let runs finish); did not start logs, roles; run them again"
        );
    }
}
