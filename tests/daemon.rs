//! `a0snap daemon` against the fake tenant: runs on schedule with one token, no overlapping
//! runs, graceful and forced stops, SIGHUP reloads, the metrics endpoint and exit codes.

mod firing;
mod metrics;
mod process;
mod reload;
mod stopping;

/// A job that exports the clients as JSON every second.
pub(crate) const EVERY_SECOND: &str =
    "every = \"1s\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n";
