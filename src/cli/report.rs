//! `a0snap report`: writes the HTML report `{out}/index.html` ([`crate::report`]) from the jobs
//! folder and the output folder, and prints its path. Like `status`, it needs no tenant
//! credentials and never calls the tenant; it writes only `index.html`.
//!
//! [`hook`] is the same report after every run of `a0snap run` and of the daemon when
//! `A0SNAP_REPORT=1` (called by [`super::publish`]); there a failure is only a warning.

use std::path::Path;

use crate::clock;
use crate::config::{self, Overrides, RawEnv};
use crate::jobs;

use super::CliError;

/// Writes the report and prints where.
pub(super) fn report(env: &RawEnv, overrides: &Overrides) -> Result<(), CliError> {
    let jobs = jobs::load_dir(&config::jobs_dir(env, overrides))?;
    let out = config::output_dir(env, overrides);
    if let Ok(crate::store::Output::Object(_)) = crate::store::Output::parse(&out.to_string_lossy())
    {
        return Err(CliError::OutputUrl {
            detail: format!(
                "a0snap report writes index.html into a local output folder, and {} is an object store; run it with --out pointing at a folder",
                out.display()
            ),
        });
    }
    let path = crate::report::write(&jobs, &out, clock::system().now())?;
    println!("report written to {}", path.display());
    Ok(())
}

/// After a run: the report of every job of `jobs_dir` (read again, so the daemon's report
/// follows a reload), logging a failure instead of returning it.
pub(super) fn hook(jobs_dir: &Path, out: &Path, now: jiff::Timestamp) {
    let written = jobs::load_dir(jobs_dir)
        .map_err(|error| error.to_string())
        .and_then(|jobs| crate::report::write(&jobs, out, now).map_err(|e| e.to_string()));
    match written {
        Ok(path) => tracing::debug!(path = %path.display(), "report written"),
        Err(error) => tracing::warn!(%error, "could not write the report"),
    }
}
