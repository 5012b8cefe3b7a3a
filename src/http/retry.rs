//! The one HTTP retry loop of a0snap, used by the token exchange, the Management API client and
//! the export download: it counts attempts, waits (what the answer asked for, else backoff with
//! jitter), refuses a wait longer than [`RetryPolicy::longest_wait`], renews a refused token
//! once, and ends by the job's deadline when there is one.
//!
//! It knows nothing of Auth0 or of any caller's errors: each caller sends one attempt and
//! classifies its answer as a [`Verdict`]; the loop turns a final verdict, or the end of its
//! budget, into a [`GiveUp`] the caller words in its own error type. [`transient`] and
//! [`transport`] are the one rule for which answers and transport errors are worth another try,
//! so every caller retries the same things (429, 408, 5xx, timeouts, broken connections) and
//! words a failure the same way. It never sends a request itself and never logs a URL.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::certificate::CertificateProblem;
use super::rate_limit::{WaitSource, rate_limited_wait, retry_after};

/// Exponential backoff with full jitter, bounded in attempts and in each delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// The delay before the first retry (before jitter).
    pub initial: Duration,
    /// No single delay is longer than this.
    pub max_delay: Duration,
    /// How many attempts in all, the first included.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_attempts: 6,
        }
    }
}

impl Backoff {
    /// The upper bound of the delay after failed attempt number `attempt` (1-based).
    pub(crate) fn ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        self.initial
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }

    /// The delay after failed attempt number `attempt`: uniform between half the ceiling and
    /// the ceiling, so concurrent clients spread out but never retry at once.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        half + ceiling.saturating_sub(half).mul_f64(fastrand::f64())
    }

    /// Whether another attempt is allowed after `attempts` have been made.
    pub(crate) fn allows_another(&self, attempts: u32) -> bool {
        attempts < self.max_attempts
    }
}

/// How every HTTP request of a0snap retries (`A0SNAP_MAX_RETRIES`, `A0SNAP_MAX_RETRY_WAIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Attempts and delays for failures that name no wait.
    pub backoff: Backoff,
    /// No single wait is longer: a `Retry-After` or reset further away fails the request
    /// with a message, rather than holding the job (and, through the pacer, every job).
    pub longest_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            backoff: Backoff::default(),
            longest_wait: Duration::from_secs(60),
        }
    }
}

/// One failed attempt that was worth retrying: what happened, in words and as a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// What happened ("500 Internal Server Error", "timed out: ...").
    pub reason: String,
    /// Which kind of failure, for the hint.
    pub kind: FailureKind,
    /// The answer's status, when there was an answer.
    pub status: Option<u16>,
}

/// The kinds of transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// 429.
    RateLimited,
    /// 5xx, or 408 (the server gave up waiting for the request).
    Server,
    /// The connect or request timeout passed.
    Timeout,
    /// The connection could not be made, was reset, or the body broke off.
    Connection,
}

impl FailureKind {
    /// What a user can do when retries of this kind ran out.
    pub(crate) fn hint(self) -> &'static str {
        match self {
            FailureKind::RateLimited => {
                "the tenant's rate limit stayed exhausted: try again later, run fewer jobs at once (A0SNAP_JOB_CONCURRENCY) or set A0SNAP_REQUESTS_PER_SECOND below the plan's limit"
            }
            FailureKind::Server => {
                "auth0 kept answering with server errors: try again later, or raise A0SNAP_MAX_RETRIES"
            }
            FailureKind::Timeout => {
                "the answers took too long: raise A0SNAP_REQUEST_TIMEOUT, or lower the page size (params.per_page or params.take)"
            }
            FailureKind::Connection => {
                "check the network, proxies, AUTH0_DOMAIN and A0SNAP_CA_FILE"
            }
        }
    }
}

/// Whether an answer with `status` is worth another try, and the wait it asks for: 429 (its
/// `Retry-After`, else its padded reset, never under a second), 408 and 5xx (their
/// `Retry-After`). `None` for every other status: a success, or a refusal to report.
pub(crate) fn transient(
    status: StatusCode,
    headers: &HeaderMap,
    now: Timestamp,
) -> Option<(Failure, Option<(Duration, WaitSource)>)> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        let failure = Failure {
            reason: "429 Too Many Requests".to_owned(),
            kind: FailureKind::RateLimited,
            status: Some(429),
        };
        return Some((failure, rate_limited_wait(headers, now)));
    }
    if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        let failure = Failure {
            reason: status.to_string(),
            kind: FailureKind::Server,
            status: Some(status.as_u16()),
        };
        let asked = retry_after(headers, now).map(|wait| (wait, WaitSource::RetryAfter));
        return Some((failure, asked));
    }
    None
}

/// A transport error as a retryable [`Failure`], described without its URL; a refused
/// certificate instead, which is never retried (the next try meets the same certificate).
pub(crate) fn transport(error: reqwest::Error) -> Result<Failure, CertificateProblem> {
    if let Some(problem) = CertificateProblem::of(&error) {
        return Err(problem);
    }
    let (kind, words) = if error.is_timeout() {
        (FailureKind::Timeout, "timed out")
    } else if error.is_connect() {
        (FailureKind::Connection, "could not connect")
    } else if error.is_body() || error.is_decode() {
        (FailureKind::Connection, "the answer broke off")
    } else {
        (FailureKind::Connection, "the connection failed")
    };
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    Ok(Failure {
        reason: format!("{words}: {text}"),
        kind,
        status: None,
    })
}

/// What a caller makes of one attempt.
#[derive(Debug)]
pub(crate) enum Verdict<T, E> {
    /// The answer; the loop ends.
    Done(T),
    /// Worth another try after the wait the answer asked for (backoff when `None`).
    Retry {
        /// What went wrong.
        failure: Failure,
        /// The wait the answer asked for, and where it came from.
        asked: Option<(Duration, WaitSource)>,
    },
    /// The token was refused and dropped: try once more with a fresh one (the attempt is not
    /// counted), else fail with this error.
    Renew(E),
    /// Final: retrying cannot help.
    Fail(E),
}

/// Why the loop ended without an answer.
#[derive(Debug)]
pub(crate) enum GiveUp<E> {
    /// The caller's own final error (a refusal, or a token refused twice).
    Failed(E),
    /// Every attempt the policy allows failed.
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Failure,
    },
    /// The answer asked for a wait longer than [`RetryPolicy::longest_wait`].
    WaitTooLong {
        /// Attempts made.
        attempts: u32,
        /// The wait asked for.
        wait: Duration,
        /// Where it came from.
        source: WaitSource,
        /// The failure that asked for it.
        last: Failure,
    },
    /// The deadline came first, during an attempt or before the next one.
    OutOfTime {
        /// The last failure before time ran out, if any.
        last: Option<Failure>,
    },
}

/// The retry loop with its policy and, for a job's requests, the job's deadline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retrier {
    /// Attempts, backoff and the longest wait.
    pub policy: RetryPolicy,
    /// When the job's time is up; `None` for no limit (the token exchange, shared by jobs).
    pub deadline: Option<Instant>,
    /// The level of the "waiting before retrying" line: `DEBUG` for API pages (429s are
    /// routine), `WARN` for the token request (every job waits on it).
    pub log_level: tracing::Level,
}

impl Retrier {
    /// Runs `attempt` (given its 1-based number) until it is done, fails for good, or the
    /// policy or the deadline ends the retries. `request` names the request in debug logs
    /// ("GET /api/v2/roles", "POST /oauth/token"): never a URL with a query.
    pub(crate) async fn run<T, E, A, F>(
        &self,
        request: &str,
        mut attempt: A,
    ) -> Result<T, GiveUp<E>>
    where
        A: FnMut(u32) -> F,
        F: Future<Output = Verdict<T, E>>,
    {
        let mut attempts = 0;
        let mut renewed = false;
        let mut last: Option<Failure> = None;
        loop {
            attempts += 1;
            let verdict = match self.deadline {
                None => attempt(attempts).await,
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, attempt(attempts)).await {
                        Ok(verdict) => verdict,
                        Err(_) => return Err(GiveUp::OutOfTime { last }),
                    }
                }
            };
            let (failure, asked) = match verdict {
                Verdict::Done(answer) => return Ok(answer),
                Verdict::Fail(error) => return Err(GiveUp::Failed(error)),
                Verdict::Renew(refused) if renewed => return Err(GiveUp::Failed(refused)),
                Verdict::Renew(_) => {
                    tracing::info!(request, "the token was refused; renewing it once");
                    renewed = true;
                    attempts -= 1;
                    continue;
                }
                Verdict::Retry { failure, asked } => (failure, asked),
            };
            let (wait, source) = self.wait_before_retry(attempts, &failure, asked)?;
            let wait_ms = wait.as_millis() as u64;
            let (reason, source) = (&failure.reason, source.describe());
            if self.log_level == tracing::Level::WARN {
                tracing::warn!(request, attempt = attempts, wait_ms, %reason, source, "waiting before retrying");
            } else {
                tracing::debug!(request, attempt = attempts, wait_ms, %reason, source, "waiting before retrying");
            }
            last = Some(failure);
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before the next attempt and why, or why there is none: the attempts
    /// are spent, the wait asked for is too long, or it would end past the deadline.
    fn wait_before_retry<E>(
        &self,
        attempts: u32,
        failure: &Failure,
        asked: Option<(Duration, WaitSource)>,
    ) -> Result<(Duration, WaitSource), GiveUp<E>> {
        if !self.policy.backoff.allows_another(attempts) {
            return Err(GiveUp::Exhausted {
                attempts,
                last: failure.clone(),
            });
        }
        let (wait, source) =
            asked.unwrap_or_else(|| (self.policy.backoff.delay(attempts), WaitSource::Backoff));
        if wait > self.policy.longest_wait {
            return Err(GiveUp::WaitTooLong {
                attempts,
                wait,
                source,
                last: failure.clone(),
            });
        }
        if let Some(deadline) = self.deadline
            && Instant::now() + wait >= deadline
        {
            return Err(GiveUp::OutOfTime {
                last: Some(failure.clone()),
            });
        }
        Ok((wait, source))
    }
}

#[cfg(test)]
#[path = "tests/retry.rs"]
mod tests;
