//! Tests of the exchange and the cache against a real HTTP server on loopback, and of the
//! token file on a real (temporary) state folder.

mod cache;
mod exchange;
mod files;
mod logs;
mod server;

use std::time::Duration;

use super::{CacheMode, Credentials, StalePolicy, TokenCache};
use crate::clock::{self, SharedClock};
use crate::http::retry::{Backoff, RetryPolicy};
use secrecy::SecretString;
use server::TokenServer;

/// The client secret every test uses; it must never show up anywhere.
const SECRET: &str = "client-secret-that-must-not-leak";
/// The client id every test uses.
const CLIENT_ID: &str = "m2m-client-id";

fn credentials(server: &TokenServer) -> Credentials {
    Credentials {
        base_url: server.base_url.clone(),
        client_id: CLIENT_ID.into(),
        authentication: crate::auth::ClientAuthentication::Secret(SecretString::from(SECRET)),
        audience: Credentials::default_audience(&server.base_url),
    }
}

/// Retries after a few milliseconds, four attempts in all, waits of up to a minute honoured.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        backoff: Backoff {
            initial: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_attempts: 4,
        },
        longest_wait: Duration::from_secs(60),
    }
}

fn cache_with(server: &TokenServer, mode: CacheMode, clock: SharedClock) -> TokenCache {
    TokenCache::new(
        credentials(server),
        reqwest::Client::new(),
        mode,
        clock,
        StalePolicy::default(),
        fast_retry(),
    )
}

fn file_mode(state_dir: &std::path::Path) -> CacheMode {
    CacheMode::File {
        state_dir: state_dir.to_path_buf(),
    }
}

fn file_cache(server: &TokenServer, state_dir: &std::path::Path) -> TokenCache {
    cache_with(server, file_mode(state_dir), clock::system())
}

fn memory_cache(server: &TokenServer) -> TokenCache {
    cache_with(server, CacheMode::Memory, clock::system())
}
