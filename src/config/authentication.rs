//! How the application authenticates: a client secret (`AUTH0_CLIENT_SECRET` or
//! `AUTH0_CLIENT_SECRET_FILE`) or a Private Key JWT signing key
//! (`AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE` or `AUTH0_CLIENT_ASSERTION_SIGNING_KEY`, with
//! `AUTH0_CLIENT_ASSERTION_SIGNING_ALG` and `AUTH0_CLIENT_ASSERTION_KID`). Exactly one of the
//! two; both or neither is a configuration error naming the variables.
//!
//! The key is a secret: it is read straight into a `SecretString`, parsed once here, and never
//! quoted in a message. A key file that others may read is refused, as OpenSSH refuses such a
//! private key.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use super::env::RawEnv;
use super::problems::Problems;
use super::values::read_secret_file;
use crate::auth::{AssertionAlg, ClientAuthentication, SigningKey};

/// The application's means of authentication, or `None` with the problems recorded.
pub(super) fn resolve_authentication(
    env: &RawEnv,
    problems: &mut Problems,
) -> Option<ClientAuthentication> {
    let secret_set = env.auth0_client_secret.is_some() || env.auth0_client_secret_file.is_some();
    let key_set = env.auth0_client_assertion_signing_key.is_some()
        || env.auth0_client_assertion_signing_key_file.is_some();
    match (secret_set, key_set) {
        (true, true) => {
            problems.add(
                "AUTH0_CLIENT_SECRET",
                "and AUTH0_CLIENT_ASSERTION_SIGNING_KEY(_FILE) are both set; an application authenticates with one: keep the secret for client_secret_post, or the signing key for Private Key JWT",
            );
            None
        }
        (false, true) => {
            resolve_signing_key(env, problems).map(ClientAuthentication::PrivateKeyJwt)
        }
        (true, false) => resolve_secret(env, problems).map(ClientAuthentication::Secret),
        (false, false) => {
            problems.add(
                "AUTH0_CLIENT_SECRET",
                "is not set; set it, or AUTH0_CLIENT_SECRET_FILE to a file holding it, or AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE for Private Key JWT",
            );
            None
        }
    }
}

fn resolve_secret(env: &RawEnv, problems: &mut Problems) -> Option<SecretString> {
    match (&env.auth0_client_secret, &env.auth0_client_secret_file) {
        (Some(_), Some(_)) => {
            problems.add(
                "AUTH0_CLIENT_SECRET",
                "and AUTH0_CLIENT_SECRET_FILE are both set; keep only one",
            );
            None
        }
        (Some(secret), None) => Some(secret.clone()),
        (None, Some(path)) => problems.take("AUTH0_CLIENT_SECRET_FILE", read_secret_file(path)),
        (None, None) => None,
    }
}

fn resolve_signing_key(env: &RawEnv, problems: &mut Problems) -> Option<SigningKey> {
    let alg = match env.auth0_client_assertion_signing_alg.as_deref() {
        None => Some(AssertionAlg::default()),
        Some(text) => problems.take("AUTH0_CLIENT_ASSERTION_SIGNING_ALG", text.parse()),
    };
    let kid = env
        .auth0_client_assertion_kid
        .as_deref()
        .map(str::trim)
        .filter(|kid| !kid.is_empty())
        .map(str::to_owned);
    let (variable, pem) = match (
        &env.auth0_client_assertion_signing_key,
        &env.auth0_client_assertion_signing_key_file,
    ) {
        (Some(_), Some(_)) => {
            problems.add(
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY",
                "and AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE are both set; keep only one",
            );
            return None;
        }
        (Some(pem), None) => ("AUTH0_CLIENT_ASSERTION_SIGNING_KEY", Some(pem.clone())),
        (None, Some(path)) => (
            "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
            problems.take(
                "AUTH0_CLIENT_ASSERTION_SIGNING_KEY_FILE",
                read_key_file(path),
            ),
        ),
        (None, None) => return None,
    };
    let (pem, alg) = (pem?, alg?);
    problems.take(
        variable,
        SigningKey::from_pem(pem.expose_secret().as_bytes(), alg, kid),
    )
}

/// Reads a PEM key file that only its owner may read.
fn read_key_file(path: &Path) -> Result<SecretString, String> {
    refuse_if_others_may_read(path)?;
    let text = std::fs::read_to_string(path).map_err(|error| {
        format!(
            "cannot read {}: {error}; point it at a readable file holding the application's private key (PEM)",
            path.display()
        )
    })?;
    Ok(SecretString::from(text))
}

#[cfg(unix)]
fn refuse_if_others_may_read(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(metadata) = std::fs::metadata(path) else {
        // Missing or unreadable: the read that follows says so.
        return Ok(());
    };
    let mode = metadata.permissions().mode();
    if mode & 0o004 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", mode & 0o777),
            "the private key file can be read by every user of this machine; refusing it"
        );
        return Err(format!(
            "{} can be read by every user (mode {:o}); a private key must not be: run chmod 600 on it (in Kubernetes, mount the secret with defaultMode: 0400)",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_others_may_read(_path: &Path) -> Result<(), String> {
    Ok(())
}
