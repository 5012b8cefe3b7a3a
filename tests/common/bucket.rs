//! The tests' own view of a bucket or container, through the `object_store` crate a0snap
//! uses: list the keys under a prefix, read, write and delete one object. What a0snap left
//! in a store is asserted through these, as [`super::World::files`] does for a folder.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

/// Retries for the test-side client: few and short, so a broken server fails a test in seconds
/// rather than after object_store's default three minutes.
pub(crate) fn test_retries() -> RetryConfig {
    RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(10),
        ..RetryConfig::default()
    }
}

/// One bucket (S3) or container (Azure) as the tests see it.
#[derive(Clone)]
pub(crate) struct Bucket {
    /// The client, with the harness's full-access credentials.
    store: Arc<dyn ObjectStore>,
}

impl Bucket {
    pub(crate) fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// The client itself, for what the helpers do not cover (conditional puts, multipart).
    pub(crate) fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Every key under `prefix` (whole path segments: `out/job` lists `out/job/…`, not
    /// `out/jobs/…`; `""` lists the bucket), sorted.
    pub(crate) async fn keys(&self, prefix: &str) -> Vec<String> {
        let prefix = (!prefix.is_empty()).then(|| Path::from(prefix));
        let mut keys: Vec<String> = self
            .store
            .list(prefix.as_ref())
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap_or_else(|error| panic!("listing {prefix:?}: {error}"));
        keys.sort();
        keys
    }

    /// The bytes of `key`; panics when it is missing.
    pub(crate) async fn read(&self, key: &str) -> Bytes {
        let result = self.store.get(&Path::from(key)).await;
        let result = result.unwrap_or_else(|error| panic!("reading {key}: {error}"));
        result
            .bytes()
            .await
            .unwrap_or_else(|error| panic!("reading {key}: {error}"))
    }

    /// The text of `key`; panics when it is missing or not UTF-8.
    pub(crate) async fn read_string(&self, key: &str) -> String {
        String::from_utf8(self.read(key).await.to_vec()).expect("UTF-8 object")
    }

    /// Whether `key` exists.
    pub(crate) async fn exists(&self, key: &str) -> bool {
        match self.store.head(&Path::from(key)).await {
            Ok(_) => true,
            Err(object_store::Error::NotFound { .. }) => false,
            Err(error) => panic!("checking {key}: {error}"),
        }
    }

    /// Writes `body` at `key` (overwriting).
    pub(crate) async fn put(&self, key: &str, body: impl Into<Bytes>) {
        self.store
            .put(&Path::from(key), PutPayload::from(body.into()))
            .await
            .unwrap_or_else(|error| panic!("writing {key}: {error}"));
    }

    /// Deletes `key` (no error when it is already gone).
    pub(crate) async fn delete(&self, key: &str) {
        self.store
            .delete(&Path::from(key))
            .await
            .unwrap_or_else(|error| panic!("deleting {key}: {error}"));
    }
}
