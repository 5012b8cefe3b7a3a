//! The token file shared by every a0snap process of one user: `{state}/tokens/{key}.json`,
//! mode 0600 in a 0700 folder, replaced atomically by [`crate::atomic_file`], with a
//! `{key}.lock` file beside it that serialises renewals across processes. Taking that lock
//! sweeps the temporary files a killed process left for this key (and no other key's: each
//! key has its own lock, so another key's temporary file may be in progress).
//!
//! The file holds the token and the (domain, client id, audience) it is for, never the secret.
//! Loading checks the file before trusting it and says why it cannot be used; the caller
//! decides what to log. All functions here block: call them from `spawn_blocking`.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jiff::Timestamp;

use super::credentials::Credentials;
use super::error::AuthError;
use super::token::{Token, TokenSource, fingerprint};
use secrecy::SecretString;

use crate::atomic_file::{self, FileMode};

/// The format version written into each file.
const FORMAT_VERSION: u32 = 1;
/// A token file is a few kilobytes; anything larger is not ours.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// What the token file held.
pub(crate) enum Loaded {
    /// There is no file.
    Absent,
    /// A token for these credentials (maybe stale: the caller checks with its clock).
    Found(Token),
    /// A file that must not be used, and why (never containing the token).
    Unusable(String),
}

/// The on-disk shape. No `Debug`: it holds the token.
#[derive(serde::Serialize, serde::Deserialize)]
struct TokenFile {
    version: u32,
    domain: String,
    client_id: String,
    audience: String,
    access_token: String,
    token_type: String,
    #[serde(default)]
    scope: Option<String>,
    issued_at: String,
    expires_at: String,
}

/// The token file and lock file of one (domain, client id, audience).
#[derive(Debug)]
pub(crate) struct FileStore {
    /// `{state}/tokens`.
    dir: PathBuf,
    /// `{dir}/{key}.json`.
    path: PathBuf,
    /// `{dir}/{key}.lock`.
    lock_path: PathBuf,
    /// The tenant, client and audience the file must be for.
    domain: String,
    client_id: String,
    audience: String,
    /// This process's user id, found once.
    uid: OnceLock<u32>,
}

impl FileStore {
    /// The store for `credentials` under `state_dir`.
    pub(crate) fn new(state_dir: &Path, credentials: &Credentials) -> Self {
        let dir = state_dir.join("tokens");
        let key = credentials.cache_key();
        Self {
            path: dir.join(format!("{key}.json")),
            lock_path: dir.join(format!("{key}.lock")),
            dir,
            domain: credentials.domain(),
            client_id: credentials.client_id.clone(),
            audience: credentials.audience.clone(),
            uid: OnceLock::new(),
        }
    }

    /// The token file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the token folder (0700), tightens it if it is open to others, and takes the
    /// exclusive lock; the lock is released when the returned file is dropped.
    pub(crate) fn lock(&self) -> Result<File, AuthError> {
        self.prepare_dir()?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&self.lock_path)
            .map_err(|e| AuthError::state_dir("open the token lock file", &self.lock_path, e))?;
        file.lock()
            .map_err(|e| AuthError::state_dir("lock the token lock file", &self.lock_path, e))?;
        self.sweep();
        Ok(file)
    }

    /// Removes the temporary token files a killed process left for this key. Call it only
    /// under the lock: every save of this key's file runs under it. Best effort: a leftover
    /// only takes room, so a failure is logged and the renewal goes on.
    fn sweep(&self) {
        match atomic_file::sweep_temp_files_of(&self.dir, &file_name(&self.path)) {
            Ok(0) => {}
            Ok(files) => tracing::info!(
                path = %self.dir.display(),
                files,
                "removed temporary token files left by an interrupted process"
            ),
            Err(error) => {
                tracing::warn!(%error, "could not remove a temporary token file left by an interrupted process")
            }
        }
    }

    fn prepare_dir(&self) -> Result<(), AuthError> {
        let failed = |e| AuthError::state_dir("create the token folder", &self.dir, e);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(failed)?;
        let meta = fs::metadata(&self.dir).map_err(failed)?;
        if meta.mode() & 0o077 != 0 {
            tracing::warn!(
                path = %self.dir.display(),
                mode = format!("{:o}", meta.mode() & 0o777),
                "the token folder is open to other users; setting its mode to 0700"
            );
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| AuthError::state_dir("set mode 0700 on", &self.dir, e))?;
        }
        Ok(())
    }

    /// Reads and checks the token file.
    pub(crate) fn load(&self) -> Loaded {
        match fs::symlink_metadata(&self.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Loaded::Absent,
            Err(e) => return Loaded::Unusable(format!("cannot be read ({e})")),
            Ok(meta) if !meta.file_type().is_file() => {
                return Loaded::Unusable("is not a regular file".into());
            }
            Ok(_) => {}
        }
        match self.read_checked() {
            Ok(token) => Loaded::Found(token),
            Err(reason) => Loaded::Unusable(reason),
        }
    }

    fn read_checked(&self) -> Result<Token, String> {
        let mut file = File::open(&self.path).map_err(|e| format!("cannot be read ({e})"))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot be read ({e})"))?;
        let mode = meta.mode() & 0o7777;
        if mode != 0o600 {
            return Err(format!(
                "has mode {mode:04o}, not 0600, so others may have read it"
            ));
        }
        let uid = self.uid();
        if meta.uid() != uid {
            return Err(format!("belongs to user id {}, not {uid}", meta.uid()));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!("is larger than {MAX_FILE_BYTES} bytes"));
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("cannot be read ({e})"))?;
        let stored: TokenFile = serde_json::from_slice(&bytes).map_err(|e| {
            // Category and position only: serde's message can quote a value.
            format!(
                "is not a valid token file ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            )
            .to_lowercase()
        })?;
        self.checked_token(stored)
    }

    fn checked_token(&self, stored: TokenFile) -> Result<Token, String> {
        if stored.version != FORMAT_VERSION {
            return Err(format!(
                "has format version {}, expected {FORMAT_VERSION}",
                stored.version
            ));
        }
        if stored.domain != self.domain
            || stored.client_id != self.client_id
            || stored.audience != self.audience
        {
            return Err(format!(
                "is for client id {:?} and audience {:?} at {}, not this one",
                stored.client_id, stored.audience, stored.domain
            ));
        }
        let time = |text: &str| {
            text.parse::<Timestamp>()
                .map_err(|_| "holds an invalid timestamp".to_owned())
        };
        Ok(Token::new(
            SecretString::from(stored.access_token),
            stored.token_type,
            stored.scope,
            time(&stored.issued_at)?,
            time(&stored.expires_at)?,
            TokenSource::File,
        ))
    }

    /// Replaces the token file with `token`: a new 0600 file, fsynced, renamed into place.
    /// Call it only under [`FileStore::lock`], whose sweep would otherwise remove the file in
    /// progress.
    pub(crate) fn save(&self, token: &Token) -> Result<(), AuthError> {
        let stored = TokenFile {
            version: FORMAT_VERSION,
            domain: self.domain.clone(),
            client_id: self.client_id.clone(),
            audience: self.audience.clone(),
            access_token: token.bearer().to_owned(),
            token_type: token.token_type().to_owned(),
            scope: token.scope().map(str::to_owned),
            issued_at: token.issued_at().to_string(),
            expires_at: token.expires_at().to_string(),
        };
        let failed = |source| AuthError::state_dir("write the token file", &self.path, source);
        let json = serde_json::to_vec_pretty(&stored).map_err(|e| failed(io::Error::other(e)))?;
        atomic_file::write_atomically(&self.path, &json, FileMode::Private)
            .map_err(|error| failed(error.source))?;
        // Make the rename durable; a failure here only risks an extra token request.
        let _ = atomic_file::sync_dir(&self.dir);
        Ok(())
    }

    /// Removes the token file if it still holds the token with this fingerprint, so other
    /// processes do not reload a token the API refused. Returns whether it was removed.
    pub(crate) fn remove_if_holds(&self, token_fingerprint: &str) -> io::Result<bool> {
        let bytes = match fs::read(&self.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            other => other?,
        };
        let holds = serde_json::from_slice::<TokenFile>(&bytes)
            .is_ok_and(|stored| fingerprint(&stored.access_token) == token_fingerprint);
        if holds {
            match fs::remove_file(&self.path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
                other => other?,
            }
        }
        Ok(holds)
    }

    /// This process's effective user id: from `/proc/self/status`, else the owner of a file
    /// created for the purpose.
    fn uid(&self) -> u32 {
        *self.uid.get_or_init(|| {
            proc_status_uid()
                .or_else(|| probe_uid(&self.dir))
                .unwrap_or(u32::MAX)
        })
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The effective uid from the `Uid:` line of `/proc/self/status` (Linux).
fn proc_status_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// The owner of a file this process creates (for systems without `/proc`).
fn probe_uid(dir: &Path) -> Option<u32> {
    let probe = dir.join(format!(
        ".uid-probe.{}.{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&probe)
        .ok()?;
    let uid = file.metadata().ok().map(|meta| meta.uid());
    let _ = fs::remove_file(&probe);
    uid
}
