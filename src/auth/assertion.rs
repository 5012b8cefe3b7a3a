//! Private Key JWT client authentication: the signed `client_assertion` a token request sends
//! instead of a client secret, as Auth0 documents it
//! (<https://auth0.com/docs/get-started/authentication-and-authorization-flow/authenticate-with-private-key-jwt>):
//! header `alg` (the credential's: `RS256`, `RS384` or `PS256`) and optional `kid`; claims
//! `iss` = `sub` = the client id, `aud` = the tenant's URL with a trailing slash
//! (`https://acme.eu.auth0.com/`), `iat`, `exp` one minute later (Auth0 allows at most five),
//! and a fresh random `jti` (a UUID) for every request, retries included, since Auth0 accepts
//! each `jti` once.
//!
//! Signing is the `jsonwebtoken` crate's (with aws-lc-rs); nothing here touches RSA. The key
//! is a secret: its `Debug` shows the algorithm and `kid` only, errors never quote it, and the
//! assertion is handed out as a [`SecretString`].

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde::Serialize;
use url::Url;

/// How long an assertion is valid: Auth0 allows up to 5 minutes and recommends the shortest.
const LIFETIME_SECS: i64 = 60;

/// The `client_assertion_type` of a Private Key JWT token request (RFC 7523).
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The algorithms Auth0 accepts for a Private Key JWT credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssertionAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the default).
    #[default]
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PSS with SHA-256.
    Ps256,
}

impl AssertionAlg {
    /// The JOSE name: `RS256`, `RS384`, `PS256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Ps256 => "PS256",
        }
    }

    fn jose(self) -> Algorithm {
        match self {
            Self::Rs256 => Algorithm::RS256,
            Self::Rs384 => Algorithm::RS384,
            Self::Ps256 => Algorithm::PS256,
        }
    }
}

impl FromStr for AssertionAlg {
    type Err = String;

    /// `RS256`, `RS384` or `PS256` (any case); an error naming the accepted values otherwise.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_uppercase().as_str() {
            "RS256" => Ok(Self::Rs256),
            "RS384" => Ok(Self::Rs384),
            "PS256" => Ok(Self::Ps256),
            _ => Err(format!(
                "{text:?} is not an algorithm Auth0 accepts for a credential; use RS256, RS384 or PS256"
            )),
        }
    }
}

/// The application's private key, the algorithm of its credential and the credential's `kid`.
#[derive(Clone)]
pub struct SigningKey {
    key: EncodingKey,
    alg: AssertionAlg,
    kid: Option<String>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The claims of an assertion.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: String,
    iat: i64,
    exp: i64,
    jti: String,
}

impl SigningKey {
    /// Reads an RSA private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    /// The error says what is wrong without quoting the key.
    pub fn from_pem(pem: &[u8], alg: AssertionAlg, kid: Option<String>) -> Result<Self, String> {
        let key = EncodingKey::from_rsa_pem(pem).map_err(|error| {
            format!(
                "is not an RSA private key in PEM ({}); give the private key of the application's credential, starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----",
                error.kind_name()
            )
        })?;
        // Sign once now, so a key that parses but cannot sign fails at start-up, not at the
        // first token request.
        let probe = Self { key, alg, kid };
        probe
            .sign(
                "a0snap-probe",
                "https://example.invalid/",
                Timestamp::UNIX_EPOCH,
            )
            .map_err(|error| format!("cannot sign with this key ({error})"))?;
        Ok(probe)
    }

    /// The credential's algorithm.
    pub fn alg(&self) -> AssertionAlg {
        self.alg
    }

    /// A fresh assertion for `client_id` at the tenant `base_url`, issued at `now`.
    pub(crate) fn assertion(
        &self,
        client_id: &str,
        base_url: &Url,
        now: Timestamp,
    ) -> Result<SecretString, String> {
        let audience = format!("{}/", base_url.as_str().trim_end_matches('/'));
        self.sign(client_id, &audience, now).map(SecretString::from)
    }

    fn sign(&self, client_id: &str, audience: &str, now: Timestamp) -> Result<String, String> {
        let mut header = Header::new(self.alg.jose());
        header.kid.clone_from(&self.kid);
        let claims = Claims {
            iss: client_id,
            sub: client_id,
            aud: audience.to_owned(),
            iat: now.as_second(),
            exp: now.as_second() + LIFETIME_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|error| error.kind_name().to_owned())
    }
}

/// A short name for a `jsonwebtoken` error that cannot carry key material.
trait KindName {
    fn kind_name(&self) -> &'static str;
}

impl KindName for jsonwebtoken::errors::Error {
    fn kind_name(&self) -> &'static str {
        use jsonwebtoken::errors::ErrorKind;
        match self.kind() {
            ErrorKind::InvalidKeyFormat => "invalid key format",
            ErrorKind::InvalidRsaKey(_) => "invalid RSA key",
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                "the key does not fit the algorithm"
            }
            ErrorKind::Base64(_) => "invalid base64",
            _ => "unusable key",
        }
    }
}

#[cfg(test)]
#[path = "tests/assertion.rs"]
mod tests;
