//! Private Key JWT client authentication, checked as Auth0 documents it
//! (<https://auth0.com/docs/get-started/authentication-and-authorization-flow/authenticate-with-private-key-jwt>):
//!
//! - `client_assertion_type` is `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`;
//! - the header's `alg` is the credential's (and its `kid`, if given, the credential's);
//! - the signature verifies with the credential's public key;
//! - `iss` and `sub` are the client id (and `client_id`, if sent, too);
//! - `aud` is the tenant's URL with a trailing slash (`https://{tenant}/`);
//! - `exp` is given and not past; `iat`, if given, is at most 10 seconds ahead (Auth0's clock
//!   skew) and `exp` at most 5 minutes after it (the message is the one Auth0's logs show:
//!   "'exp' claim must specify a time that is no more than 5 minutes after 'iat'");
//! - `jti` is given and used once.
//!
//! A malformed request is `400 invalid_request`; an assertion that fails a check is
//! `401 invalid_client` ("Failed client authentication" in Auth0's logs), each with a
//! description naming the check. This module only verifies: it never signs.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::http::StatusCode;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::answer::OAuthError;
use crate::config::ClientAssertionKey;

/// The only `client_assertion_type` Auth0 accepts.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Auth0's longest assertion lifetime, `exp` − `iat`, in seconds.
const MAX_LIFETIME_SECS: u64 = 300;
/// The clock skew Auth0 allows on `iat` and `exp`, in seconds.
const SKEW_SECS: u64 = 10;

/// The claims read from an assertion.
#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<serde_json::Value>,
    exp: Option<u64>,
    iat: Option<u64>,
    jti: Option<String>,
}

/// The client's credentials and the `jti` values already used.
pub(crate) struct Assertions {
    /// Each credential with its parsed key; a key that does not parse is kept as `None` and
    /// verifies nothing.
    keys: Vec<(ClientAssertionKey, Option<DecodingKey>)>,
    /// `jti` → the assertion's `exp`; entries past their `exp` are dropped as new ones come.
    used: Mutex<HashMap<String, u64>>,
}

impl Assertions {
    /// The verifier of `keys`.
    pub(crate) fn new(keys: &[ClientAssertionKey]) -> Self {
        let keys = keys
            .iter()
            .map(|key| {
                let parsed = DecodingKey::from_rsa_pem(key.public_key_pem.as_bytes()).ok();
                if parsed.is_none() {
                    tracing::warn!(kid = ?key.kid, "a client assertion key is not an RSA public key PEM");
                }
                (key.clone(), parsed)
            })
            .collect();
        Self {
            keys,
            used: Mutex::default(),
        }
    }

    /// Whether the client authenticates with assertions (a credential is registered).
    pub(crate) fn required(&self) -> bool {
        !self.keys.is_empty()
    }

    /// Checks `assertion` (of type `assertion_type`, for `client_id` if the request named one)
    /// against the credentials, for a tenant at `tenant_url` (`http://127.0.0.1:PORT`), at
    /// `now` (seconds since the epoch).
    pub(crate) fn verify(
        &self,
        assertion_type: Option<&str>,
        assertion: &str,
        client_id: &str,
        request_client_id: Option<&str>,
        tenant_url: &str,
        now: u64,
    ) -> Result<(), OAuthError> {
        if assertion_type != Some(JWT_BEARER) {
            return Err(invalid_request(format!(
                "client_assertion_type must be {JWT_BEARER}"
            )));
        }
        let header = jsonwebtoken::decode_header(assertion)
            .map_err(|_| invalid_request("client_assertion is not a JWT"))?;
        let key = self.key_for(header.alg, header.kid.as_deref())?;
        let mut validation = Validation::new(header.alg);
        // The claims are checked below, one by one, for Auth0's messages.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<Claims>(assertion, key, &validation)
            .map_err(|_| invalid_client("Invalid client assertion signature"))?
            .claims;
        if claims.iss.as_deref() != Some(client_id) || claims.sub.as_deref() != Some(client_id) {
            return Err(invalid_client(
                "'iss' and 'sub' claims must be the client_id",
            ));
        }
        if request_client_id.is_some_and(|id| id != client_id) {
            return Err(invalid_client(
                "client_id does not match the assertion's 'sub'",
            ));
        }
        let audience = format!("{tenant_url}/");
        let aud_ok = match &claims.aud {
            Some(serde_json::Value::String(aud)) => *aud == audience,
            Some(serde_json::Value::Array(auds)) => auds.iter().any(|aud| *aud == *audience),
            _ => false,
        };
        if !aud_ok {
            return Err(invalid_client(format!("'aud' claim must be {audience}")));
        }
        let Some(exp) = claims.exp else {
            return Err(invalid_client("'exp' claim is required"));
        };
        if exp + SKEW_SECS <= now {
            return Err(invalid_client("The client assertion has expired"));
        }
        if let Some(iat) = claims.iat {
            if iat > now + SKEW_SECS {
                return Err(invalid_client("'iat' claim must not be in the future"));
            }
            if exp > iat + MAX_LIFETIME_SECS {
                return Err(invalid_client(
                    "'exp' claim must specify a time that is no more than 5 minutes after 'iat'",
                ));
            }
        } else if exp > now + MAX_LIFETIME_SECS {
            return Err(invalid_client(
                "'exp' claim must specify a time that is no more than 5 minutes from now",
            ));
        }
        let Some(jti) = claims.jti.filter(|jti| !jti.is_empty()) else {
            return Err(invalid_client("'jti' claim is required"));
        };
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.retain(|_, until| *until + SKEW_SECS > now);
        if used.insert(jti, exp).is_some() {
            return Err(invalid_client("'jti' claim must not be reused"));
        }
        Ok(())
    }

    /// The credential matching the header's `alg` and `kid`.
    fn key_for(&self, alg: Algorithm, kid: Option<&str>) -> Result<&DecodingKey, OAuthError> {
        let named: Vec<&(ClientAssertionKey, Option<DecodingKey>)> = self
            .keys
            .iter()
            .filter(|(key, _)| kid.is_none() || key.kid.as_deref() == kid)
            .collect();
        if named.is_empty() {
            return Err(invalid_client(format!(
                "No credential with kid {} is registered for the client",
                kid.unwrap_or_default()
            )));
        }
        let alg_name = format!("{alg:?}");
        named
            .iter()
            .find(|(key, _)| key.alg == alg_name)
            .and_then(|(_, parsed)| parsed.as_ref())
            .ok_or_else(|| {
                invalid_client(format!(
                    "The client assertion's alg {alg_name} does not match the credential's"
                ))
            })
    }
}

fn invalid_client(description: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

fn invalid_request(description: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
}
