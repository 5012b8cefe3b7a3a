//! a0snap's integration tests, built as one test binary (`autotests = false` in `Cargo.toml`,
//! as `just` does) so that a0snap, fake-auth0, axum, reqwest and tokio are linked once, not
//! once per file. Every test runs the real `a0snap` binary or its library against fake-auth0
//! (or a replay of recorded Auth0 answers) over loopback HTTP; [`common`] is the one harness.
//!
//! Run one area with a filter on its module: `cargo test --test integration faults::`.

mod background;
mod common;
/// The recorded Auth0 exchanges, read with fake-auth0's own loader.
#[path = "../fake-auth0/tests/http/recordings.rs"]
#[allow(dead_code)]
mod recordings;

mod buckets;
mod changes;
mod clock_jumps;
mod crash;
mod crontab;
mod daemon;
mod demo;
mod endpoints;
mod export;
mod fanout;
mod faults;
mod full_disk;
mod incremental;
mod integrity;
mod latest_transition;
mod metrics_file;
mod object_store_harness;
mod object_store_review;
mod object_store_rules;
mod object_store_runs;
mod private_key_jwt;
mod progress;
mod properties;
mod readme;
mod redaction;
mod relations;
mod replay;
mod report;
mod retention;
mod retries;
mod signals;
mod status;
mod tokens;
mod usage_errors;
mod users_export;
