//! One authenticated request (a GET, or the rare POST) against the Management API, with
//! everything that makes it reliable: the shared pacer, the process's one retry loop
//! ([`crate::http::retry`]: 429, 408, 5xx, timeouts and broken connections), one
//! token renewal when the API answers 401 (or 403 `insufficient_scope` to a token that may
//! predate a scope grant, see [`TokenCache::renew_for_scope`]), and a deadline per job.
//! Certificate failures are never retried: another try meets the same certificate.
//!
//! Every GET a0snap sends is idempotent, so any transient failure may be retried. Each retry
//! waits for what the answer asked (`Retry-After`, else the padded `x-ratelimit-reset`), else
//! backoff with jitter; no wait is longer than [`RetryPolicy::longest_wait`], no request is
//! tried more often than the backoff allows, and nothing outlives the job's deadline. This
//! file only classifies answers: the loop is the one the token exchange and the download use.

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

use super::error::{ApiError, ErrorBody, Method};
use super::limiter::Limiter;
use crate::auth::TokenCache;
use crate::clock::SharedClock;
use crate::http::rate_limit;
use crate::http::retry::{self, FailureKind, GiveUp, Retrier, RetryPolicy, Verdict};
use crate::metrics::Metrics;

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
    /// The job whose run this client serves (set by [`ApiClient::for_job`]), for the per-job
    /// 429 count.
    job: Option<Arc<str>>,
}

/// A request as messages name it: `GET /api/v2/clients`.
#[derive(Debug, Clone, Copy)]
struct Call<'a> {
    /// `GET` or `POST`.
    method: Method,
    /// The path below the base URL.
    path: &'a str,
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
            job: None,
        }
    }

    /// The same client, counting 429 answers in `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// This client for one run of `job` starting now: every request of the run, its waits and
    /// retries included, ends by the job's deadline, and its 429 answers count against `job`.
    pub(crate) fn for_job(&self, job: &str) -> Self {
        Self {
            deadline: self.job_timeout.map(|timeout| Instant::now() + timeout),
            job: Some(Arc::from(job)),
            ..self.clone()
        }
    }

    /// 429 answers `job`'s requests got in this process so far.
    pub(crate) fn rate_limited_of(&self, job: &str) -> u64 {
        self.metrics.job_rate_limited(job)
    }

    /// Token requests `job`'s requests made in this process so far.
    pub(crate) fn token_requests_of(&self, job: &str) -> u64 {
        self.metrics.job_token_requests(job)
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

    /// The retry loop for this client's requests: its policy, and the job's deadline once
    /// [`ApiClient::for_job`] set one. The export download retries with it too.
    pub(crate) fn retrier(&self) -> Retrier {
        Retrier {
            policy: self.retry,
            deadline: self.deadline,
            log_level: tracing::Level::DEBUG,
        }
    }

    /// Sends the request `build` makes, with the bearer token, the pacer, retries, one token
    /// renewal on 401 or a renewable 403 and the job's deadline, and returns the body of a
    /// 2xx answer.
    async fn send(
        &self,
        call: Call<'_>,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Bytes, ApiError> {
        let request = format!("{} {}", call.method, call.path);
        let outcome = self
            .retrier()
            .run(&request, |_| self.attempt(call, &build))
            .await;
        outcome.map_err(|give_up| self.give_up(call, give_up))
    }

    /// The error a request ends with when the loop gives up.
    fn give_up(&self, call: Call<'_>, give_up: GiveUp<ApiError>) -> ApiError {
        let (method, path) = (call.method, call.path.to_owned());
        match give_up {
            GiveUp::Failed(error) => error,
            GiveUp::Exhausted { attempts, last } => ApiError::RetriesExhausted {
                method,
                path,
                attempts,
                last,
            },
            GiveUp::WaitTooLong {
                wait, source, last, ..
            } => ApiError::WaitTooLong {
                method,
                path,
                reason: last.reason,
                wait,
                asked_by: source,
                longest: self.retry.longest_wait,
            },
            GiveUp::OutOfTime { last } => ApiError::DeadlineExceeded {
                method,
                path,
                limit: self.job_timeout.unwrap_or_default(),
                last: last.map(|failure| failure.reason),
            },
        }
    }

    /// One try: a token, a place in flight, the request and its whole body, classified.
    async fn attempt(
        &self,
        call: Call<'_>,
        build: &impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Verdict<Bytes, ApiError> {
        let token = match self.tokens.get_for(self.job.as_deref()).await {
            Ok(token) => token,
            Err(error) => return Verdict::Fail(error.into()),
        };
        let permit = self.limiter.acquire(call.path).await;
        let sent = build(&self.http).bearer_auth(token.bearer()).send().await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return self.transport_failure(call, error),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await;
        let now = self.clock.now();
        permit.answered(rate_limit::ratelimit_state(&headers, now), status);
        let body = match body {
            Ok(body) => body,
            Err(error) => return self.transport_failure(call, error),
        };
        if status == StatusCode::UNAUTHORIZED {
            self.tokens.invalidate(&token);
            return Verdict::Renew(ApiError::Unauthorized {
                method: call.method,
                path: call.path.to_owned(),
            });
        }
        match self.classify(call.path, status, &headers, body) {
            Verdict::Fail(refused)
                if refused.is_insufficient_scope() && self.tokens.renew_for_scope(&token) =>
            {
                Verdict::Renew(refused)
            }
            other => other,
        }
    }

    /// A success, a transient answer (429 also counted and handed to the pacer), or a refusal.
    fn classify(
        &self,
        path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Verdict<Bytes, ApiError> {
        if status.is_success() {
            return Verdict::Done(body);
        }
        if let Some((failure, asked)) = retry::transient(status, headers, self.clock.now()) {
            if failure.kind == FailureKind::RateLimited {
                self.metrics.rate_limited(self.job.as_deref());
                if let Some((wait, source)) = asked
                    && wait <= self.retry.longest_wait
                {
                    let reason =
                        format!("429 Too Many Requests, waiting for {}", source.describe());
                    self.limiter.pause_for(path, wait, &reason);
                }
            }
            return Verdict::Retry { failure, asked };
        }
        let body = Box::new(serde_json::from_slice::<ErrorBody>(&body).unwrap_or_default());
        Verdict::Fail(ApiError::Refused {
            path: path.to_owned(),
            status: status.as_u16(),
            body,
        })
    }

    /// A transport error: retried, unless TLS refused the certificate.
    fn transport_failure(&self, call: Call<'_>, error: reqwest::Error) -> Verdict<Bytes, ApiError> {
        match retry::transport(error) {
            Ok(failure) => Verdict::Retry {
                failure,
                asked: None,
            },
            Err(problem) => {
                let host = match (self.base_url.host_str(), self.base_url.port()) {
                    (Some(host), Some(port)) => format!("{host}:{port}"),
                    (host, _) => host.unwrap_or_default().to_owned(),
                };
                Verdict::Fail(ApiError::Certificate {
                    method: call.method,
                    path: call.path.to_owned(),
                    host,
                    problem,
                })
            }
        }
    }
}

/// One query name or value, form-encoded with `*` encoded as well.
fn query_text(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('*', "%2A")
}
