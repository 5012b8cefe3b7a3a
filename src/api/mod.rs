//! The Management API client: authenticated GETs with retries, rate-limit pacing and token
//! renewal ([`ApiClient`], [`Limiter`]), the walk through a list endpoint ([`Pager`]), whose
//! offset pages fan out through a bounded reorder buffer once the first page gave the total,
//! and Auth0's bulk user export ([`export_users`]).
//!
//! It knows endpoints and pages, not jobs or files: the runner joins it to the snapshot writers.

mod buckets;
mod budget;
mod client;
mod error;
mod export;
mod fanout;
mod limiter;
mod page;
mod pager;
mod redact;
mod reorder;
#[cfg(test)]
#[path = "tests/support.rs"]
mod tests_support;
mod walk;

pub use client::ApiClient;
pub use error::{ApiError, ErrorBody, Failure, FailureKind, Method};
pub use export::{ExportError, ExportFacts, ExportRequest, LinesError, PollPolicy, export_users};
pub use limiter::Limiter;
pub use page::{Page, PageError};
pub use pager::Pager;
pub use walk::{Drift, Verified};
