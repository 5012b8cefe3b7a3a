//! One authenticated GET against the Management API, with everything that makes it reliable:
//! the shared pacer, retries with backoff for 429, 5xx and broken connections, and one token
//! renewal when the API answers 401.

mod post;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use url::Url;

use super::error::{ApiError, ErrorBody};
use super::limiter::Limiter;
use crate::auth::{Token, TokenCache};
use crate::clock::SharedClock;
use crate::retry::{self, Backoff};

/// The Management API client, shared by every job of a process.
#[derive(Debug, Clone)]
pub struct ApiClient {
    /// The process's one HTTP client.
    http: reqwest::Client,
    /// `https://{domain}/`.
    base_url: Url,
    /// Where bearer tokens come from.
    tokens: Arc<TokenCache>,
    /// The process's one pacer.
    limiter: Arc<Limiter>,
    /// How often and how long to retry.
    backoff: Backoff,
    /// Time for `Retry-After` dates and reset headers.
    clock: SharedClock,
}

/// What went wrong with one attempt, and whether to try again.
enum Attempt {
    /// Worth another try after the given wait (or the backoff's when `None`).
    Retry {
        reason: String,
        wait: Option<Duration>,
    },
    /// The token was refused; renew it once.
    Unauthorized,
    /// Final.
    Fail(ApiError),
}

impl ApiClient {
    /// A client for `base_url` using the given token cache and pacer.
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        tokens: Arc<TokenCache>,
        limiter: Arc<Limiter>,
        backoff: Backoff,
        clock: SharedClock,
    ) -> Self {
        Self {
            http,
            base_url,
            tokens,
            limiter,
            backoff,
            clock,
        }
    }

    /// The URL of `path` with `query`, each pair encoded once.
    pub fn url(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// GETs `path?query` and returns the body of a 200 answer.
    pub async fn get(&self, path: &str, query: &[(String, String)]) -> Result<Bytes, ApiError> {
        let url = self.url(path, query);
        let mut attempts = 0;
        let mut renewed = false;
        loop {
            attempts += 1;
            let token = self.tokens.get().await?;
            let (reason, wait) = match self.attempt(path, &url, &token).await {
                Ok(body) => return Ok(body),
                Err(Attempt::Fail(error)) => return Err(error),
                Err(Attempt::Unauthorized) => {
                    if renewed {
                        return Err(ApiError::Unauthorized {
                            path: path.to_owned(),
                        });
                    }
                    tracing::info!(path, "the API refused the token; renewing it once");
                    self.tokens.invalidate(&token);
                    renewed = true;
                    attempts -= 1;
                    continue;
                }
                Err(Attempt::Retry { reason, wait }) => (reason, wait),
            };
            if !self.backoff.allows_another(attempts) {
                return Err(ApiError::RetriesExhausted {
                    path: path.to_owned(),
                    attempts,
                    last: reason,
                });
            }
            let wait = wait.unwrap_or_else(|| self.backoff.delay(attempts));
            tracing::debug!(path, attempt = attempts, wait_ms = wait.as_millis() as u64, reason = %reason, "waiting before retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One try: a place in flight, the request and its whole body.
    async fn attempt(&self, path: &str, url: &Url, token: &Token) -> Result<Bytes, Attempt> {
        let permit = self.limiter.acquire().await;
        let sent = self
            .http
            .get(url.clone())
            .bearer_auth(token.bearer())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Err(transport_failure(error)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await;
        drop(permit);
        self.observe_budget(&headers);
        let body = match body {
            Ok(body) => body,
            Err(error) => return Err(transport_failure(error)),
        };
        self.classify(path, status, &headers, body)
    }

    fn classify(
        &self,
        path: &str,
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: Bytes,
    ) -> Result<Bytes, Attempt> {
        if status.is_success() {
            return Ok(body);
        }
        if status == StatusCode::UNAUTHORIZED {
            return Err(Attempt::Unauthorized);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry::rate_limited_wait(headers, self.clock.now());
            if let Some(wait) = wait {
                self.limiter.pause_for(wait);
            }
            return Err(Attempt::Retry {
                reason: "429 Too Many Requests".to_owned(),
                wait,
            });
        }
        if status.is_server_error() {
            return Err(Attempt::Retry {
                reason: format!("{status}"),
                wait: retry::retry_after(headers, self.clock.now()),
            });
        }
        let body = Box::new(serde_json::from_slice::<ErrorBody>(&body).unwrap_or_default());
        Err(Attempt::Fail(ApiError::Refused {
            path: path.to_owned(),
            status: status.as_u16(),
            body,
        }))
    }

    /// When Auth0 says the bucket is empty, every job waits for the reset.
    fn observe_budget(&self, headers: &reqwest::header::HeaderMap) {
        if retry::ratelimit_remaining(headers) == Some(0)
            && let Some(wait) = retry::ratelimit_reset(headers, self.clock.now())
        {
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "rate-limit budget spent; pausing requests until the reset"
            );
            self.limiter.pause_for(wait);
        }
    }
}

fn transport_failure(error: reqwest::Error) -> Attempt {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the answer broke off"
    } else {
        "the connection failed"
    };
    Attempt::Retry {
        reason: format!("{kind}: {}", error_chain(&error.without_url())),
        wait: None,
    }
}

/// An error and its causes on one line ("error sending request: connection reset").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
