//! What can go wrong reaching a job's folder: the local file operation that failed, or the
//! object store's answer, with the object's URL and what to do about it.

use std::fmt;
use std::io;
use std::path::Path;

use crate::atomic_file::AtomicFileError;

/// A folder or store operation that failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// A local file operation.
    #[error(transparent)]
    Local(#[from] AtomicFileError),
    /// An object store request, or the store's settings.
    #[error("{}", object_message(.action, .url, .kind, .detail))]
    Object {
        /// What was being done ("put", "list", "read", ...).
        action: &'static str,
        /// The object or prefix, as a URL (`s3://bucket/prefix/job/name`).
        url: String,
        /// What kind of failure, for the hint and for callers that branch on it.
        kind: StoreErrorKind,
        /// What the store (or `object_store`) said; never a credential.
        detail: String,
    },
}

/// The kinds of object store failure a0snap tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreErrorKind {
    /// The URL or the settings read from the environment cannot make a store.
    Config,
    /// The bucket (or container) does not exist, or the endpoint serves another one.
    NoBucket,
    /// The object is not there.
    NotFound,
    /// The credentials were refused (unknown key, bad signature, expired token).
    Unauthenticated,
    /// The credentials lack a permission; the hint names it.
    PermissionDenied,
    /// A conditional write lost: the object exists already, or changed since it was read.
    Conflict,
    /// The store cannot do conditional writes, which the lease needs.
    NotSupported,
    /// This process's lease on the job was taken over after its renewal failed.
    LeaseLost,
    /// The store did not answer (connection refused, name not found, timeouts), after
    /// `object_store`'s own retries.
    Unreachable,
    /// Anything else: network, server error, bad answer.
    Other,
}

impl StoreError {
    /// A local file operation that failed.
    pub(crate) fn io(action: &'static str, path: impl AsRef<Path>, source: io::Error) -> Self {
        StoreError::Local(AtomicFileError {
            action,
            path: path.as_ref().to_owned(),
            source,
        })
    }
}

/// The permission an action needs on S3 (the other stores' names follow from it).
pub(crate) fn permission_of(action: &str) -> &'static str {
    match action {
        "list" => "s3:ListBucket (GCS: storage.objects.list)",
        "read" | "download" => "s3:GetObject (GCS: storage.objects.get)",
        "remove" => "s3:DeleteObject (GCS: storage.objects.delete)",
        "copy" => "s3:GetObject and s3:PutObject (GCS: storage.objects.get and create)",
        _ => "s3:PutObject (GCS: storage.objects.create)",
    }
}

fn object_message(action: &str, url: &str, kind: &StoreErrorKind, detail: &str) -> String {
    let hint = match kind {
        StoreErrorKind::Config => return format!("output {url}: {detail}"),
        StoreErrorKind::NoBucket => {
            "the bucket (or container) does not exist: create it, or fix A0SNAP_OUTPUT_DIR (and AWS_ENDPOINT_URL for an S3-compatible store)".to_owned()
        }
        StoreErrorKind::NotFound => "no such object".to_owned(),
        StoreErrorKind::Unauthenticated => {
            "the store refused the credentials: check the cloud's credential variables (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT_KEY, ...) and that they are not expired".to_owned()
        }
        StoreErrorKind::PermissionDenied => format!(
            "access denied: the credentials lack {} on this bucket and prefix (Azure: the Storage Blob Data Contributor role); see the README, Object storage",
            permission_of(action)
        ),
        StoreErrorKind::Conflict => "another process changed it at the same time".to_owned(),
        StoreErrorKind::NotSupported => {
            "this store does not support conditional writes (If-None-Match / If-Match), which keep two processes from writing one job; use a store that does (AWS S3, GCS, Azure Blob, MinIO, R2)".to_owned()
        }
        StoreErrorKind::LeaseLost => {
            "this run's lease on the job expired before it could be renewed and another process may have taken the job over; nothing was committed. Raise A0SNAP_LEASE_TTL if the store answers slowly".to_owned()
        }
        StoreErrorKind::Unreachable => {
            "the store did not answer: check the endpoint (AWS_ENDPOINT_URL for an S3-compatible store), the region and the network".to_owned()
        }
        StoreErrorKind::Other => String::new(),
    };
    let mut text = format!("could not {action} {url}");
    if !detail.is_empty() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if !hint.is_empty() {
        text.push_str("; ");
        text.push_str(&hint);
    }
    text
}

impl fmt::Display for StoreErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The kind of a store failure, from `object_store`'s error and the action tried.
pub(super) fn kind_of(action: &str, error: &object_store::Error) -> StoreErrorKind {
    use object_store::Error as E;
    let text = error.to_string();
    match error {
        _ if text.contains("NoSuchBucket") || text.contains("ContainerNotFound") => {
            StoreErrorKind::NoBucket
        }
        E::NotFound { .. } if matches!(action, "list" | "put" | "upload" | "copy") => {
            StoreErrorKind::NoBucket
        }
        E::NotFound { .. } => StoreErrorKind::NotFound,
        E::PermissionDenied { .. } => StoreErrorKind::PermissionDenied,
        E::Unauthenticated { .. } => StoreErrorKind::Unauthenticated,
        E::AlreadyExists { .. } | E::Precondition { .. } => StoreErrorKind::Conflict,
        E::NotSupported { .. } | E::NotImplemented { .. } => StoreErrorKind::NotSupported,
        _ if text.contains("AccessDenied") || text.contains("403 Forbidden") => {
            StoreErrorKind::PermissionDenied
        }
        _ if text.contains("InvalidAccessKeyId") || text.contains("SignatureDoesNotMatch") => {
            StoreErrorKind::Unauthenticated
        }
        _ if text.contains("error sending request")
            || text.contains("Connection refused")
            || text.contains("dns error")
            || text.contains("timed out") =>
        {
            StoreErrorKind::Unreachable
        }
        _ => StoreErrorKind::Other,
    }
}

/// What `object_store` said, on one line.
pub(super) fn detail_of(error: &object_store::Error) -> String {
    let text = error.to_string();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // An S3 or Azure error body is XML with a request id and host id: keep its code and message.
    let Some(start) = text.find("<?xml") else {
        return text;
    };
    let element = |name: &str| {
        let open = format!("<{name}>");
        let from = text.find(&open)? + open.len();
        let to = from + text[from..].find(&format!("</{name}>"))?;
        Some(text[from..to].to_owned())
    };
    let said = match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code,
        _ => return text,
    };
    format!("{} {said}", text[..start].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xml_error_body_is_cut_to_its_code_and_message() {
        let body = "Error performing PUT http://127.0.0.1:1/b/k in 1ms - Server returned non-2XX status code: 403 Forbidden: <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>";
        let error = object_store::Error::Generic {
            store: "S3",
            source: body.into(),
        };
        let detail = detail_of(&error);
        assert!(
            detail.ends_with("403 Forbidden: AccessDenied: Access Denied"),
            "{detail}"
        );
        assert!(
            !detail.contains("RequestId") && !detail.contains("<?xml"),
            "{detail}"
        );
        assert_eq!(kind_of("put", &error), StoreErrorKind::PermissionDenied);
    }

    #[test]
    fn a_store_that_does_not_answer_is_named_as_such() {
        let error = object_store::Error::Generic {
            store: "S3",
            source: "Error performing PUT http://127.0.0.1:9/b/k in 2.8s, after 10 retries - HTTP error: error sending request".into(),
        };
        assert_eq!(kind_of("put", &error), StoreErrorKind::Unreachable);
        let text = object_message(
            "put",
            "s3://b/k",
            &StoreErrorKind::Unreachable,
            &detail_of(&error),
        );
        assert!(text.contains("the store did not answer"), "{text}");
    }
}
