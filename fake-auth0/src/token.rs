//! The token side: parsing a client-credentials request (form or JSON), checking it against
//! the configured client and audience, issuing JWT-looking tokens, and validating bearer
//! tokens on API requests (issued, not revoked, not expired, with the needed scope).
//!
//! Tokens are random strings shaped like JWTs (`eyJ…`); nothing verifies a signature. The
//! store sits behind a std mutex: it is touched briefly and never across an `.await`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::answer::OAuthError;

pub(crate) mod assertion;

/// The fields of a token request that matter here.
#[derive(Default, PartialEq, Eq)]
pub(crate) struct TokenRequest {
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `client_secret` (never printed).
    pub client_secret: Option<String>,
    /// `audience`.
    pub audience: Option<String>,
    /// `client_assertion_type` (Private Key JWT).
    pub client_assertion_type: Option<String>,
    /// `client_assertion`: a signed JWT (never printed).
    pub client_assertion: Option<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("client_id", &self.client_id)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl TokenRequest {
    /// Reads a JSON body when the content type says so, a form body otherwise.
    pub(crate) fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Self, OAuthError> {
        let is_json = content_type.is_some_and(|c| c.trim_start().starts_with("application/json"));
        let pairs: Vec<(String, String)> = if is_json {
            let value: Value = serde_json::from_slice(body).map_err(|_| {
                OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Invalid JSON body",
                )
            })?;
            let object = value.as_object().cloned().unwrap_or_default();
            object
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect()
        } else {
            form_urlencoded::parse(body).into_owned().collect()
        };
        let field = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        Ok(Self {
            grant_type: field("grant_type"),
            client_id: field("client_id"),
            client_secret: field("client_secret"),
            audience: field("audience"),
            client_assertion_type: field("client_assertion_type"),
            client_assertion: field("client_assertion"),
        })
    }

    /// Checks the grant, the credentials and the audience; the OAuth error Auth0 gives if not.
    #[cfg(test)]
    pub(crate) fn check(
        &self,
        client_id: &str,
        client_secret: &str,
        audiences: &[String],
    ) -> Result<String, OAuthError> {
        self.check_grant()?;
        self.check_secret(client_id, client_secret)?;
        self.check_audience(audiences)
    }

    /// Checks the grant type.
    pub(crate) fn check_grant(&self) -> Result<(), OAuthError> {
        match self.grant_type.as_deref() {
            Some("client_credentials") => {}
            Some(other) => {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    format!("Unsupported grant type: {other}"),
                ));
            }
            None => {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter: grant_type",
                ));
            }
        }
        Ok(())
    }

    /// Checks the client id and secret.
    pub(crate) fn check_secret(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(), OAuthError> {
        let id_ok = self.client_id.as_deref() == Some(client_id);
        let secret_ok = self
            .client_secret
            .as_deref()
            .is_some_and(|s| constant_time_eq(s, client_secret));
        if !(id_ok && secret_ok) {
            return Err(OAuthError::unauthorized());
        }
        Ok(())
    }

    /// Checks the audience; the audience granted.
    pub(crate) fn check_audience(&self, audiences: &[String]) -> Result<String, OAuthError> {
        match &self.audience {
            Some(audience) if audiences.contains(audience) => Ok(audience.clone()),
            Some(audience) => Err(OAuthError::new(
                StatusCode::FORBIDDEN,
                "access_denied",
                format!("Service not enabled within domain: {audience}"),
            )),
            None => Err(OAuthError::new(
                StatusCode::FORBIDDEN,
                "access_denied",
                "No audience parameter was provided, and no default audience has been configured",
            )),
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What a bearer token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Issued, not revoked, not expired: these scopes.
    Valid(Vec<String>),
    /// Never issued, or revoked.
    Invalid,
    /// Past its lifetime.
    Expired,
}

struct Issued {
    expires_at: Instant,
    scopes: Vec<String>,
    revoked: bool,
}

#[derive(Default)]
struct Tokens {
    order: Vec<String>,
    by_value: HashMap<String, Issued>,
}

/// Every token issued so far, and whether each still works.
pub(crate) struct TokenStore {
    tokens: Mutex<Tokens>,
    rng: Mutex<fastrand::Rng>,
}

impl Default for TokenStore {
    fn default() -> Self {
        Self {
            tokens: Mutex::default(),
            rng: Mutex::new(fastrand::Rng::new()),
        }
    }
}

impl TokenStore {
    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Issues a new token, different from every earlier one.
    pub(crate) fn issue(
        &self,
        issuer: &str,
        client_id: &str,
        audience: &str,
        scopes: &[String],
        lifetime: Duration,
    ) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let (jti, signature) = {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            let jti: String = (0..22).map(|_| rng.alphanumeric()).collect();
            let signature: Vec<u8> = (0..64).map(|_| rng.u8(..)).collect();
            (jti, signature)
        };
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "fake-auth0" });
        let claims = json!({
            "iss": format!("{issuer}/"),
            "sub": format!("{client_id}@clients"),
            "aud": audience,
            "iat": now,
            "exp": now + lifetime.as_secs(),
            "scope": scopes.join(" "),
            "gty": "client-credentials",
            "azp": client_id,
            "jti": jti,
        });
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(signature)
        );
        let issued = Issued {
            expires_at: Instant::now() + lifetime,
            scopes: scopes.to_vec(),
            revoked: false,
        };
        let mut tokens = self.tokens();
        tokens.order.push(token.clone());
        tokens.by_value.insert(token.clone(), issued);
        token
    }

    /// Whether a bearer token works now.
    pub(crate) fn check(&self, token: &str) -> TokenCheck {
        match self.tokens().by_value.get(token) {
            None => TokenCheck::Invalid,
            Some(issued) if issued.revoked => TokenCheck::Invalid,
            Some(issued) if Instant::now() >= issued.expires_at => TokenCheck::Expired,
            Some(issued) => TokenCheck::Valid(issued.scopes.clone()),
        }
    }

    /// Makes every token issued so far answer 401.
    pub(crate) fn revoke_all(&self) {
        for issued in self.tokens().by_value.values_mut() {
            issued.revoked = true;
        }
    }

    /// Every token issued so far, oldest first.
    pub(crate) fn issued(&self) -> Vec<String> {
        self.tokens().order.clone()
    }
}

#[cfg(test)]
mod tests;
