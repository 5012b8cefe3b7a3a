//! An access token and what is known about it: when it was asked for, when it expires, its
//! scopes, and where this copy came from.
//!
//! The value sits behind an `Arc`, so handing a token to every page of every job costs a
//! reference count, and its `Debug` output never shows it.

use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::stale::{StalePolicy, is_stale};
use secrecy::{ExposeSecret, SecretString};

/// Where a token handed out by the cache came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TokenSource {
    /// Reused from this process's memory.
    Memory,
    /// Loaded from the token file written by an earlier run or another process.
    File,
    /// Just fetched from `/oauth/token`.
    Fresh,
}

impl TokenSource {
    /// `memory`, `file` or `fresh`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenSource::Memory => "memory",
            TokenSource::File => "file",
            TokenSource::Fresh => "fresh",
        }
    }
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Management API access token. Cheap to clone; `Debug` never shows the value.
#[derive(Clone)]
pub(crate) struct Token {
    /// The bearer value, shared between clones.
    value: Arc<SecretString>,
    /// The `token_type` Auth0 returned (`Bearer`).
    token_type: String,
    /// The granted scopes, space-separated, when Auth0 said.
    scope: Option<String>,
    /// When the request that produced it was sent.
    issued_at: Timestamp,
    /// `issued_at` plus `expires_in`.
    expires_at: Timestamp,
    /// Where this copy came from.
    source: TokenSource,
}

impl Token {
    /// A token with the given properties.
    pub(crate) fn new(
        value: SecretString,
        token_type: impl Into<String>,
        scope: Option<String>,
        issued_at: Timestamp,
        expires_at: Timestamp,
        source: TokenSource,
    ) -> Self {
        Self {
            value: Arc::new(value),
            token_type: token_type.into(),
            scope,
            issued_at,
            expires_at,
            source,
        }
    }

    /// The value to put after `Bearer ` in an `Authorization` header. Never log it.
    pub(crate) fn bearer(&self) -> &str {
        self.value.expose_secret()
    }

    /// The `token_type` Auth0 returned.
    pub(crate) fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The granted scopes, space-separated, if Auth0 listed them.
    pub(crate) fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// When the request that produced this token was sent.
    pub(crate) fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    /// When the token expires.
    pub(crate) fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// How long the token was valid for when issued.
    #[cfg(test)]
    pub(crate) fn lifetime(&self) -> jiff::SignedDuration {
        self.expires_at.duration_since(self.issued_at)
    }

    /// Where this copy came from.
    pub(crate) fn source(&self) -> TokenSource {
        self.source
    }

    /// The same token, marked as coming from `source`.
    pub(crate) fn with_source(&self, source: TokenSource) -> Token {
        Token {
            source,
            ..self.clone()
        }
    }

    /// Whether both are the same token value (wherever each copy came from).
    pub(crate) fn is_same(&self, other: &Token) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
            || self.value.expose_secret() == other.value.expose_secret()
    }

    /// Whether the token should be renewed at `now` under `policy`.
    pub(crate) fn is_stale(&self, now: Timestamp, policy: &StalePolicy) -> bool {
        is_stale(now, self.issued_at, self.expires_at, policy)
    }

    /// A SHA-256 of the value, to recognise the token in a file without keeping a copy.
    pub(crate) fn fingerprint(&self) -> String {
        fingerprint(self.value.expose_secret())
    }
}

/// The SHA-256 (hex) of a token value.
pub(crate) fn fingerprint(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("source", &self.source)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn token(value: &str) -> Token {
        let issued: Timestamp = "2026-11-28T10:00:00Z".parse().expect("ts");
        let expires = issued
            .checked_add(SignedDuration::from_hours(24))
            .expect("ts");
        Token::new(
            SecretString::from(value),
            "Bearer",
            Some("read:users".into()),
            issued,
            expires,
            TokenSource::Fresh,
        )
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let shown = format!("{:?}", token("eyJ.secret-token.sig"));
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains("read:users"), "{shown}");
    }

    #[test]
    fn copies_from_different_sources_are_the_same_token() {
        let fresh = token("abc");
        let loaded = token("abc").with_source(TokenSource::File);
        assert!(fresh.is_same(&loaded));
        assert!(!fresh.is_same(&token("abd")));
        assert_eq!(loaded.source().as_str(), "file");
        assert_eq!(fresh.lifetime(), SignedDuration::from_hours(24));
    }
}
