//! Files as streams. A new file that appears only complete: a temporary file renamed into place on a local
//! disk, a multipart upload completed in an object store. Dropped before
//! [`NewFile::persist`], it leaves nothing visible (the temporary file is removed, the upload
//! aborted).
//!
//! An upload sends parts of [`PART_SIZE`] bytes, at most [`PARTS_IN_FLIGHT`] at a time, so the
//! memory a file costs stays flat whatever its size: about `PART_SIZE * (PARTS_IN_FLIGHT + 1)`.
//! An object is read back as the chunks of one request's body ([`ObjectReader`]).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::WriteMultipart;

use super::error::{StoreError, detail_of};
use super::object::{ObjectFolder, block_on};
use crate::atomic_file::{FileMode, TempPath};

/// The size of each part of an upload: S3's smallest (but for the last part).
pub(crate) const PART_SIZE: usize = 5 * 1024 * 1024;

/// Parts of one upload on their way at once.
pub(crate) const PARTS_IN_FLIGHT: usize = 2;

/// The longest a dropped file waits for its upload's abort.
const ABORT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A file being written; see the module's text.
pub(crate) struct NewFile {
    /// Where the bytes go.
    sink: Sink,
    /// The name it will have.
    name: String,
}

enum Sink {
    /// A temporary file in the target's folder, removed on drop unless renamed.
    Local {
        file: File,
        /// `None` once renamed.
        temp: Option<TempPath>,
        target: PathBuf,
    },
    /// A multipart upload under the final name, invisible until completed. `None` once
    /// finished or aborted.
    Object {
        upload: Option<WriteMultipart>,
        folder: ObjectFolder,
    },
}

impl NewFile {
    /// A temporary file for `{dir}/{name}`, readable as `mode` says.
    pub(super) fn local(dir: &Path, name: &str, mode: FileMode) -> Result<NewFile, StoreError> {
        let (temp, file) = TempPath::create(dir, name, mode)?;
        Ok(NewFile {
            sink: Sink::Local {
                file,
                temp: Some(temp),
                target: dir.join(name),
            },
            name: name.to_owned(),
        })
    }

    /// A multipart upload of `name` in `folder`.
    pub(super) fn object(folder: &ObjectFolder, name: &str) -> Result<NewFile, StoreError> {
        let upload = folder.start_upload(name)?;
        Ok(NewFile {
            sink: Sink::Object {
                upload: Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)),
                folder: folder.clone(),
            },
            name: name.to_owned(),
        })
    }

    /// The file's final name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Makes the file visible under its name: flushed to disk and renamed, or the upload
    /// completed. The local folder is not synced (see [`super::JobFolder::sync`]).
    pub(crate) fn persist(mut self) -> Result<(), StoreError> {
        match &mut self.sink {
            Sink::Local { file, temp, target } => {
                file.sync_all()
                    .map_err(|error| StoreError::io("flush to disk", &*target, error))?;
                if let Some(temp) = temp.take() {
                    temp.persist(target)?;
                }
                Ok(())
            }
            Sink::Object { upload, folder } => {
                let Some(upload) = upload.take() else {
                    return Ok(());
                };
                block_on(upload.finish())
                    .map(drop)
                    .map_err(|error| folder.error("upload", &self.name, error))
            }
        }
    }
}

impl Write for NewFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Local { file, .. } => file.write(buf),
            Sink::Object { upload, folder } => {
                let upload = upload
                    .as_mut()
                    .ok_or_else(|| io::Error::other("the upload is already finished"))?;
                block_on(upload.wait_for_capacity(PARTS_IN_FLIGHT)).map_err(|error| {
                    io::Error::other(folder.error("upload", &self.name, error).to_string())
                })?;
                upload.write(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Local { file, .. } => file.flush(),
            Sink::Object { .. } => Ok(()),
        }
    }
}

impl Drop for NewFile {
    fn drop(&mut self) {
        if let Sink::Object { upload, .. } = &mut self.sink
            && let Some(upload) = upload.take()
        {
            abort(upload);
        }
    }
}

/// Aborts an unfinished upload, so its parts are not kept (and billed), waiting at most
/// [`ABORT_WAIT`] for the store's answer. Best effort: a process killed first leaves the upload
/// to the bucket's lifecycle rule (README, "Object storage").
fn abort(upload: WriteMultipart) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let abort = async move {
        let _ = tokio::time::timeout(ABORT_WAIT, upload.abort()).await;
    };
    // On a0snap's multi-threaded runtime the abort is done before the drop returns, so a
    // failed run has cleaned up before it reports; elsewhere (tests) it runs beside.
    if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
        block_on(abort);
    } else {
        handle.spawn(abort);
    }
}

/// An object read as a stream of chunks, one request's body.
pub(crate) struct ObjectReader {
    /// The body still to come.
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    /// What is left of the last chunk.
    chunk: Bytes,
    /// The object, for errors.
    url: String,
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match block_on(self.stream.next()) {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(error)) => {
                    return Err(io::Error::other(format!(
                        "reading {}: {}",
                        self.url,
                        detail_of(&error)
                    )));
                }
                None => return Ok(0),
            }
        }
        let count = buf.len().min(self.chunk.len());
        buf[..count].copy_from_slice(&self.chunk.split_to(count));
        Ok(count)
    }
}

impl ObjectReader {
    /// A reader of `stream`, the body of the object at `url`.
    pub(super) fn new(
        stream: BoxStream<'static, object_store::Result<Bytes>>,
        url: String,
    ) -> Self {
        ObjectReader {
            stream,
            chunk: Bytes::new(),
            url,
        }
    }
}

impl std::fmt::Debug for NewFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewFile").field("name", &self.name).finish()
    }
}
