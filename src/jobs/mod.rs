//! Job files: one TOML file per job in the jobs folder, read into checked [`Job`]s.
//!
//! Loading happens in two stages. A file is parsed into a raw `toml::Table`, then read key by
//! key into a [`Job`]; every problem (wrong type, unknown key, bad cron, bad column, ...) is
//! collected rather than stopping at the first, and [`load_dir`] gathers them from every file,
//! so one `a0snap validate` shows everything to fix. After loading, a [`Job`] is known good:
//! nothing downstream re-checks it.
//!
//! This module reads files and knows the job-file format. It never talks to Auth0 and never
//! writes snapshots; it only describes what to fetch ([`crate::endpoint`]) and what to write
//! ([`crate::snapshot::OutputSpec`]).

mod consistency;
mod error;
mod export;
mod fields;
mod for_each;
mod keys;
mod load;
mod output;
mod parse;
mod target;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;

use crate::endpoint::Endpoint;
use crate::snapshot::OutputSpec;
use crate::trigger::cron::CronSchedule;
use crate::trigger::interval::format_every;
use crate::users_export::ExportRequest;

pub use error::JobsError;
pub(crate) use error::Problem;
pub use for_each::ForEach;
pub use load::load_dir;
pub(crate) use load::select;
pub(crate) use parse::parse_job;

/// Snapshots kept per job when `[output] keep` is not set.
pub const DEFAULT_KEEP: u32 = 30;
pub(crate) use crate::endpoint::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// A checked job, ready to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The file stem: `[a-z0-9][a-z0-9_-]*`, safe as a folder name under the output folder.
    pub name: String,
    /// The job file it came from.
    pub source: PathBuf,
    /// When it runs under `a0snap daemon`.
    pub trigger: Trigger,
    /// What it fetches.
    pub endpoint: Endpoint,
    /// Extra query parameters in file order, without the paging parameters a0snap sets.
    pub params: Vec<(String, String)>,
    /// Records per page (`params.per_page` or `params.take`; 1 to 100, default 50).
    pub page_size: u32,
    /// What it writes: formats, CSV columns, retention, redaction, formula guard.
    pub output: OutputSpec,
    /// Logs only: fetch only events since the last complete run.
    pub incremental: bool,
    /// Incremental jobs only: where the first run starts (default: what the tenant keeps).
    pub since: Option<Timestamp>,
    /// Paging through the endpoint, or Auth0's bulk user export.
    pub mode: Mode,
    /// `for_each = "roles"`: `endpoint` is a template (`/api/v2/roles/{id}/users`) read once
    /// for every record of this parent list.
    pub for_each: Option<ForEach>,
}

/// When a job runs.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// `schedule = "..."`, in the job's `timezone` (UTC by default).
    Cron(CronSchedule),
    /// `every = "..."`: a fixed interval, at least one second.
    Every(Duration),
}

impl Trigger {
    /// The first fire time strictly after `after` (for `every`, one interval later).
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        match self {
            Trigger::Cron(schedule) => schedule.next_after(after),
            Trigger::Every(interval) => after.checked_add(*interval).ok(),
        }
    }

    /// The next `n` fire times after `after`, as `a0snap validate` shows them.
    pub fn next_fire_times(&self, after: Timestamp, n: usize) -> Vec<Timestamp> {
        match self {
            Trigger::Cron(schedule) => schedule.upcoming(after, n),
            Trigger::Every(_) => {
                std::iter::successors(self.next_after(after), |at| self.next_after(*at))
                    .take(n)
                    .collect()
            }
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::Cron(schedule) => write!(
                f,
                "cron \"{}\" ({})",
                schedule.expression(),
                schedule.timezone_name().unwrap_or("fixed offset")
            ),
            Trigger::Every(interval) => write!(f, "every {}", format_every(*interval)),
        }
    }
}

/// How a job fetches its records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    /// Page through the list endpoint (the default).
    #[default]
    Page,
    /// `mode = "export"`, users only: Auth0's bulk export job instead of paging, which is not
    /// capped at 1000 users, with what it asks for (read from `params` and the output when the
    /// job file was loaded).
    Export(ExportRequest),
}

impl Mode {
    /// The job-file spelling.
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Page => "page",
            Mode::Export(_) => "export",
        }
    }
}
