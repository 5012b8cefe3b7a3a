//! What can go wrong while getting a token, with the context a user needs to fix it.
//!
//! Every variant is `Clone`, so the tasks that waited for one renewal can all receive the
//! error it ended with. No variant holds the client secret or a token: messages quote the
//! client id, the audience, Auth0's error code and description, and never a request body.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::http::CertificateProblem;

/// Why no token could be obtained.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// Auth0 refused the credentials (401/403 or another 4xx): retrying cannot help.
    #[error(
        "auth0 refused a token for client id {client_id:?} and audience {audience:?} \
         (http {status}, {error}: {description}); {hint}"
    )]
    Rejected {
        /// The application's client id.
        client_id: String,
        /// The audience the token was asked for.
        audience: String,
        /// The HTTP status of the answer.
        status: u16,
        /// The OAuth `error` code, or `unknown` when the body had none.
        error: String,
        /// The OAuth `error_description`, or a placeholder.
        description: String,
        /// What the user most likely has to change.
        hint: String,
    },
    /// The client assertion (Private Key JWT) could not be signed.
    #[error(
        "could not sign the client assertion: {detail}; check AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE and AUTH0_CLIENT_ASSERTION_SIGNING_ALG"
    )]
    Assertion {
        /// What went wrong, never quoting the key.
        detail: String,
    },
    /// The token endpoint kept answering 429, 408 or 5xx until the retries ran out.
    #[error(
        "the auth0 token endpoint is unavailable (http {status} after {attempts} attempt(s){}); \
         try again later, or check the tenant's status and rate limits",
        wait_hint(*retry_after)
    )]
    Unavailable {
        /// The status of the last answer.
        status: u16,
        /// How many requests were made.
        attempts: u32,
        /// The wait the last answer asked for, when it was too long to honour.
        retry_after: Option<Duration>,
    },
    /// The token endpoint could not be reached (connection, TLS, timeout) after the retries.
    #[error(
        "could not reach the auth0 token endpoint at {host} after {attempts} attempt(s): \
         {message}; check AUTH0_DOMAIN, the network, proxies and A0SNAP_CA_FILE"
    )]
    Transport {
        /// The host that was asked (never a full URL).
        host: String,
        /// How many requests were made.
        attempts: u32,
        /// The transport error, without any URL.
        message: String,
    },
    /// TLS verification refused the token endpoint's certificate: permanent, not retried.
    #[error("the tls certificate of the auth0 token endpoint at {host} was refused: {problem}")]
    Certificate {
        /// The host that was asked (never a full URL).
        host: String,
        /// What is wrong with the certificate, and the fix.
        problem: CertificateProblem,
    },
    /// The token endpoint answered something that is not a token.
    #[error(
        "the auth0 token endpoint answered http {status} with something that is not a token \
         ({detail}){}; check that AUTH0_DOMAIN points at the tenant and not a proxy or login page",
        excerpt_hint(excerpt.as_deref())
    )]
    BadAnswer {
        /// The HTTP status of the answer.
        status: u16,
        /// What was wrong with it.
        detail: String,
        /// The first bytes of the body, only when it cannot hold a token.
        excerpt: Option<String>,
    },
    /// The state folder (token file, lock) cannot be created or used.
    #[error(
        "cannot {action} {path}: {source}; make it writable by this user, set A0SNAP_STATE_DIR \
         to a writable folder, or set A0SNAP_TOKEN_CACHE=memory to keep tokens in memory only"
    )]
    StateDir {
        /// What was being done (`create the state folder`, `lock the token file`, ...).
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The I/O error, shared so the error stays cloneable.
        #[source]
        source: Arc<std::io::Error>,
    },
}

impl AuthError {
    /// A [`AuthError::StateDir`] for `action` on `path`.
    pub(crate) fn state_dir(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        AuthError::StateDir {
            action,
            path: path.into(),
            source: Arc::new(source),
        }
    }
}

/// The likely fix for a refused token request, from its status and OAuth error.
pub(crate) fn rejection_hint(
    status: u16,
    error: &str,
    description: &str,
    method: &str,
) -> &'static str {
    let description = description.to_ascii_lowercase();
    let refused_client =
        status == 401 || error == "invalid_client" || description.contains("unauthorized");
    if error == "unauthorized_client" || description.contains("grant type") {
        "enable the client credentials grant for this application (Applications > Advanced \
         Settings > Grant Types)"
    } else if refused_client && method == "private_key_jwt" {
        "check AUTH0_CLIENT_ID, and that the key in AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE (or \
         AUTH0_CLIENT_ASSERTION_SIGNING_KEY), AUTH0_CLIENT_ASSERTION_SIGNING_ALG and \
         AUTH0_CLIENT_ASSERTION_KID match the application's credential (Applications > \
         Credentials), and that the machine's clock is right"
    } else if refused_client {
        "check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (the secret may have been rotated)"
    } else if description.contains("service not enabled") || error == "access_denied" {
        "authorise the application for the Management API in the Auth0 dashboard (APIs > Auth0 \
         Management API > Machine to Machine Applications), grant the read scopes the jobs need, \
         and check AUTH0_AUDIENCE"
    } else {
        "check AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and AUTH0_AUDIENCE"
    }
}

fn wait_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(", it asked to wait {} s", wait.as_secs()),
        None => String::new(),
    }
}

fn excerpt_hint(excerpt: Option<&str>) -> String {
    match excerpt {
        Some(text) if !text.is_empty() => format!(", body starts with {text:?}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_secret_points_at_the_client_credentials() {
        let hint = rejection_hint(401, "access_denied", "Unauthorized", "client_secret_post");
        assert!(hint.contains("AUTH0_CLIENT_SECRET"), "{hint}");
    }

    #[test]
    fn an_api_not_authorised_points_at_the_dashboard() {
        let hint = rejection_hint(
            403,
            "access_denied",
            "Service not enabled within domain: x",
            "client_secret_post",
        );
        assert!(hint.contains("Machine to Machine Applications"), "{hint}");
    }

    #[test]
    fn a_missing_grant_type_points_at_the_grant_settings() {
        let hint = rejection_hint(
            403,
            "unauthorized_client",
            "Grant type not allowed",
            "client_secret_post",
        );
        assert!(hint.contains("Grant Types"), "{hint}");
    }

    #[test]
    fn a_state_folder_error_says_which_path_and_how_to_avoid_it() {
        let error = AuthError::state_dir(
            "create the token folder",
            "/nope/tokens",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        let message = error.to_string();
        assert!(message.contains("/nope/tokens"), "{message}");
        assert!(message.contains("A0SNAP_TOKEN_CACHE=memory"), "{message}");
    }
}
