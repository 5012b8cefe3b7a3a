//! An object store output: the store `object_store` builds for a URL, from the environment's
//! settings, and one job's "folder" in it, `{prefix}/{job}/`.
//!
//! Each operation is one request (or one paged listing) driven to its end with the runtime's
//! handle, from a blocking thread. `object_store` retries what its client deems transient
//! (its own backoff, up to three minutes); a0snap adds no retry of its own here.

use std::future::Future;
use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::client::connect;
use super::error::{StoreError, StoreErrorKind, detail_of, kind_of};
use super::file::ObjectReader;

/// A bucket and prefix in an object store, and the client that reaches it.
pub struct ObjectOutput {
    /// The client.
    store: Arc<dyn ObjectStore>,
    /// The prefix inside the bucket (empty for the bucket's root).
    prefix: ObjectPath,
    /// The URL as given, without a trailing `/`: `s3://bucket/prefix`.
    url: String,
}

impl ObjectOutput {
    /// Builds the client for `text` (`s3://bucket/prefix`, `gs://...`, `az://...`) from the
    /// environment (see [`connect`]).
    pub(super) fn from_url(text: &str) -> Result<ObjectOutput, StoreError> {
        let (store, prefix, url) = connect(text)?;
        Ok(ObjectOutput { store, prefix, url })
    }

    /// Builds an output on a store made elsewhere (tests).
    #[cfg(test)]
    pub(crate) fn with_store(store: Arc<dyn ObjectStore>, prefix: &str, url: &str) -> Self {
        ObjectOutput {
            store,
            prefix: ObjectPath::from(prefix),
            url: url.to_owned(),
        }
    }

    /// Whether the store holds no object at all (tests).
    #[cfg(test)]
    pub(crate) fn is_empty_for_tests(&self) -> bool {
        block_on(self.store.list_with_delimiter(None))
            .is_ok_and(|listed| listed.objects.is_empty() && listed.common_prefixes.is_empty())
    }

    /// The URL as given, without a trailing `/`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Puts a small probe object under the prefix, puts it again on the condition that it
    /// does not exist (which must be refused: the lease relies on conditional writes), reads
    /// it back and removes it: the bucket exists, the credentials are accepted, they may list,
    /// write, read and delete, and the store keeps conditional writes.
    ///
    /// # Errors
    /// The first operation refused, with the permission it lacks; or
    /// [`StoreErrorKind::NotSupported`] when the conditional write was not refused.
    pub(crate) fn probe(self: &Arc<Self>) -> Result<(), StoreError> {
        let name = format!(".a0snap-probe-{}", uuid::Uuid::new_v4().simple());
        // The prefix itself, as a folder.
        let folder = ObjectFolder {
            output: self.clone(),
            path: self.prefix.clone(),
            url: self.url.clone(),
            job: String::new(),
        };
        folder.list()?;
        let text = b"a0snap validate probe\n".to_vec();
        folder
            .put_opts(&name, text.clone(), object_store::PutMode::Create)
            .map_err(|error| folder.error("put", &name, error))?;
        let again = folder.put_opts(&name, text, object_store::PutMode::Create);
        let read = folder.read(&name);
        let removed = folder.remove(&name);
        match again {
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => {}
            Err(error) => return Err(folder.error("put", &name, error)),
            Ok(_) => {
                return Err(StoreError::Object {
                    action: "put",
                    url: folder.url_of(&name),
                    kind: StoreErrorKind::NotSupported,
                    detail: "a write on the condition If-None-Match: * replaced an existing object"
                        .to_owned(),
                });
            }
        }
        read?;
        removed
    }
}

/// `{prefix}/{job}/` in a store.
#[derive(Clone)]
pub(crate) struct ObjectFolder {
    /// The store and its prefix.
    output: Arc<ObjectOutput>,
    /// `{prefix}/{job}`.
    path: ObjectPath,
    /// `{url}/{job}`.
    url: String,
    /// The job's name.
    job: String,
}

impl ObjectFolder {
    /// The folder of `job` in `output`.
    pub(super) fn new(output: Arc<ObjectOutput>, job: &str) -> Self {
        let path = output.prefix.clone().join(job);
        let url = format!("{}/{job}", output.url);
        ObjectFolder {
            output,
            path,
            url,
            job: job.to_owned(),
        }
    }

    /// The job's name.
    pub(super) fn job(&self) -> &str {
        &self.job
    }

    /// The URL of `name` in this folder (of the folder itself for `""`).
    pub(crate) fn url_of(&self, name: &str) -> String {
        if name.is_empty() {
            self.url.clone()
        } else {
            format!("{}/{name}", self.url)
        }
    }

    fn path_of(&self, name: &str) -> ObjectPath {
        self.path.clone().join(name)
    }

    fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.output.store
    }

    /// Maps a failed request on `name` to a [`StoreError`].
    pub(super) fn error(
        &self,
        action: &'static str,
        name: &str,
        error: object_store::Error,
    ) -> StoreError {
        let kind = kind_of(action, &error);
        StoreError::Object {
            action,
            url: self.url_of(name),
            kind,
            detail: detail_of(&error),
        }
    }

    /// The names of the objects directly under the folder.
    pub(super) fn list(&self) -> Result<Vec<String>, StoreError> {
        let listed = block_on(self.store().list_with_delimiter(Some(&self.path)))
            .map_err(|error| self.error("list", "", error))?;
        Ok(listed
            .objects
            .into_iter()
            .filter_map(|object| object.location.filename().map(str::to_owned))
            .collect())
    }

    /// A small object, whole.
    pub(super) fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.read_versioned(name)?.map(|(bytes, _)| bytes))
    }

    /// An object, streamed as it is read.
    pub(super) fn open(&self, name: &str) -> Result<ObjectReader, StoreError> {
        let path = self.path_of(name);
        let result =
            block_on(self.store().get(&path)).map_err(|error| self.error("read", name, error))?;
        Ok(ObjectReader::new(result.into_stream(), self.url_of(name)))
    }

    /// Writes an object whole, replacing any of that name.
    pub(super) fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let path = self.path_of(name);
        block_on(self.store().put(&path, PutPayload::from(bytes)))
            .map(drop)
            .map_err(|error| self.error("put", name, error))
    }

    /// Writes an object with a precondition; the result carries its new version.
    pub(super) fn put_opts(
        &self,
        name: &str,
        bytes: Vec<u8>,
        mode: object_store::PutMode,
    ) -> Result<object_store::PutResult, object_store::Error> {
        block_on(self.put_opts_async(name, bytes, mode))
    }

    /// [`ObjectFolder::put_opts`], from an async task.
    pub(super) async fn put_opts_async(
        &self,
        name: &str,
        bytes: Vec<u8>,
        mode: object_store::PutMode,
    ) -> Result<object_store::PutResult, object_store::Error> {
        let path = self.path_of(name);
        let options = object_store::PutOptions {
            mode,
            ..Default::default()
        };
        self.store()
            .put_opts(&path, PutPayload::from(bytes), options)
            .await
    }

    /// An object and its version (`None` when absent).
    pub(super) fn read_versioned(
        &self,
        name: &str,
    ) -> Result<Option<(Vec<u8>, object_store::UpdateVersion)>, StoreError> {
        let path = self.path_of(name);
        let got = block_on(async {
            let result = self.store().get(&path).await?;
            let version = object_store::UpdateVersion {
                e_tag: result.meta.e_tag.clone(),
                version: result.meta.version.clone(),
            };
            Ok::<_, object_store::Error>((result.bytes().await?, version))
        });
        match got {
            Ok((bytes, version)) => Ok(Some((bytes.to_vec(), version))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.error("read", name, error)),
        }
    }

    /// Removes an object; one that is not there is no error.
    pub(super) fn remove(&self, name: &str) -> Result<(), StoreError> {
        let path = self.path_of(name);
        self.removed(name, block_on(self.store().delete(&path)))
    }

    /// [`ObjectFolder::remove`], giving up after `wait` (for a drop, which must not hang
    /// for the client's whole retry budget when the store is away).
    pub(super) fn remove_within(
        &self,
        name: &str,
        wait: std::time::Duration,
    ) -> Result<(), StoreError> {
        let path = self.path_of(name);
        match block_on(tokio::time::timeout(wait, self.store().delete(&path))) {
            Ok(result) => self.removed(name, result),
            Err(_) => Err(StoreError::Object {
                action: "remove",
                url: self.url_of(name),
                kind: StoreErrorKind::Other,
                detail: format!("no answer within {} s", wait.as_secs()),
            }),
        }
    }

    /// What a delete's answer means: an object already gone is removed too.
    fn removed(&self, name: &str, result: object_store::Result<()>) -> Result<(), StoreError> {
        match result {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.error("remove", name, error)),
        }
    }

    /// Copies `from` to `to` inside the store (no bytes pass through this process).
    pub(crate) fn copy(&self, from: &str, to: &str) -> Result<(), StoreError> {
        let (source, target) = (self.path_of(from), self.path_of(to));
        block_on(self.store().copy(&source, &target)).map_err(|error| self.error("copy", to, error))
    }

    /// Starts a multipart upload of `name`.
    pub(super) fn start_upload(
        &self,
        name: &str,
    ) -> Result<Box<dyn object_store::MultipartUpload>, StoreError> {
        let path = self.path_of(name);
        block_on(self.store().put_multipart(&path))
            .map_err(|error| self.error("upload", name, error))
    }
}

/// Drives `future` to its end on the current runtime. On a multi-threaded runtime (a0snap's)
/// this works from any of its threads: a worker first hands its other tasks to the rest of
/// the pool (`block_in_place`). On a current-thread runtime (some tests) it works only from a
/// blocking thread (`spawn_blocking`).
///
/// # Panics
/// Outside a runtime, or on a current-thread runtime's own thread.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    let handle = tokio::runtime::Handle::current();
    match handle.runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| handle.block_on(future))
        }
        _ => handle.block_on(future),
    }
}
