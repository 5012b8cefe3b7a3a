//! Management API tokens: one exchange with `/oauth/token`, and a cache that makes a token
//! seem never to expire.
//!
//! - [`Credentials`] say whose token, from which tenant, for which API: the one type for the
//!   tenant's credentials, which the settings ([`crate::config::Settings::tenant`]) hold too.
//! - [`exchange::TokenExchange`] asks Auth0 for a fresh [`Token`], with bounded retries.
//! - [`stale::is_stale`] and [`StalePolicy`] decide when a token must be renewed.
//! - [`TokenCache`] hands out tokens from memory, the token file or Auth0, one renewal at a
//!   time within a process and across processes; [`TokenCache::invalidate`] drops a token
//!   the API refused.
//!
//! Neither the client secret nor a token ever appears in `Debug` output, logs or errors. This
//! module knows nothing of jobs or of the Management API's list endpoints.

mod answer;
mod assertion;
mod cache;
mod credentials;
mod error;
mod exchange;
mod stale;
mod store;
mod token;

#[cfg(test)]
mod tests;

pub use assertion::{AssertionAlg, SigningKey};
pub(crate) use cache::{CacheMode, TokenCache};
pub use credentials::{ClientAuthentication, Credentials};
pub(crate) use error::AuthError;
pub(crate) use stale::StalePolicy;
pub(crate) use token::Token;
