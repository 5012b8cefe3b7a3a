//! One authenticated request (a GET, or the rare POST) against the Management API, with
//! everything that makes it reliable:
//! the shared pacer, retries with backoff for 429, 5xx, timeouts and broken connections, one
//! token renewal when the API answers 401 (or 403 `insufficient_scope` to a token that may
//! predate a scope grant, see [`TokenCache::renew_for_scope`]), and a deadline per job.
//! Certificate failures are never retried: another try meets the same certificate.
//!
//! Every GET a0snap sends is idempotent, so any transient failure may be retried. Each retry
//! waits for what the answer asked (`Retry-After`, else the padded `x-ratelimit-reset`), else
//! backoff with jitter; no wait is longer than [`RetryPolicy::longest_wait`], no request is
//! tried more often than the backoff allows, and nothing outlives the job's deadline.

mod post;
#[cfg(test)]
#[path = "tests/client.rs"]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;
use url::Url;

use super::error::{ApiError, ErrorBody, Failure, Method};
use super::limiter::Limiter;
use crate::auth::TokenCache;
use crate::clock::SharedClock;
use crate::http::CertificateProblem;
use crate::metrics::Metrics;
use crate::retry::{self, RetryPolicy, WaitSource};

/// The Management API client, shared by every job of a process.
#[derive(Debug, Clone)]
pub(crate) struct ApiClient {
    /// The process's one HTTP client.
    http: reqwest::Client,
    /// `https://{domain}/`.
    base_url: Url,
    /// Where bearer tokens come from.
    tokens: Arc<TokenCache>,
    /// The process's one pacer.
    limiter: Arc<Limiter>,
    /// How often and how long to retry.
    retry: RetryPolicy,
    /// The time one job may take (`A0SNAP_JOB_TIMEOUT`); `None` for no limit.
    job_timeout: Option<Duration>,
    /// When this job's time is up; set by [`ApiClient::for_job`].
    deadline: Option<Instant>,
    /// Time for `Retry-After` dates and reset headers.
    clock: SharedClock,
    /// Counts 429 answers.
    metrics: Arc<Metrics>,
}

/// A request as messages name it: `GET /api/v2/clients`.
#[derive(Debug, Clone, Copy)]
struct Call<'a> {
    /// `GET` or `POST`.
    method: Method,
    /// The path below the base URL.
    path: &'a str,
}

/// What went wrong with one attempt, and whether to try again.
enum Attempt {
    /// Worth another try after the wait the answer asked for (or backoff when `None`).
    Retry {
        failure: Failure,
        asked: Option<(Duration, WaitSource)>,
    },
    /// The token was refused (401, or 403 `insufficient_scope` to a token that may predate a
    /// grant) and dropped; renew it once, else fail with `refused`.
    Renew { refused: ApiError },
    /// Final.
    Fail(ApiError),
}

impl ApiClient {
    /// A client for `base_url` using the given token cache, pacer and retry policy.
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: Url,
        tokens: Arc<TokenCache>,
        limiter: Arc<Limiter>,
        retry: RetryPolicy,
        job_timeout: Option<Duration>,
        clock: SharedClock,
    ) -> Self {
        Self {
            http,
            base_url,
            tokens,
            limiter,
            retry,
            job_timeout,
            deadline: None,
            clock,
            metrics: Arc::default(),
        }
    }

    /// The same client, counting 429 answers in `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// This client for one job run starting now: every request of the run, its waits and
    /// retries included, ends by the job's deadline.
    pub(crate) fn for_job(&self) -> Self {
        Self {
            deadline: self.job_timeout.map(|timeout| Instant::now() + timeout),
            ..self.clone()
        }
    }

    /// When this job's time is up (set by [`ApiClient::for_job`]); `None` for no limit.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The URL of `path` (its segments already percent-encoded) with `query`, each pair
    /// encoded once as the SDKs encode it (Go's `url.QueryEscape`): form encoding, with `*`
    /// as `%2A` too, since Auth0's checkpoint `next` values hold `*` and are sent back as
    /// `from` (recorded in go-auth0's `TestCustomDomainManager_ListWithPagination`).
    pub(crate) fn url(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(path);
        if !query.is_empty() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(name, value)| format!("{}={}", query_text(name), query_text(value)))
                .collect();
            url.set_query(Some(&pairs.join("&")));
        }
        url
    }

    /// GETs `path?query` and returns the body of a 200 answer.
    pub(crate) async fn get(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Bytes, ApiError> {
        let url = self.url(path, query);
        let call = Call {
            method: Method::Get,
            path,
        };
        self.send(call, |http| http.get(url.clone())).await
    }

    /// Sends the request `build` makes, with the bearer token, the pacer, retries, one token
    /// renewal on 401 or a renewable 403 and the job's deadline, and returns the body of a
    /// 2xx answer.
    async fn send(
        &self,
        call: Call<'_>,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Bytes, ApiError> {
        let mut attempts = 0;
        let mut renewed = false;
        let mut last: Option<Failure> = None;
        loop {
            attempts += 1;
            let tried = self.before_deadline(call, &last, self.attempt(call, &build));
            let (failure, asked) = match tried.await? {
                Ok(body) => return Ok(body),
                Err(Attempt::Fail(error)) => return Err(error),
                Err(Attempt::Renew { refused }) if renewed => return Err(refused),
                Err(Attempt::Renew { refused }) => {
                    tracing::info!(
                        method = %call.method,
                        path = call.path,
                        refused = %refused,
                        "the API refused the token; renewing it once"
                    );
                    renewed = true;
                    attempts -= 1;
                    continue;
                }
                Err(Attempt::Retry { failure, asked }) => (failure, asked),
            };
            let wait = self.wait_before_retry(call, attempts, &failure, asked)?;
            tracing::debug!(
                method = %call.method,
                path = call.path,
                attempt = attempts,
                wait_ms = wait.as_millis() as u64,
                reason = %failure.reason,
                source = asked.map_or(WaitSource::Backoff, |(_, source)| source).describe(),
                "waiting before retrying"
            );
            last = Some(failure);
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before the next attempt, or why there is none.
    fn wait_before_retry(
        &self,
        call: Call<'_>,
        attempts: u32,
        failure: &Failure,
        asked: Option<(Duration, WaitSource)>,
    ) -> Result<Duration, ApiError> {
        if !self.retry.backoff.allows_another(attempts) {
            return Err(ApiError::RetriesExhausted {
                method: call.method,
                path: call.path.to_owned(),
                attempts,
                last: failure.clone(),
            });
        }
        let (wait, source) =
            asked.unwrap_or_else(|| (self.retry.backoff.delay(attempts), WaitSource::Backoff));
        if wait > self.retry.longest_wait {
            return Err(ApiError::WaitTooLong {
                method: call.method,
                path: call.path.to_owned(),
                reason: failure.reason.clone(),
                wait,
                asked_by: source,
                longest: self.retry.longest_wait,
            });
        }
        if let Some(deadline) = self.deadline
            && Instant::now() + wait >= deadline
        {
            return Err(self.out_of_time(call, Some(failure)));
        }
        Ok(wait)
    }

    /// Runs `work` within the job's deadline, if it has one.
    async fn before_deadline<T>(
        &self,
        call: Call<'_>,
        last: &Option<Failure>,
        work: impl Future<Output = T>,
    ) -> Result<T, ApiError> {
        match self.deadline {
            None => Ok(work.await),
            Some(deadline) => tokio::time::timeout_at(deadline, work)
                .await
                .map_err(|_| self.out_of_time(call, last.as_ref())),
        }
    }

    fn out_of_time(&self, call: Call<'_>, last: Option<&Failure>) -> ApiError {
        ApiError::DeadlineExceeded {
            method: call.method,
            path: call.path.to_owned(),
            limit: self.job_timeout.unwrap_or_default(),
            last: last.map(|failure| failure.reason.clone()),
        }
    }

    /// One try: a token, a place in flight, the request and its whole body.
    async fn attempt(
        &self,
        call: Call<'_>,
        build: &impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Bytes, Attempt> {
        let token = self
            .tokens
            .get()
            .await
            .map_err(|error| Attempt::Fail(error.into()))?;
        let permit = self.limiter.acquire(call.path).await;
        let sent = build(&self.http).bearer_auth(token.bearer()).send().await;
        let response = sent.map_err(|error| self.transport_failure(call, error))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await;
        let now = self.clock.now();
        permit.answered(retry::ratelimit_state(&headers, now), status);
        let body = body.map_err(|error| self.transport_failure(call, error))?;
        if status == StatusCode::UNAUTHORIZED {
            self.tokens.invalidate(&token);
            return Err(Attempt::Renew {
                refused: ApiError::Unauthorized {
                    method: call.method,
                    path: call.path.to_owned(),
                },
            });
        }
        match self.classify(call.path, status, &headers, body) {
            Err(Attempt::Fail(refused))
                if refused.is_insufficient_scope() && self.tokens.renew_for_scope(&token) =>
            {
                Err(Attempt::Renew { refused })
            }
            other => other,
        }
    }

    fn classify(
        &self,
        path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Bytes, Attempt> {
        if status.is_success() {
            return Ok(body);
        }
        let now = self.clock.now();
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.metrics.rate_limited();
            let asked = retry::rate_limited_wait(headers, now);
            if let Some((wait, source)) = asked
                && wait <= self.retry.longest_wait
            {
                let reason = format!("429 Too Many Requests, waiting for {}", source.describe());
                self.limiter.pause_for(path, wait, &reason);
            }
            return Err(Attempt::Retry {
                failure: Failure::rate_limited(),
                asked,
            });
        }
        if status.is_server_error() {
            return Err(Attempt::Retry {
                failure: Failure::server(status),
                asked: retry::retry_after(headers, now).map(|wait| (wait, WaitSource::RetryAfter)),
            });
        }
        let body = Box::new(serde_json::from_slice::<ErrorBody>(&body).unwrap_or_default());
        Err(Attempt::Fail(ApiError::Refused {
            path: path.to_owned(),
            status: status.as_u16(),
            body,
        }))
    }

    /// A transport error: retried, unless TLS refused the certificate (the next try would
    /// meet the same one).
    fn transport_failure(&self, call: Call<'_>, error: reqwest::Error) -> Attempt {
        if let Some(problem) = CertificateProblem::of(&error) {
            let host = match (self.base_url.host_str(), self.base_url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (host, _) => host.unwrap_or_default().to_owned(),
            };
            return Attempt::Fail(ApiError::Certificate {
                method: call.method,
                path: call.path.to_owned(),
                host,
                problem,
            });
        }
        Attempt::Retry {
            failure: Failure::transport(error),
            asked: None,
        }
    }
}

/// One query name or value, form-encoded with `*` encoded as well.
fn query_text(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('*', "%2A")
}
