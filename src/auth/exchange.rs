//! The token exchange: one `POST /oauth/token` with the client credentials grant, retried by
//! the process's one retry loop ([`crate::http::retry`]: 429, 408, 5xx, timeouts and connection
//! errors, honouring `Retry-After`), and never retried when Auth0 refuses the credentials or
//! TLS refuses its certificate. This file only classifies answers.
//!
//! It caches nothing; [`super::TokenCache`] decides when to call it. It logs the attempt,
//! the status and the wait, never the form body, the secret or the token.

use std::time::Duration;

use secrecy::ExposeSecret;
use tracing::debug;

use super::answer::{parse_token, rejection, unexpected};
use super::assertion::JWT_BEARER;
use super::credentials::{ClientAuthentication, Credentials};
use super::error::AuthError;
use super::token::Token;
use crate::clock::SharedClock;
use crate::http::retry::{self, Failure, FailureKind, GiveUp, Retrier, RetryPolicy, Verdict};

/// What one token request proves the client with.
enum Proof<'a> {
    /// The client secret.
    Secret(&'a str),
    /// A signed assertion made for this request.
    Assertion(secrecy::SecretString),
}

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

    /// Requests a fresh token, retrying transient failures within the retry policy.
    pub(crate) async fn request(&self) -> Result<Token, AuthError> {
        // No deadline: one token serves every job, so no one job's time limit ends it.
        let retrier = Retrier {
            policy: self.retry,
            deadline: None,
            log_level: tracing::Level::WARN,
        };
        let outcome = retrier
            .run("POST /oauth/token", |number| self.attempt(number))
            .await;
        outcome.map_err(|give_up| self.give_up(give_up))
    }

    /// Sends one request and classifies its outcome.
    async fn attempt(&self, number: u32) -> Verdict<Token, AuthError> {
        let credentials = &self.credentials;
        debug!(
            client_id = %credentials.client_id,
            audience = %credentials.audience,
            attempt = number,
            "requesting a token"
        );
        let sent_at = self.clock.now();
        // A fresh assertion for every attempt: Auth0 accepts each `jti` once.
        let proof = match &credentials.authentication {
            ClientAuthentication::Secret(secret) => Proof::Secret(secret.expose_secret()),
            ClientAuthentication::PrivateKeyJwt(key) => {
                match key.assertion(&credentials.client_id, &credentials.base_url, sent_at) {
                    Ok(assertion) => Proof::Assertion(assertion),
                    Err(detail) => return Verdict::Fail(AuthError::Assertion { detail }),
                }
            }
        };
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("audience", credentials.audience.as_str()),
        ];
        match &proof {
            Proof::Secret(secret) => form.push(("client_secret", secret)),
            Proof::Assertion(assertion) => {
                form.push(("client_assertion_type", JWT_BEARER));
                form.push(("client_assertion", assertion.expose_secret()));
            }
        }
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
            Err(error) => return self.transport_failure(error),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return self.transport_failure(error),
        };
        let code = status.as_u16();
        if status.is_success() {
            return match parse_token(
                code,
                &body,
                sent_at,
                credentials.authentication.sent_secret(),
            ) {
                Ok(token) => Verdict::Done(token),
                Err(error) => Verdict::Fail(error),
            };
        }
        if let Some((failure, asked)) = retry::transient(status, &headers, self.clock.now()) {
            return Verdict::Retry { failure, asked };
        }
        if status.is_client_error() {
            Verdict::Fail(rejection(code, &body, credentials))
        } else {
            let detail = "an unexpected status";
            Verdict::Fail(unexpected(
                code,
                &body,
                detail,
                credentials.authentication.sent_secret(),
            ))
        }
    }

    /// A transport error: retried, unless TLS refused the certificate.
    fn transport_failure(&self, error: reqwest::Error) -> Verdict<Token, AuthError> {
        match retry::transport(error) {
            Ok(failure) => Verdict::Retry {
                failure,
                asked: None,
            },
            Err(problem) => Verdict::Fail(AuthError::Certificate {
                host: self.credentials.domain(),
                problem,
            }),
        }
    }

    /// The error a token request ends with when the loop gives up.
    fn give_up(&self, give_up: GiveUp<AuthError>) -> AuthError {
        let (attempts, last, too_long) = match give_up {
            GiveUp::Failed(error) => return error,
            GiveUp::Exhausted { attempts, last } => (attempts, last, None),
            GiveUp::WaitTooLong {
                attempts,
                wait,
                last,
                ..
            } => (attempts, last, Some(wait)),
            // The loop has no deadline here; should one come, the last failure tells.
            GiveUp::OutOfTime { last } => (1, last.unwrap_or_else(no_answer), None),
        };
        match last.status {
            Some(status) => AuthError::Unavailable {
                status,
                attempts,
                retry_after: too_long,
            },
            None => AuthError::Transport {
                host: self.credentials.domain(),
                attempts,
                message: last.reason,
            },
        }
    }
}

/// The failure named when a request ended before any answer or error came.
fn no_answer() -> Failure {
    Failure {
        reason: "timed out: no answer".to_owned(),
        kind: FailureKind::Timeout,
        status: None,
    }
}
