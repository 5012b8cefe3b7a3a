//! The command line: parses subcommands and flags, builds settings and services, calls the
//! runner, the daemon or the token cache, and says which exit code the process ends with.
//!
//! Every way a command fails is one [`CliError`], which chooses its exit code; `main.rs` prints
//! it and exits with that code. Nothing here picks an exit code or prints an error itself.

mod commands;
mod daemon;
mod endpoints;
mod error;
mod publish;
mod run;
mod services;
mod status;
mod summary;

pub use error::CliError;
pub(crate) use services::Services;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{LogFormat, Overrides, RawEnv};
use crate::progress::LiveProgress;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "a0snap",
    version,
    about = "Scheduled snapshots of an Auth0 tenant, and a Management API token that never seems to expire"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Folder of job files (overrides A0SNAP_JOBS_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub jobs_dir: Option<PathBuf>,
    /// Output folder (overrides A0SNAP_OUTPUT_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// State folder for the token cache (overrides A0SNAP_STATE_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Log format, text or json (overrides A0SNAP_LOG_FORMAT).
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every job (or the named ones) once, then exit.
    Run {
        /// Run only this job (repeatable).
        #[arg(long = "job", value_name = "NAME")]
        jobs: Vec<String>,
    },
    /// Run jobs on their schedules until SIGTERM or SIGINT.
    Daemon,
    /// Check the configuration and every job file; print each job's next fire times.
    Validate,
    /// Print a valid Management API access token on stdout.
    Token {
        /// Print JSON about the token (expiry, scope, source) instead of the token.
        #[arg(long)]
        info: bool,
    },
    /// Start the bundled sandbox tenant on a loopback port and run the jobs against it once.
    Demo,
    /// Print each job's health from the output folder: last success, last run, staleness.
    /// Exits 0 when every job is ok, 1 when any failed, is stale or never ran.
    Status {
        /// Call a job stale when its last success is older than this ("36h", "2d"), instead
        /// of two of its schedule periods.
        #[arg(long, value_name = "DURATION")]
        stale_after: Option<String>,
        /// Output format: text (one line per job) or json.
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        format: status::StatusFormat,
    },
    /// List the Management API endpoints a0snap knows: name, pagination, array key, scope.
    Endpoints,
}

impl Cli {
    /// The flags that override the environment.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            jobs_dir: self.jobs_dir.clone(),
            output_dir: self.out.clone(),
            state_dir: self.state_dir.clone(),
            log_format: self.log_format.clone(),
        }
    }
}

/// Runs the parsed command line to its end: `Ok` when the command succeeded, else the
/// [`CliError`] that says what to print and which exit code to end with.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    if let Command::Endpoints = cli.command {
        // Data only: no settings, telemetry or runtime needed.
        print!("{}", endpoints::table());
        return Ok(());
    }
    let env = RawEnv::from_env()?;
    let format = LogFormat::choose(cli.log_format.as_deref(), &env)?;
    // Live progress is for runs a person watches; the other commands only share its writer.
    let progress = match cli.command {
        Command::Run { .. } | Command::Demo => LiveProgress::detect(format),
        _ => None,
    };
    crate::telemetry::init(format, progress.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Runtime { source })?;
    let overrides = cli.overrides();
    runtime.block_on(async move {
        match cli.command {
            Command::Run { jobs } => commands::run(env, &overrides, &jobs, progress).await,
            Command::Daemon => commands::daemon(env, &overrides).await,
            Command::Validate => commands::validate(env, &overrides),
            Command::Token { info } => commands::token(env, &overrides, info).await,
            Command::Demo => commands::demo(&overrides, progress).await,
            Command::Status {
                stale_after,
                format,
            } => status::status(&env, &overrides, stale_after.as_deref(), format),
            Command::Endpoints => Ok(()),
        }
    })
}
