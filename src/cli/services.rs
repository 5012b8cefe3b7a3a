//! The process's shared services, built once from the settings: the HTTP client, the token
//! cache, the request pacer and the API client. Every job of the process uses these same
//! instances, which is what makes "one token, one limiter per process" true. This is the
//! composition root, so it lives with the command line that calls it: nothing below `cli`
//! builds these pieces itself.

use std::sync::Arc;

use crate::api::{ApiClient, Limiter};
use crate::auth::{CacheMode, StalePolicy, TokenCache};
use crate::clock::SharedClock;
use crate::config::{Settings, TokenCacheSetting};
use crate::http::retry::{Backoff, RetryPolicy};
use crate::http::{self, HttpError};
use crate::metrics::Metrics;
use crate::runner::RunContext;

/// The shared services.
#[derive(Debug, Clone)]
pub(crate) struct Services {
    /// The token cache (also used by `a0snap token`).
    pub tokens: Arc<TokenCache>,
    /// The API client.
    pub api: ApiClient,
    /// The clock.
    pub clock: SharedClock,
    /// The process's counters (token requests, 429s, and the daemon's runs).
    pub metrics: Arc<Metrics>,
    /// The process's one HTTP client (also used to push metrics to a Pushgateway).
    pub http: reqwest::Client,
}

impl Services {
    /// Builds the services for `settings`.
    pub(crate) fn new(settings: &Settings, clock: SharedClock) -> Result<Self, HttpError> {
        let http = http::client(&settings.http)?;
        let credentials = settings.tenant.clone();
        let mode = match settings.token_cache {
            TokenCacheSetting::File => CacheMode::File {
                state_dir: settings.state_dir.clone(),
            },
            TokenCacheSetting::Memory => CacheMode::Memory,
        };
        let metrics = Arc::new(Metrics::default());
        let retry = RetryPolicy {
            backoff: Backoff {
                max_attempts: settings.http.max_retries.saturating_add(1),
                ..Backoff::default()
            },
            longest_wait: settings.http.max_retry_wait,
        };
        let tokens = Arc::new(
            TokenCache::new(
                credentials,
                http.clone(),
                mode,
                clock.clone(),
                StalePolicy::default(),
                retry,
            )
            .with_request_timeout(settings.http.request_timeout)
            .with_metrics(metrics.clone()),
        );
        let rate = settings.http.requests_per_second;
        let burst = rate.map_or(1, |rate| rate.ceil() as u32);
        let limiter = Arc::new(Limiter::new(settings.http.max_in_flight, rate, burst));
        let api = ApiClient::new(
            http.clone(),
            settings.tenant.base_url.clone(),
            tokens.clone(),
            limiter,
            retry,
            settings.http.job_timeout,
            clock.clone(),
        )
        .with_metrics(metrics.clone());
        Ok(Self {
            tokens,
            api,
            clock,
            metrics,
            http,
        })
    }

    /// The context a job run needs, writing below `settings.output_dir`.
    pub(crate) fn run_context(&self, settings: &Settings) -> RunContext {
        RunContext {
            api: self.api.clone(),
            output: settings.output.clone(),
            lease_ttl: settings.lease_ttl,
            clock: self.clock.clone(),
            progress: None,
            state_dir: settings.state_dir.clone(),
            pages_ahead: pages_ahead(settings.http.max_in_flight),
            max_rewalks: settings.max_rewalks,
        }
    }
}

/// How many offset pages a job fans out: twice the in-flight cap, so a job's next request is
/// already queued when a place frees up; none ahead when requests go one at a time.
fn pages_ahead(max_in_flight: usize) -> usize {
    if max_in_flight <= 1 {
        1
    } else {
        max_in_flight.saturating_mul(2)
    }
}
