//! Errors of the Management API client. Each names the endpoint path and, where it helps, the
//! likely fix. None carries a token, a secret or an `Authorization` header.

use std::time::Duration;

use crate::auth::AuthError;
use crate::endpoint;
use crate::http::CertificateProblem;
use crate::http::rate_limit::WaitSource;
use crate::http::retry::Failure;

/// An Auth0 error body: `{statusCode, error, message, errorCode?}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub(crate) struct ErrorBody {
    /// `error`, e.g. "Forbidden".
    #[serde(default)]
    pub error: Option<String>,
    /// `message`, e.g. "Insufficient scope, expected any of: read:clients".
    #[serde(default)]
    pub message: Option<String>,
    /// `errorCode`, e.g. "insufficient_scope"; optional in real answers.
    #[serde(default, rename = "errorCode")]
    pub error_code: Option<String>,
}

/// The HTTP method of a request, as messages name it (one byte, so errors stay small).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Every list page and poll.
    Get,
    /// The start of a users export.
    Post,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
        })
    }
}

/// Errors of one API request (after its retries) or of reading its answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// No token could be had.
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// The API refused the request; retrying will not help. Always a GET here: a refused POST
    /// (the users export) is worded by the export's own error.
    #[error("GET {path} answered {status}{}{}", describe(body), hint(path, *status, body))]
    Refused {
        /// The request path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The Auth0 error body, when it had one.
        body: Box<ErrorBody>,
    },
    /// A fresh token was refused too.
    #[error(
        "{method} {path} answered 401 again with a fresh token; check that AUTH0_AUDIENCE is the Management API of this tenant"
    )]
    Unauthorized {
        /// `GET` or `POST`.
        method: Method,
        /// The request path.
        path: String,
    },
    /// TLS verification refused the server's certificate: permanent, not retried.
    #[error("{method} {path}: the tls certificate of {host} was refused: {problem}")]
    Certificate {
        /// `GET` or `POST`.
        method: Method,
        /// The request path.
        path: String,
        /// The host and port asked.
        host: String,
        /// What is wrong with the certificate, and the fix.
        problem: CertificateProblem,
    },
    /// Retries ran out.
    #[error("{method} {path} failed after {attempts} attempts, last: {}; {}", last.reason, last.kind.hint())]
    RetriesExhausted {
        /// `GET` or `POST`.
        method: Method,
        /// The request path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Failure,
    },
    /// The answer asked for a wait longer than a0snap waits at once.
    #[error(
        "{method} {path} answered {reason} and asked to wait {}s ({}), longer than the {}s a0snap waits at once; try again later, or raise A0SNAP_MAX_RETRY_WAIT",
        wait.as_secs_f64().ceil(),
        asked_by.describe(),
        longest.as_secs()
    )]
    WaitTooLong {
        /// `GET` or `POST`.
        method: Method,
        /// The request path.
        path: String,
        /// The failure that asked for the wait.
        reason: String,
        /// The wait asked for.
        wait: Duration,
        /// Where it came from (`Retry-After`, `x-ratelimit-reset`).
        asked_by: WaitSource,
        /// The longest wait allowed.
        longest: Duration,
    },
    /// The job's time ran out.
    #[error(
        "{method} {path} did not finish within the job's time limit of {} (A0SNAP_JOB_TIMEOUT){}; raise A0SNAP_JOB_TIMEOUT, or narrow the job",
        crate::trigger::interval::format_every(*limit),
        last.as_deref().map(|last| format!(", last failure: {last}")).unwrap_or_default()
    )]
    DeadlineExceeded {
        /// `GET` or `POST`.
        method: Method,
        /// The request path.
        path: String,
        /// The time limit.
        limit: Duration,
        /// The last failure before time ran out, if any.
        last: Option<String>,
    },
    /// The body was not a page of records (pages are always GETs).
    #[error("GET {path} (page {page}) gave an unexpected answer: {detail}; body starts: {snippet}")]
    BadAnswer {
        /// The request path.
        path: String,
        /// The page number (1-based).
        page: u64,
        /// What was wrong.
        detail: String,
        /// The first bytes of the body.
        snippet: String,
    },
    /// The list changed while it was walked, or the server's order was not stable: the
    /// records received are not the tenant's list. The runner walks again.
    #[error("GET {path}: the list changed during the walk ({drift})")]
    Drift {
        /// The request path.
        path: String,
        /// What broke.
        drift: super::walk::Drift,
    },
    /// Offset paging cannot reach every record.
    #[error(
        "{path} has {total} records but offset paging stops at {cap}; the snapshot would be truncated, so nothing was written. Use `mode = \"export\"` (bulk user export) or narrow the job with `params.q`"
    )]
    OffsetCap {
        /// The request path.
        path: String,
        /// Records the API reports.
        total: u64,
        /// The cap.
        cap: u64,
    },
}

impl ApiError {
    /// Whether the API refused the request for a missing scope: a 403 with `errorCode`
    /// `insufficient_scope`, or (the code is optional in real answers) a message starting
    /// `Insufficient scope`, as Auth0 words it ("Insufficient scope, expected any of:
    /// read:clients", <https://auth0.com/docs/api/management/v2>).
    pub(crate) fn is_insufficient_scope(&self) -> bool {
        let ApiError::Refused {
            status: 403, body, ..
        } = self
        else {
            return false;
        };
        body.error_code.as_deref() == Some("insufficient_scope")
            || body
                .message
                .as_deref()
                .is_some_and(|message| message.starts_with("Insufficient scope"))
    }
}

/// An Auth0 error body on one line: " Forbidden: Insufficient scope ... (insufficient_scope)".
pub(crate) fn describe(body: &ErrorBody) -> String {
    let mut text = String::new();
    if let Some(error) = &body.error {
        text.push_str(&format!(" {error}"));
    }
    if let Some(message) = &body.message {
        text.push_str(&format!(": {message}"));
    }
    if let Some(code) = &body.error_code {
        text.push_str(&format!(" ({code})"));
    }
    text
}

fn hint(path: &str, status: u16, body: &ErrorBody) -> String {
    match (status, body.error_code.as_deref()) {
        (403, Some("insufficient_scope")) => format!(
            "; grant {} to the application (Dashboard > Applications > APIs > Auth0 Management API > Machine to Machine Applications)",
            needed_scope(path)
        ),
        (403, _) => "; the tenant refused this request, check the application's scopes and the tenant's plan".to_owned(),
        (404, _) => "; check the endpoint name in the job file".to_owned(),
        (400, _) => "; check the job's params".to_owned(),
        _ => String::new(),
    }
}

/// The scope reading `path` needs, when a0snap knows the endpoint.
fn needed_scope(path: &str) -> &'static str {
    endpoint::lookup(path).map_or("the missing scope", |known| known.scope)
}

/// At most this many bytes of a body go into an error message.
pub(super) const SNIPPET_BYTES: usize = 120;

/// The first bytes of a body, as text, for an error message; secret values are hidden.
pub(super) fn snippet(body: &[u8]) -> String {
    let end = body.len().min(SNIPPET_BYTES);
    let mut text = super::redact::hide_secret_values(&String::from_utf8_lossy(&body[..end]));
    if body.len() > end {
        text.push('…');
    }
    text
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::Auth(Box::new(error))
    }
}

#[cfg(test)]
#[path = "tests/error.rs"]
mod tests;
