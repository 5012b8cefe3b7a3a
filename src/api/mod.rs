//! The Management API client: authenticated GETs with retries, rate-limit pacing and token
//! renewal ([`ApiClient`], [`Limiter`]), and the walk through a list endpoint ([`Pager`]), whose
//! offset pages fan out through a bounded reorder buffer once the first page gave the total.
//!
//! It knows endpoints and pages, not jobs or files: the runner joins it to the snapshot writers.

mod client;
mod error;
mod fanout;
mod limiter;
mod page;
mod pager;
mod reorder;

pub use client::ApiClient;
pub use error::{ApiError, ErrorBody};
pub use limiter::Limiter;
pub use page::{Page, PageError};
pub use pager::Pager;
