//! The daemon: runs jobs on their schedules, never two runs of one job at once, and stops
//! gracefully on SIGTERM or SIGINT.
//!
//! - [`plan`] is the testable core: what fires next, is it already running (then skip).
//! - [`daemon`] is the thin loop around it: nudges in, runs out, stop within a grace period.
//! - [`alarm`] wakes the loop at fire times with tokio-cron-scheduler one-shots.
//! - [`jumps`] notices wall-clock steps, so the plan can follow them.
//! - [`runs`] holds the runs in progress under the `job_concurrency` limit and aborts them.
//! - [`signals`] turns SIGTERM, SIGINT, SIGQUIT and SIGHUP into [`daemon::Control`] messages.
//! - [`stop`] is the rule for repeated stop signals, shared with `a0snap run`.
//!
//! It never computes a fire time itself: [`crate::jobs::Trigger`] (our cron module) does.

pub(crate) mod alarm;
pub(crate) mod daemon;
pub(crate) mod jumps;
pub(crate) mod plan;
mod report;
pub(crate) mod runs;
pub(crate) mod signals;
pub(crate) mod stop;
#[cfg(test)]
mod tests;

pub(crate) use alarm::{AlarmError, SchedulerAlarm};
pub(crate) use daemon::{Daemon, Stopped};
pub(crate) use runs::Execute;
pub(crate) use signals::{Hangup, forward_signals};
