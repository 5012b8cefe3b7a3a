//! One writer per job folder: an `flock` on a local folder's `.lock` file, a lease object in a
//! store.
//!
//! The lease is the object `{prefix}/{job}/.lock`, a small JSON document naming its holder
//! (host and process) and when it expires. It is taken with a conditional write that succeeds
//! only if there is no such object (`If-None-Match: *`), renewed every third of its time to
//! live with a write that succeeds only if the object is still the one this process wrote
//! (`If-Match`), and removed when the run ends. A holder that dies leaves its lease until it
//! expires; the next process then takes it over with the same `If-Match` write, so of two
//! processes that find it expired at once only one wins. Expiry is judged by the wall clock of
//! the process that reads the lease, so clocks must agree to well within the time to live.
//!
//! A renewal that fails marks the lease lost once its expiry has passed (or at once when
//! another process's write is found in its place); [`Lease::check`] then refuses, and the run
//! commits nothing.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use object_store::{PutMode, UpdateVersion};
use serde::{Deserialize, Serialize};

use super::error::{StoreError, StoreErrorKind};
use super::object::ObjectFolder;

/// The lock file's (or lease object's) name inside the job folder.
pub(crate) const LEASE_OBJECT: &str = ".lock";

/// The longest a run waits for its lease's removal at its end.
const RELEASE_WAIT: Duration = Duration::from_secs(10);

/// How long a lease lives without renewal (`A0SNAP_LEASE_TTL`).
pub(crate) const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(5 * 60);

/// Takes the `flock` on `{dir}/.lock` without waiting, creating the folder if needed;
/// `Ok(None)` when another process (or another open handle in this one) holds it.
///
/// The system releases it when the file is closed, so a killed process never leaves a stale
/// lock. The file itself stays: removing it would let two processes lock two different files
/// of the same name.
pub(super) fn try_flock(dir: &Path) -> Result<Option<File>, StoreError> {
    fs::create_dir_all(dir).map_err(|error| StoreError::io("create", dir, error))?;
    let path = dir.join(LEASE_OBJECT);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    let file = options
        .open(&path)
        .map_err(|error| StoreError::io("open the lock file", &path, error))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(error)) => Err(StoreError::io("lock", path, error)),
    }
}

/// The lease object's contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    /// `{host}:{pid}`, for people and logs.
    holder: String,
    /// Unique to one taking of the lease.
    token: String,
    /// When it lapses unless renewed (RFC 3339).
    expires_at: Timestamp,
}

impl Record {
    fn new(token: &str, ttl: Duration) -> Record {
        let host = std::env::var("HOSTNAME")
            .ok()
            .filter(|name| !name.is_empty())
            .or_else(|| fs::read_to_string("/etc/hostname").ok())
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(|| "unknown-host".to_owned());
        Record {
            holder: format!("{host}:{}", std::process::id()),
            token: token.to_owned(),
            expires_at: expiry(ttl),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

fn expiry(ttl: Duration) -> Timestamp {
    let ttl = jiff::SignedDuration::try_from(ttl).unwrap_or(jiff::SignedDuration::MAX);
    Timestamp::now().checked_add(ttl).unwrap_or(Timestamp::MAX)
}

/// This process's lease on a job folder in a store; renewed in the background, removed on drop.
pub(crate) struct Lease {
    /// The folder.
    folder: ObjectFolder,
    /// Shared with the renewal task.
    state: Arc<State>,
    /// The renewal task.
    renewer: tokio::task::JoinHandle<()>,
}

/// What the holder and its renewal task share.
struct State {
    /// The version of the lease object this process last wrote.
    version: Mutex<UpdateVersion>,
    /// When the lease last written lapses.
    expires_at: Mutex<Timestamp>,
    /// Whether another process's write was found in its place.
    lost: AtomicBool,
}

impl Lease {
    /// Takes the lease of `folder` without waiting; `Ok(None)` while another process holds a
    /// lease that has not expired.
    ///
    /// # Errors
    /// The store refused or failed a request (with the permission it lacks), or it cannot do
    /// conditional writes.
    pub(super) fn try_acquire(
        folder: &ObjectFolder,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let record = Record::new(&token, ttl);
        let created = folder.put_opts(LEASE_OBJECT, record.bytes(), PutMode::Create);
        let version = match created {
            Ok(result) => UpdateVersion::from(result),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => match take_over(folder, &record)? {
                Some(version) => version,
                None => return Ok(None),
            },
            Err(error) => return Err(lease_error(folder, error)),
        };
        let state = Arc::new(State {
            version: Mutex::new(version),
            expires_at: Mutex::new(record.expires_at),
            lost: AtomicBool::new(false),
        });
        let renewer = tokio::runtime::Handle::current().spawn(renew(
            folder.clone(),
            state.clone(),
            token,
            ttl,
        ));
        Ok(Some(Lease {
            folder: folder.clone(),
            state,
            renewer,
        }))
    }

    /// `Ok` while the lease is still this process's.
    ///
    /// # Errors
    /// [`StoreErrorKind::LeaseLost`] once another process took it over, or its expiry passed
    /// without a renewal.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        let expired = *lock(&self.state.expires_at) <= Timestamp::now();
        if self.state.lost.load(Ordering::SeqCst) || expired {
            return Err(StoreError::Object {
                action: "hold the lease",
                url: self.folder.url_of(LEASE_OBJECT),
                kind: StoreErrorKind::LeaseLost,
                detail: String::new(),
            });
        }
        Ok(())
    }
}

/// Takes over the lease in place when it has expired (or cannot be read as one); the new
/// version, or `None` while it is live or another process won the race.
fn take_over(folder: &ObjectFolder, record: &Record) -> Result<Option<UpdateVersion>, StoreError> {
    let Some((bytes, version)) = folder.read_versioned(LEASE_OBJECT)? else {
        // Released meanwhile: one more try to create it.
        return match folder.put_opts(LEASE_OBJECT, record.bytes(), PutMode::Create) {
            Ok(result) => Ok(Some(result.into())),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(None),
            Err(error) => Err(lease_error(folder, error)),
        };
    };
    if let Ok(held) = serde_json::from_slice::<Record>(&bytes) {
        if held.expires_at > Timestamp::now() {
            tracing::debug!(holder = %held.holder, expires_at = %held.expires_at, "the job's lease is held");
            return Ok(None);
        }
        tracing::warn!(lease = %folder.url_of(LEASE_OBJECT), holder = %held.holder, expired_at = %held.expires_at, "taking over an expired lease: its holder stopped without releasing it");
    } else {
        tracing::warn!(lease = %folder.url_of(LEASE_OBJECT), "taking over a lease object that is not an a0snap lease record (written by hand, or by another program)");
    }
    match folder.put_opts(LEASE_OBJECT, record.bytes(), PutMode::Update(version)) {
        Ok(result) => Ok(Some(result.into())),
        Err(
            object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. },
        ) => Ok(None),
        Err(error) => Err(lease_error(folder, error)),
    }
}

/// Renews the lease every third of `ttl` until the task is aborted or the lease is lost.
async fn renew(folder: ObjectFolder, state: Arc<State>, token: String, ttl: Duration) {
    let period = (ttl / 3).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(period).await;
        let record = Record::new(&token, ttl);
        let version = lock(&state.version).clone();
        match folder
            .put_opts_async(LEASE_OBJECT, record.bytes(), PutMode::Update(version))
            .await
        {
            Ok(result) => {
                *lock(&state.version) = result.into();
                *lock(&state.expires_at) = record.expires_at;
            }
            Err(
                object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. },
            ) => {
                tracing::error!(lease = %folder.url_of(LEASE_OBJECT), "the job's lease was taken over by another process; this run will not commit");
                state.lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(error) => {
                tracing::warn!(lease = %folder.url_of(LEASE_OBJECT), error = %folder.error("renew", LEASE_OBJECT, error), "could not renew the job's lease; trying again");
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewer.abort();
        if self.state.lost.load(Ordering::SeqCst) {
            return;
        }
        let folder = self.folder.clone();
        let release = move || {
            if let Err(error) = folder.remove_within(LEASE_OBJECT, RELEASE_WAIT) {
                tracing::warn!(%error, "could not release the job's lease; it expires by itself");
            }
        };
        // Removing it is one request, made here on a0snap's multi-threaded runtime (see
        // `object::block_on`); elsewhere (tests on a current-thread runtime) beside it.
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                release()
            }
            Ok(handle) => drop(handle.spawn_blocking(release)),
            Err(_) => {}
        }
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("object", &self.folder.url_of(LEASE_OBJECT))
            .finish_non_exhaustive()
    }
}

fn lease_error(folder: &ObjectFolder, error: object_store::Error) -> StoreError {
    folder.error("lock", LEASE_OBJECT, error)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Poisoned only if a holder panicked mid-assignment of a plain value: still usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
