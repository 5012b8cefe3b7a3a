//! `a0snap daemon` against the fake tenant: runs on schedule with one token, no overlapping
//! runs, graceful and forced stops, SIGHUP reloads, the metrics endpoint and exit codes.

#[path = "../common/mod.rs"]
mod common;
mod firing;
mod metrics;
mod process;
mod reload;
mod stopping;

use common::World;

/// A job that exports the clients as JSON every second.
pub const EVERY_SECOND: &str =
    "every = \"1s\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n";

/// The data files of `job`'s snapshots (not `latest`, not the meta files).
pub(crate) fn snapshots(world: &World, job: &str) -> Vec<String> {
    world
        .files(job)
        .into_iter()
        .filter(|name| {
            name.starts_with(&format!("{job}-"))
                && name.ends_with(".json")
                && !name.ends_with(".meta.json")
        })
        .collect()
}

/// Files a run left half-done: temporary names.
pub(crate) fn temporary_files(world: &World, job: &str) -> Vec<String> {
    world
        .files(job)
        .into_iter()
        .filter(|name| name.starts_with(".a0snap-tmp-"))
        .collect()
}
