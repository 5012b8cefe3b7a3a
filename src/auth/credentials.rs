//! The machine-to-machine application's credentials, and the two things derived from them:
//! the token endpoint's URL and the key that names its token cache.
//!
//! The application authenticates with a client secret or with a signed assertion (Private Key
//! JWT, [`super::assertion`]). The cache key covers the tenant, the client id and the audience,
//! never the secret or the key, so a rotated secret or key keeps using (and then replacing)
//! the same cache entry.

use sha2::{Digest, Sha256};
use url::Url;

use secrecy::SecretString;

use super::assertion::SigningKey;

/// How the application proves who it is at `POST /oauth/token`.
#[derive(Debug, Clone)]
pub enum ClientAuthentication {
    /// `client_secret` (Auth0's `client_secret_post`).
    Secret(SecretString),
    /// A `client_assertion` signed with the application's private key (Auth0's
    /// `private_key_jwt`).
    PrivateKeyJwt(SigningKey),
}

impl ClientAuthentication {
    /// Auth0's name for the method (`token_endpoint_auth_method`): `client_secret_post` or
    /// `private_key_jwt`.
    pub fn method(&self) -> &'static str {
        match self {
            Self::Secret(_) => "client_secret_post",
            Self::PrivateKeyJwt(_) => "private_key_jwt",
        }
    }

    /// The secret sent in every request, which an echoed answer must not show; `None` for
    /// Private Key JWT, whose key is never sent (and whose assertions are single use).
    pub(crate) fn sent_secret(&self) -> Option<&SecretString> {
        match self {
            Self::Secret(secret) => Some(secret),
            Self::PrivateKeyJwt(_) => None,
        }
    }
}

/// What `POST /oauth/token` needs. A secret is a [`SecretString`] (the `secrecy` crate):
/// `Debug` shows it as `SecretBox<str>([REDACTED])`, it has no `Display`, it is zeroed when
/// dropped, and the one way to read it is `ExposeSecret::expose_secret`, so each use is easy
/// to find in review.
///
/// The one type for the tenant and application a0snap acts as: [`crate::config`] resolves it
/// from the environment (and re-exports it), the token cache and exchange use it.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The tenant's base URL: `https://acme.eu.auth0.com/`, or `http://127.0.0.1:PORT/` in tests.
    pub base_url: Url,
    /// The application's client id.
    pub client_id: String,
    /// The application's client secret or signing key.
    pub authentication: ClientAuthentication,
    /// The API the token is for, usually `{base_url}api/v2/`.
    pub audience: String,
}

impl Credentials {
    /// The Management API audience of a tenant: `{base_url}/api/v2/` (the one definition,
    /// used by the settings when `AUTH0_AUDIENCE` is not set).
    pub(crate) fn default_audience(base_url: &Url) -> String {
        format!("{}/api/v2/", base_url.as_str().trim_end_matches('/'))
    }

    /// `{base_url}/oauth/token`, keeping any path prefix of the base URL.
    pub(crate) fn token_url(&self) -> Url {
        let mut url = self.base_url.clone();
        let path = format!("{}/oauth/token", self.base_url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        url
    }

    /// The tenant as `host` or `host:port` (when the port is not the scheme's default).
    pub(crate) fn domain(&self) -> String {
        let host = self.base_url.host_str().unwrap_or_default();
        match self.base_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// SHA-256 (hex) of host, port, client id and audience: the name of this token's cache
    /// entry. The secret is not part of it.
    pub(crate) fn cache_key(&self) -> String {
        let host = self.base_url.host_str().unwrap_or_default();
        let port = self.base_url.port_or_known_default().unwrap_or_default();
        let mut hash = Sha256::new();
        for part in [
            "a0snap-token-v1",
            host,
            &port.to_string(),
            &self.client_id,
            &self.audience,
        ] {
            // Length-prefixed so ("ab", "c") and ("a", "bc") never collide.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hex::encode(hash.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(base: &str, client_id: &str, secret: &str) -> Credentials {
        let base_url = Url::parse(base).expect("url");
        Credentials {
            audience: Credentials::default_audience(&base_url),
            base_url,
            client_id: client_id.into(),
            authentication: ClientAuthentication::Secret(SecretString::from(secret)),
        }
    }

    #[test]
    fn debug_output_never_shows_the_client_secret() {
        let credentials = credentials("https://acme.eu.auth0.com", "id", "hunter2");
        let ClientAuthentication::Secret(secret) = &credentials.authentication else {
            panic!("a secret")
        };
        let shown = format!("{credentials:?} {:?}", Some(secret));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[REDACTED]"), "{shown}");
        assert_eq!(secrecy::ExposeSecret::expose_secret(secret), "hunter2");
    }

    #[test]
    fn the_token_url_and_audience_follow_the_base_url() {
        let plain = credentials("https://acme.eu.auth0.com", "id", "s");
        assert_eq!(
            plain.token_url().as_str(),
            "https://acme.eu.auth0.com/oauth/token"
        );
        assert_eq!(plain.audience, "https://acme.eu.auth0.com/api/v2/");
        let local = credentials("http://127.0.0.1:8080/tenant/", "id", "s");
        assert_eq!(
            local.token_url().as_str(),
            "http://127.0.0.1:8080/tenant/oauth/token"
        );
        assert_eq!(local.domain(), "127.0.0.1:8080");
    }

    #[test]
    fn the_cache_key_ignores_the_secret_but_not_the_client_or_tenant() {
        let key = credentials("https://acme.eu.auth0.com/", "id", "one").cache_key();
        assert_eq!(key.len(), 64);
        assert_eq!(
            key,
            credentials("https://acme.eu.auth0.com/", "id", "two").cache_key()
        );
        assert_ne!(
            key,
            credentials("https://acme.eu.auth0.com/", "id2", "one").cache_key()
        );
        assert_ne!(
            key,
            credentials("https://other.eu.auth0.com/", "id", "one").cache_key()
        );
        assert_ne!(
            key,
            credentials("https://acme.eu.auth0.com:8443/", "id", "one").cache_key()
        );
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let shown = format!("{:?}", credentials("https://a.auth0.com", "id", "hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
