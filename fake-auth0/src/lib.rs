//! fake-auth0: an Auth0 stand-in served over real HTTP on loopback, for a0snap's integration
//! tests, `a0snap demo` and benchmarks.
//!
//! It issues client-credentials tokens at `POST /oauth/token` and serves the Management API
//! list endpoints under `/api/v2/` with Auth0's paging (offset, checkpoint, logs), error bodies,
//! scopes and rate-limit headers, shaped after recorded Auth0 answers. Tests inject faults
//! (error statuses, broken bodies, dropped connections, delays, revoked tokens) and read counters.
//!
//! # Layout
//! - [`config`]: [`Config`] and [`RateLimit`], what the fake accepts and how it behaves;
//!   [`plans`]: Auth0's documented rate limits per plan ([`RateLimits::essentials`], ...).
//! - [`tenant`]: [`Tenant`] records and their generation from [`Sizes`] and a seed.
//! - [`endpoints`]: the served list endpoints, their keys, scopes and paging.
//! - `token`, `pagination`, `cursor`, `rate_limit`, `faults`, `counters`: one concern each.
//! - `exports`: the bulk user export jobs and their gzipped files.
//! - `answer`: Auth0-shaped error bodies; `conn`: connections a fault can cut.
//! - `server`: the HTTP side and the [`FakeAuth0`] handle returned by [`start`].
//!
//! # Example
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let fake = fake_auth0::start(fake_auth0::Config::demo()).await?;
//! fake.inject(fake_auth0::FaultRule::nth(Some("users"), 2, fake_auth0::Fault::Status(503)));
//! // ... point a client at fake.base_url() with demo-client / demo-secret ...
//! assert_eq!(fake.counters().rate_limited, 0);
//! fake.shutdown().await;
//! # Ok(()) }
//! ```

mod answer;
pub mod config;
mod conn;
mod counters;
mod cursor;
pub mod endpoints;
mod exports;
mod faults;
mod pagination;
pub mod plans;
mod rate_limit;
mod server;
pub mod tenant;
mod token;

pub use config::{ClientAssertionKey, Config, DEFAULT_SCOPES, RateLimit};
pub use counters::Counters;
pub use exports::{DEFAULT_FIELDS as DEFAULT_EXPORT_FIELDS, Download, ExportBehaviour};
pub use faults::{Fault, FaultRule};
pub use plans::{EndpointLimits, RateLimits};
pub use server::{FakeAuth0, start, start_in_thread, start_on};
pub use tenant::{Sizes, Tenant};
