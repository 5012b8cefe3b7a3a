//! When a job runs: the two kinds of schedule trigger a job file can name, and the lengths of
//! time job files and settings write.
//!
//! - [`cron`]: five-field cron expressions evaluated in a time zone, with Vixie cron's day and
//!   daylight-saving rules.
//! - [`interval`]: `"15m"`-style lengths (`every`, `keep_for` and the duration settings).
//!
//! This is vocabulary, pure and clock-free: `jobs` and `config` build on it, and the daemon
//! (`schedule`) asks it for fire times. It must not depend on `jobs`, `schedule` or anything
//! that runs, reads files or reads the clock.

pub mod cron;
pub(crate) mod interval;
