//! The token exchange: one `POST /oauth/token` with the client credentials grant, retried on
//! 429, 5xx, timeouts and connection errors with bounded backoff that honours `Retry-After`,
//! and never retried when Auth0 refuses the credentials or TLS refuses its certificate.
//!
//! It caches nothing; [`super::TokenCache`] decides when to call it. It logs the attempt,
//! the status and the wait, never the form body, the secret or the token.

use std::time::Duration;

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use tracing::{debug, warn};

use super::answer::{parse_token, rejection, unexpected};
use super::credentials::Credentials;
use super::error::AuthError;
use super::token::Token;
use crate::clock::SharedClock;
use crate::http::CertificateProblem;
use crate::retry::{RetryPolicy, rate_limited_wait, retry_after};

/// Asks Auth0 for tokens with one application's credentials.
#[derive(Debug, Clone)]
pub(crate) struct TokenExchange {
    /// Whose token, from which tenant, for which API.
    credentials: Credentials,
    /// The HTTP client (TLS roots, proxies and connection pool are the caller's).
    http: reqwest::Client,
    /// Where `issued_at` comes from.
    clock: SharedClock,
    /// Retry bounds for 429, 5xx and transport errors, and the longest wait honoured: a
    /// `Retry-After` beyond it ends the retries instead of stalling a job
    /// (`A0SNAP_MAX_RETRIES`, `A0SNAP_MAX_RETRY_WAIT`).
    retry: RetryPolicy,
    /// The timeout of each request; `None` leaves the HTTP client's own
    /// (`A0SNAP_REQUEST_TIMEOUT` for the process's client).
    timeout: Option<Duration>,
}

/// What one attempt ended with.
enum Attempt {
    /// A token.
    Done(Token),
    /// An error that retrying cannot fix.
    Fatal(AuthError),
    /// A failure worth retrying after `wait`.
    Retry { wait: Duration, failure: Failure },
}

/// A retryable failure, kept to build the error if the retries run out.
enum Failure {
    Status {
        status: u16,
        asked: Option<Duration>,
    },
    Transport {
        message: String,
    },
}

impl TokenExchange {
    /// An exchange retrying within `retry`, each request bounded by the HTTP client's timeout.
    pub(crate) fn new(
        credentials: Credentials,
        http: reqwest::Client,
        clock: SharedClock,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            credentials,
            http,
            clock,
            retry,
            timeout: None,
        }
    }

    /// The same exchange with another timeout per request.
    pub(crate) fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The credentials used.
    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Requests a fresh token, retrying transient failures within the backoff's bounds.
    pub(crate) async fn request(&self) -> Result<Token, AuthError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (wait, failure) = match self.attempt(attempts).await {
                Attempt::Done(token) => return Ok(token),
                Attempt::Fatal(error) => return Err(error),
                Attempt::Retry { wait, failure } => (wait, failure),
            };
            if !self.retry.backoff.allows_another(attempts) || wait > self.retry.longest_wait {
                return Err(self.give_up(failure, attempts));
            }
            warn!(
                client_id = %self.credentials.client_id,
                attempt = attempts,
                wait_ms = wait.as_millis() as u64,
                reason = %failure.describe(),
                "token request failed; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends one request and classifies its outcome.
    async fn attempt(&self, number: u32) -> Attempt {
        let credentials = &self.credentials;
        debug!(
            client_id = %credentials.client_id,
            audience = %credentials.audience,
            attempt = number,
            "requesting a token"
        );
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.expose_secret()),
            ("audience", credentials.audience.as_str()),
        ];
        let sent_at = self.clock.now();
        let mut request = self
            .http
            .post(credentials.token_url())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        let sent = request.send().await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return self.transport_failure(number, error),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return self.transport_failure(number, error),
        };
        let code = status.as_u16();
        let now = self.clock.now();
        if status.is_success() {
            match parse_token(code, &body, sent_at, &credentials.client_secret) {
                Ok(token) => Attempt::Done(token),
                Err(error) => Attempt::Fatal(error),
            }
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            let asked = rate_limited_wait(&headers, now).map(|(wait, _)| wait);
            self.retry_status(code, asked, number)
        } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            let asked = retry_after(&headers, now);
            self.retry_status(code, asked, number)
        } else if status.is_client_error() {
            Attempt::Fatal(rejection(code, &body, credentials))
        } else {
            let detail = "an unexpected status";
            Attempt::Fatal(unexpected(code, &body, detail, &credentials.client_secret))
        }
    }

    fn retry_status(&self, status: u16, asked: Option<Duration>, number: u32) -> Attempt {
        Attempt::Retry {
            wait: asked.unwrap_or_else(|| self.retry.backoff.delay(number)),
            failure: Failure::Status { status, asked },
        }
    }

    fn transport_failure(&self, number: u32, error: reqwest::Error) -> Attempt {
        if let Some(problem) = CertificateProblem::of(&error) {
            return Attempt::Fatal(AuthError::Certificate {
                host: self.credentials.domain(),
                problem,
            });
        }
        Attempt::Retry {
            wait: self.retry.backoff.delay(number),
            failure: Failure::Transport {
                message: describe_transport(error),
            },
        }
    }

    fn give_up(&self, failure: Failure, attempts: u32) -> AuthError {
        match failure {
            Failure::Status { status, asked } => AuthError::Unavailable {
                status,
                attempts,
                retry_after: asked.filter(|wait| *wait > self.retry.longest_wait),
            },
            Failure::Transport { message } => AuthError::Transport {
                host: self.credentials.domain(),
                attempts,
                message,
            },
        }
    }
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Failure::Status { status, .. } => format!("http {status}"),
            Failure::Transport { message } => message.clone(),
        }
    }
}

/// A transport error and its causes, without the URL.
fn describe_transport(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let error = error.without_url();
    let mut message = format!("{kind}: {error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
