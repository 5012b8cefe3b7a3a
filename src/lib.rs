//! a0snap: scheduled snapshots of an Auth0 tenant through the Management API v2, and a
//! Management API token that never seems to expire.
//!
//! # Layout
//! Dependencies point one way, from the edge to the core:
//!
//! - [`cli`] parses commands and wires the pieces; `main.rs` only maps its result to an exit code.
//! - [`config`] turns the environment and flags into checked [`config::Settings`];
//!   [`telemetry`] starts logging.
//! - [`services`] builds the process's one HTTP client ([`http`]), token cache, pacer and API
//!   client, shared by every job.
//! - [`runner`] runs one job: pages from [`api`] flow into [`snapshot`] writers.
//! - [`progress`] shows running jobs' pages and records to a person at a terminal.
//! - [`schedule`] is the daemon: schedules call the runner, without overlap.
//! - [`metrics`] counts runs, records, tokens and 429s for the daemon's `/metrics`.
//! - [`jobs`] loads and validates job files into checked [`jobs::Job`]s, with [`cron`]
//!   schedules and [`interval`]s.
//! - [`api`] is the Management API client: authenticated GETs, paging, retries, rate limits.
//! - [`auth`] gets tokens (one exchange) and caches them (memory and file, single flight).
//! - [`snapshot`] writes JSON, NDJSON and CSV files atomically, with metadata, retention and
//!   change reports.
//! - [`incremental`] keeps an incremental logs job's checkpoint in the state folder.
//! - [`atomic_file`] writes every file that must appear only complete, and sweeps what killed
//!   processes left.
//! - [`endpoint`], [`users_export`], [`secret_fields`], [`loopback`],
//!   [`clock`] and [`retry`] are the small vocabulary the others share.

pub mod api;
pub mod atomic_file;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cron;
pub mod endpoint;
pub mod http;
pub mod incremental;
pub mod interval;
pub mod jobs;
pub mod loopback;
pub mod metrics;
pub mod progress;
pub mod retry;
pub mod runner;
pub mod schedule;
pub mod secret_fields;
pub mod services;
pub mod snapshot;
pub mod telemetry;
pub mod users_export;
