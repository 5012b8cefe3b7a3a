//! HTTP for the whole process: the one client, shared by the token exchange, the API client
//! and the export download ([`client`]); the one retry loop ([`retry`]) and what answers' headers
//! say about waiting ([`rate_limit`]); certificate failures ([`certificate`]); and whether a
//! host is this machine ([`loopback`]).
//!
//! TLS verification is always on: the platform's trust store, plus the certificate in
//! `A0SNAP_CA_FILE` when a proxy or a test tenant needs one. Redirects are not followed, so a
//! bearer token is never sent to a host the configuration did not name. A refused certificate
//! is told apart from other failures ([`CertificateProblem`]), so callers do not retry it.
//!
//! Proxies come from the environment as reqwest reads them (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`, upper or lower case): this module must never call `.no_proxy()`,
//! and never logs a proxy URL, which may hold credentials.

mod certificate;
pub(crate) mod loopback;
pub(crate) mod rate_limit;
pub(crate) mod retry;

pub(crate) use certificate::CertificateProblem;

use std::path::PathBuf;

use crate::config::HttpSettings;

/// Errors building the HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The CA file could not be read.
    #[error(
        "cannot read the CA file {path}: {source}; point A0SNAP_CA_FILE at a readable PEM file"
    )]
    CaFileUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The CA file holds no usable certificate.
    #[error(
        "the CA file {path} holds no PEM certificate ({detail}); A0SNAP_CA_FILE needs a file with -----BEGIN CERTIFICATE-----"
    )]
    CaFileInvalid {
        /// The file.
        path: PathBuf,
        /// What the TLS library said.
        detail: String,
    },
    /// The client could not be built.
    #[error("cannot start the HTTP client: {detail}")]
    Build {
        /// What reqwest said.
        detail: String,
    },
}

/// The `User-Agent` a0snap sends.
pub(crate) const USER_AGENT: &str = concat!("a0snap/", env!("CARGO_PKG_VERSION"));

/// Builds the shared client from the settings.
pub(crate) fn client(settings: &HttpSettings) -> Result<reqwest::Client, HttpError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(60));
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).map_err(|source| HttpError::CaFileUnreadable {
            path: path.clone(),
            source,
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
            HttpError::CaFileInvalid {
                path: path.clone(),
                detail: error.to_string(),
            }
        })?;
        if certs.is_empty() {
            return Err(HttpError::CaFileInvalid {
                path: path.clone(),
                detail: "no certificate found".to_owned(),
            });
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|error| HttpError::Build {
        detail: error.to_string(),
    })
}
