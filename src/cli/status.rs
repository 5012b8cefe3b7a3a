//! `a0snap status`: each job's health from the output folder, as lines or JSON, and the exit
//! code that makes it a monitoring check (0 all ok, 1 any job failed, stale or never run, 2 a
//! configuration error). It needs no tenant credentials: it reads only the jobs folder and the
//! output folder, and never writes.

use crate::clock;
use crate::config::{self, Overrides, RawEnv};
use crate::jobs;
use crate::status::{self, render};
use crate::store::Output;

use super::CliError;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// One line per job and a count.
    Text,
    /// One JSON document (shape in the README, "Status").
    Json,
}

/// Prints every job's status; [`CliError::Unhealthy`] when any is not ok.
pub(super) fn status(
    env: &RawEnv,
    overrides: &Overrides,
    stale_after: Option<&str>,
    format: StatusFormat,
) -> Result<(), CliError> {
    let stale_after = stale_after
        .map(crate::trigger::interval::parse_keep_for)
        .transpose()
        .map_err(|error| CliError::StaleAfter {
            detail: error.to_string(),
        })?;
    let jobs = jobs::load_dir(&config::jobs_dir(env, overrides))?;
    let out =
        Output::parse(&config::output_dir(env, overrides).to_string_lossy()).map_err(|error| {
            CliError::OutputUrl {
                detail: error.to_string(),
            }
        })?;
    let now = clock::system().now();
    let statuses: Vec<_> = jobs
        .iter()
        .map(|job| status::job_status(job, &out, now, stale_after))
        .collect();
    match format {
        StatusFormat::Text => print!("{}", render::text(&statuses, now)),
        StatusFormat::Json => println!("{}", render::json(&statuses, now)),
    }
    let unhealthy = statuses.iter().filter(|s| !s.is_ok()).count();
    if unhealthy > 0 {
        return Err(CliError::Unhealthy {
            unhealthy,
            total: statuses.len(),
        });
    }
    Ok(())
}
