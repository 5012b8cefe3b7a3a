//! The daemon: runs jobs on their schedules, never two runs of one job at once, and stops
//! gracefully on SIGTERM or SIGINT.
//!
//! - [`plan`] is the testable core: what fires next, is it already running (then skip).
//! - [`daemon`] is the thin loop around it: nudges in, runs out, stop within a grace period.
//! - [`alarm`] wakes the loop at fire times with tokio-cron-scheduler one-shots.
//! - [`runs`] holds the runs in progress under the `job_concurrency` limit and aborts them.
//! - [`signals`] turns SIGTERM, SIGINT and SIGHUP into [`Control`] messages.
//!
//! It never computes a fire time itself: [`crate::jobs::Trigger`] (our cron module) does.

pub mod alarm;
pub mod daemon;
pub mod plan;
mod report;
pub mod runs;
pub mod signals;
#[cfg(test)]
mod tests;

pub use alarm::{Alarm, AlarmError, SchedulerAlarm};
pub use daemon::{Control, Daemon, Reload, Stopped, WATCHDOG_SLACK};
pub use plan::{Changes, Decision, Fired, Plan};
pub use runs::{Execute, RunResult};
pub use signals::forward_signals;
