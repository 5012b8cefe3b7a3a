//! a0snap: scheduled snapshots of an Auth0 tenant through the Management API v2, and a
//! Management API token that never seems to expire.
//!
//! # Layout
//! Dependencies point one way, from the edge to the core:
//!
//! - [`cli`] parses commands and wires the pieces; `main.rs` only prints its [`cli::CliError`]
//!   and exits with that error's code. Its [`cli::Services`] (the composition root) builds the
//!   process's one HTTP client ([`http`]), token cache, pacer and API client, shared by every
//!   job.
//! - [`config`] turns the environment and flags into checked [`config::Settings`] (the
//!   tenant's credentials as [`auth::Credentials`], the one type for them);
//!   [`telemetry`] starts logging.
//! - [`runner`] runs one job: pages from [`api`] flow into [`snapshot`] writers; it logs
//!   each run's start and end, once, for `a0snap run` and the daemon alike, and leaves
//!   `{out}/{job}/last-run.json` after each.
//! - [`progress`] shows running jobs' pages and records to a person at a terminal.
//! - [`schedule`] is the daemon: schedules call the runner, without overlap.
//! - [`status`] judges each job's health from the output folder (its last success, its
//!   `last-run.json`, its schedule) for `a0snap status`, the metrics file and the report.
//! - [`report`] writes the HTML report `{out}/index.html` (`a0snap report`, `A0SNAP_REPORT`):
//!   [`status`]'s verdicts, records over time from the meta files, the latest change reports.
//! - [`metrics`] counts runs, records, tokens and 429s and holds each job's last run, in one
//!   `prometheus-client` registry: the daemon's `/metrics`, `A0SNAP_METRICS_FILE` and the
//!   Pushgateway (the command line's `publish` feeds and sends it after every run).
//! - [`jobs`] loads and validates job files into checked [`jobs::Job`]s, with schedule
//!   triggers from [`trigger`]: [`trigger::cron`] expressions and [`trigger::interval`]s.
//! - [`api`] is the Management API client: authenticated GETs, paging, retries, rate limits.
//! - [`auth`] gets tokens (one exchange) and caches them (memory and file, single flight).
//! - [`snapshot`] writes JSON, NDJSON and CSV files atomically, with metadata, retention and
//!   change reports: its lifecycle at the top, `snapshot/encode/` (records into JSON and CSV,
//!   columns, redaction) and `snapshot/changes/` (change reports against the previous
//!   snapshot).
//! - [`incremental`] keeps an incremental logs job's checkpoint in the state folder, or, for
//!   an output in object storage, reads it from the newest committed delta.
//! - [`store`] is where a job's files live: a local folder or a prefix in an object store (S3,
//!   GCS, Azure Blob, through `object_store`), with the same few operations on both and one
//!   writer per job (an `flock`, or a lease object).
//! - [`atomic_file`] writes every file that must appear only complete, and sweeps what killed
//!   processes left.
//! - [`http`] is HTTP for everyone: the one client, the one retry loop ([`http::retry`]: the
//!   token exchange, the API client and the export download each only classify their
//!   answers), rate-limit headers, certificates and loopback hosts.
//! - [`endpoint`], [`users_export`], [`secret_fields`] and [`clock`] (with the one "time
//!   until") are the small vocabulary the others share; [`trigger`] groups the schedule
//!   triggers (cron and intervals). [`secret_fields`] stays here, not with the snapshot's
//!   redaction: [`api`]'s error messages hide secrets by the same rule, and `api` must not
//!   import `snapshot`.
//!
//! # Visibility
//! Only what another crate uses is `pub`: [`cli`] for `main.rs`, and the parts of [`config`],
//! [`trigger::cron`] (also at its old path `a0snap::cron`), [`endpoint`], [`jobs`],
//! [`snapshot`] and [`store`] (its [`store::Output`], a field of the settings) that the
//! integration tests and the bench call; everything else is
//! `pub(crate)` (the `unreachable_pub` lint in `Cargo.toml` keeps it so). These docs are for maintainers: read them with `cargo doc --document-private-items`,
//! which is why links to crate-private items are allowed.
#![allow(rustdoc::private_intra_doc_links)]

pub(crate) mod api;
pub(crate) mod atomic_file;
pub(crate) mod auth;
pub mod cli;
pub(crate) mod clock;
pub mod config;
pub mod endpoint;
pub(crate) mod http;
pub(crate) mod incremental;
pub mod jobs;
pub(crate) mod metrics;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod runner;
pub(crate) mod schedule;
pub(crate) mod secret_fields;
pub mod snapshot;
pub(crate) mod status;
pub mod store;
pub(crate) mod telemetry;
pub mod trigger;
pub(crate) mod users_export;

/// The cron schedules at the path the integration tests and the bench have always used.
pub use trigger::cron;
