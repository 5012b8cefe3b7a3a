//! The object store client for an output URL, built from the environment as each cloud's
//! SDK would read it (`AWS_*`, `GOOGLE_*`, `AZURE_*`), with what a0snap refuses: plain http
//! anywhere but loopback, and any setting that would accept every certificate.

use std::sync::Arc;

use object_store::ClientConfigKey;
use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::path::Path as ObjectPath;
use url::Url;

use super::error::{StoreError, StoreErrorKind};
use crate::http::loopback::is_loopback;

/// The URL schemes that name an object store.
const SCHEMES: [&str; 6] = ["s3", "s3a", "gs", "az", "abfs", "azure"];

/// Whether `text` is an object store URL rather than a path.
pub(super) fn is_url(text: &str) -> bool {
    text.split_once("://")
        .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
}

/// The scheme of `text` when it reads as a URL (`scheme://...`) that names no object store
/// a0snap writes to (`s4://` for `s3://`, `https://` for a bucket's web address, `file://`):
/// such text must not be taken for a local folder named `s4:` beside the process.
pub(super) fn foreign_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let url_like = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (url_like && !is_url(text)).then_some(scheme)
}

/// Refuses text that reads as a URL of a scheme a0snap does not write to ([`foreign_scheme`]).
pub(super) fn refuse_foreign_scheme(text: &str) -> Result<(), StoreError> {
    if let Some(scheme) = foreign_scheme(text) {
        return Err(StoreError::Object {
            action: "use",
            url: text.to_owned(),
            kind: StoreErrorKind::Config,
            detail: format!(
                "{scheme}:// is not an object store a0snap writes to: write s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or az://CONTAINER/PREFIX (an S3-compatible store's address goes in AWS_ENDPOINT_URL), or a folder's path"
            ),
        });
    }
    Ok(())
}

/// The client for `text` (`s3://bucket/prefix`, `gs://...`, `az://...`), built from the
/// environment as each cloud's SDK would read it, the prefix, and the URL without a trailing
/// `/`.
pub(super) fn connect(
    text: &str,
) -> Result<(Arc<dyn ObjectStore>, ObjectPath, String), StoreError> {
    let text = text.trim_end_matches('/');
    let config = |detail: String| StoreError::Object {
        action: "use",
        url: text.to_owned(),
        kind: StoreErrorKind::Config,
        detail,
    };
    let url = Url::parse(text).map_err(|error| config(format!("not a URL: {error}")))?;
    let bucket = url.host_str().unwrap_or_default();
    if bucket.is_empty() {
        return Err(config(
            "names no bucket: write s3://BUCKET/PREFIX (gs://, az:// alike)".to_owned(),
        ));
    }
    let insecure = ClientConfigKey::AllowInvalidCertificates;
    let store: Arc<dyn ObjectStore> = match url.scheme() {
        "s3" | "s3a" => {
            let builder = s3_builder(text)?;
            let off = builder.get_config_value(&AmazonS3ConfigKey::Client(insecure));
            refuse_insecure(off, "AWS_ALLOW_INVALID_CERTIFICATES", text)?;
            Arc::new(builder.build().map_err(|e| config(e.to_string()))?)
        }
        "gs" => {
            let builder = GoogleCloudStorageBuilder::from_env().with_url(text);
            let off = builder.get_config_value(&GoogleConfigKey::Client(insecure));
            refuse_insecure(off, "GOOGLE_ALLOW_INVALID_CERTIFICATES", text)?;
            Arc::new(builder.build().map_err(|e| config(e.to_string()))?)
        }
        _ => {
            let builder = MicrosoftAzureBuilder::from_env().with_url(text);
            let off = builder.get_config_value(&AzureConfigKey::Client(insecure));
            refuse_insecure(off, "AZURE_ALLOW_INVALID_CERTIFICATES", text)?;
            Arc::new(builder.build().map_err(|e| config(e.to_string()))?)
        }
    };
    let prefix = ObjectPath::from_url_path(url.path())
        .map_err(|error| config(format!("the prefix is not a valid object path: {error}")))?;
    Ok((store, prefix, text.to_owned()))
}

/// Refuses settings that would turn TLS verification off: a0snap never does.
fn refuse_insecure(value: Option<String>, variable: &str, url: &str) -> Result<(), StoreError> {
    if value.as_deref() == Some("true") {
        return Err(StoreError::Object {
            action: "use",
            url: url.to_owned(),
            kind: StoreErrorKind::Config,
            detail: format!(
                "{variable} asks to accept any certificate, and a0snap never turns TLS verification off; unset it, and give the store a certificate the system trusts"
            ),
        });
    }
    Ok(())
}

/// The S3 client's settings: the environment's, with plain http allowed only on loopback.
fn s3_builder(text: &str) -> Result<AmazonS3Builder, StoreError> {
    let builder = AmazonS3Builder::from_env().with_url(text);
    let endpoint = builder
        .get_config_value(&AmazonS3ConfigKey::Endpoint)
        .filter(|endpoint| !endpoint.is_empty());
    let Some(endpoint) = endpoint else {
        return Ok(builder.with_allow_http(false));
    };
    let parsed = Url::parse(&endpoint).map_err(|error| StoreError::Object {
        action: "use",
        url: text.to_owned(),
        kind: StoreErrorKind::Config,
        detail: format!("AWS_ENDPOINT_URL {endpoint:?} is not a URL: {error}"),
    })?;
    let loopback = is_loopback(&parsed);
    match parsed.scheme() {
        "https" => Ok(builder.with_allow_http(false)),
        "http" if loopback => Ok(builder.with_allow_http(true)),
        _ => Err(StoreError::Object {
            action: "use",
            url: text.to_owned(),
            kind: StoreErrorKind::Config,
            detail: format!(
                "AWS_ENDPOINT_URL {endpoint} is not https: plain http is accepted only on loopback (127.0.0.1, ::1, localhost); serve the store over TLS"
            ),
        }),
    }
}
