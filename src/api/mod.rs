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
#[cfg(test)]
#[path = "tests/properties.rs"]
mod properties;
mod redact;
mod relation;
mod reorder;
#[cfg(test)]
#[path = "tests/support.rs"]
mod tests_support;
mod walk;

pub(crate) use client::ApiClient;
pub(crate) use error::ApiError;
/// For other modules' tests that build an [`ApiError`] by hand.
#[cfg(test)]
pub(crate) use error::ErrorBody;
pub(crate) use export::{ExportError, ExportFacts, ExportRequest, PollPolicy, export_users};
pub(crate) use limiter::Limiter;
pub(crate) use page::Page;
pub(crate) use pager::Pager;
pub(crate) use relation::Relation;
pub(crate) use walk::{Drift, Verified};
