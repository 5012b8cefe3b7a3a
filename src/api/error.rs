//! Errors of the Management API client. Each names the endpoint path and, where it helps, the
//! likely fix. None carries a token, a secret or an `Authorization` header.

use crate::auth::AuthError;

/// An Auth0 error body: `{statusCode, error, message, errorCode?}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ErrorBody {
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

/// Errors of one API request (after its retries) or of reading its answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token could be had.
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// The API refused the request; retrying will not help.
    #[error("GET {path} answered {status}{}{}", describe(body), hint(*status, body))]
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
        "GET {path} answered 401 again with a fresh token; check that AUTH0_AUDIENCE is the Management API of this tenant"
    )]
    Unauthorized {
        /// The request path.
        path: String,
    },
    /// Retries ran out.
    #[error(
        "GET {path} failed after {attempts} attempts, last: {last}; the tenant may be overloaded or rate-limited, try again later or lower A0SNAP_REQUESTS_PER_SECOND"
    )]
    RetriesExhausted {
        /// The request path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The body was not a page of records.
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

fn describe(body: &ErrorBody) -> String {
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

fn hint(status: u16, body: &ErrorBody) -> &'static str {
    match (status, body.error_code.as_deref()) {
        (403, Some("insufficient_scope")) => {
            "; grant the missing scope to the application (Dashboard > Applications > APIs > Auth0 Management API > Machine to Machine Applications)"
        }
        (403, _) => {
            "; the tenant refused this request, check the application's scopes and the tenant's plan"
        }
        (404, _) => "; check the endpoint name in the job file",
        (400, _) => "; check the job's params",
        _ => "",
    }
}

/// At most this many bytes of a body go into an error message.
pub const SNIPPET_BYTES: usize = 120;

/// The first bytes of a body, as text, for an error message.
pub fn snippet(body: &[u8]) -> String {
    let end = body.len().min(SNIPPET_BYTES);
    let mut text = String::from_utf8_lossy(&body[..end]).into_owned();
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
