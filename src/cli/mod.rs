//! The command line: parses subcommands and flags, builds settings and services, calls the
//! runner, the daemon or the token cache, and says which exit code the process ends with.
//!
//! Errors are printed here, once, in words a person can act on; `main.rs` only turns the
//! [`Exit`] into a process exit code.

mod commands;
mod daemon;
mod endpoints;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

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
    /// List the Management API endpoints a0snap knows: name, pagination, array key, scope.
    Endpoints,
}

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything succeeded.
    Success,
    /// At least one job (or the token request) failed.
    Failure,
    /// A usage or configuration error.
    Usage,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failure => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
        }
    }
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

/// Runs the parsed command line to its end.
pub fn execute(cli: Cli) -> Exit {
    if let Command::Endpoints = cli.command {
        // Data only: no settings, telemetry or runtime needed.
        print!("{}", endpoints::table());
        return Exit::Success;
    }
    let env = match RawEnv::from_env() {
        Ok(env) => env,
        Err(error) => return usage_error(&error),
    };
    let format = match LogFormat::choose(cli.log_format.as_deref(), &env) {
        Ok(format) => format,
        Err(error) => return usage_error(&error),
    };
    // Live progress is for runs a person watches; the other commands only share its writer.
    let progress = match cli.command {
        Command::Run { .. } | Command::Demo => LiveProgress::detect(format),
        _ => None,
    };
    crate::telemetry::init(format, progress.clone());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("a0snap: cannot start the async runtime: {error}");
            return Exit::Failure;
        }
    };
    let overrides = cli.overrides();
    runtime.block_on(async move {
        match cli.command {
            Command::Run { jobs } => commands::run(env, &overrides, &jobs, progress).await,
            Command::Daemon => commands::daemon(env, &overrides).await,
            Command::Validate => commands::validate(env, &overrides),
            Command::Token { info } => commands::token(env, &overrides, info).await,
            Command::Demo => commands::demo(&overrides, progress).await,
            Command::Endpoints => Exit::Success,
        }
    })
}

/// Prints a usage or configuration error and returns [`Exit::Usage`].
fn usage_error(error: &dyn std::fmt::Display) -> Exit {
    eprintln!("a0snap: {error}");
    Exit::Usage
}

/// Prints a runtime failure and returns [`Exit::Failure`].
fn failure(error: &dyn std::fmt::Display) -> Exit {
    eprintln!("a0snap: {error}");
    Exit::Failure
}
