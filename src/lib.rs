//! a0snap: scheduled snapshots of an Auth0 tenant through the Management API v2, and a
//! Management API token that never seems to expire.
//!
//! # Layout
//! Dependencies point one way, from the edge to the core:
//!
//! - [`cli`] parses commands and wires the pieces; `main.rs` only maps its result to an exit code.
//! - [`config`] turns the environment and flags into checked [`config::Settings`].
//! - [`runner`] runs one job: pages from [`api`] flow into [`snapshot`] writers.
//! - [`schedule`] is the daemon: schedules call the runner, without overlap.
//! - [`jobs`] loads and validates job files into checked [`jobs::Job`]s.
//! - [`api`] is the Management API client: authenticated GETs, paging, retries, rate limits.
//! - [`auth`] gets tokens (one exchange) and caches them (memory and file, single flight).
//! - [`snapshot`] writes JSON, NDJSON and CSV files atomically, with metadata and retention.
//! - [`endpoint`], [`secret`] and [`clock`] are the small vocabulary the others share.

pub mod clock;
pub mod endpoint;
pub mod retry;
pub mod secret;
pub mod snapshot;
