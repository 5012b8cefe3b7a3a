//! The Management API client: authenticated GETs with retries, rate-limit pacing and token
//! renewal ([`ApiClient`], [`Limiter`] with its mirror of Auth0's bucket in `budget`), and the
//! walk through a list endpoint ([`Pager`]).
//!
//! It knows endpoints and pages, not jobs or files: the runner joins it to the snapshot writers.

mod budget;
mod client;
mod error;
mod limiter;
mod page;
mod pager;
mod redact;

pub use client::ApiClient;
pub use error::{ApiError, ErrorBody, Failure, FailureKind};
pub use limiter::Limiter;
pub use page::{Page, PageError};
pub use pager::Pager;
