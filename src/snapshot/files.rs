//! A snapshot's files as files: who may read them ([`Access`], and the job folder's mode to
//! match), what was written ([`WrittenFile`], with its size and hash) and the sink that counts
//! and hashes the bytes on their way to disk ([`HashingWriter`]). It never encodes records
//! (see `encode`) and never decides names (see `naming`); the temporary files and their sweep
//! are [`crate::atomic_file`]'s.
//!
//! Redacted snapshots are readable by every local user (files 0644); with `redact = false`
//! they hold client secrets and signing keys, so their files (data, meta, change report,
//! `latest.*`) are created 0600 and the job folder is kept at 0700, tightened with a warning
//! if it was looser.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::{IoContext, SnapshotError};
use super::format::Format;
use super::spec::OutputSpec;
use crate::atomic_file::FileMode;
#[cfg(unix)]
use crate::atomic_file::TEMP_PREFIX;
#[cfg(unix)]
use crate::store::LEASE_OBJECT as LOCK_FILE;

/// One data file of a committed snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WrittenFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its file name (`apps-20240305T050809Z.csv`).
    pub name: String,
    /// Its format.
    pub format: Format,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// Who may read a snapshot's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Every local user (files 0644): the records are redacted.
    Shared,
    /// The owner only (files 0600, folder 0700): the records hold secrets.
    Private,
}

impl Access {
    /// What `spec` asks for: private unless secrets are redacted.
    pub(crate) fn of(spec: &OutputSpec) -> Access {
        if spec.redact() {
            Access::Shared
        } else {
            Access::Private
        }
    }

    /// Who may read the files written with this access.
    pub(crate) fn file_mode(self) -> FileMode {
        match self {
            Access::Shared => FileMode::Shared,
            Access::Private => FileMode::Private,
        }
    }
}

/// Makes the job folder `dir` (which exists) private when `access` asks for it: mode 0700.
///
/// A warning says so when the folder already held files others could read.
pub(crate) fn protect_job_dir(dir: &Path, access: Access) -> Result<(), SnapshotError> {
    if access == Access::Shared {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)
            .context("read the permissions of", dir)?
            .permissions()
            .mode();
        if mode & 0o077 == 0 {
            return Ok(());
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .context("restrict the permissions of", dir)?;
        if holds_earlier_files(dir) {
            tracing::warn!(
                dir = %dir.display(),
                mode = format!("{:o}", mode & 0o777),
                "this job writes unredacted secrets (redact = false) and its folder was readable by other users; it is now 0700: check who may have read the older snapshots"
            );
        }
    }
    Ok(())
}

/// Whether `dir` holds anything besides the job's lock and temporary files.
#[cfg(unix)]
fn holds_earlier_files(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name != LOCK_FILE && !name.starts_with(TEMP_PREFIX)
        })
    })
}

/// A writer that counts and hashes (SHA-256) every byte written through it.
#[derive(Debug)]
pub(crate) struct HashingWriter<W> {
    /// Where the bytes go.
    inner: W,
    /// The running hash.
    hasher: Sha256,
    /// How many bytes went through.
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the byte count and the lower-case hex SHA-256.
    pub(crate) fn finish(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex::encode(self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hashing_writer_counts_and_hashes_what_passes() {
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"abc").unwrap();
        let (inner, bytes, sha) = writer.finish();
        assert_eq!(inner, b"abc");
        assert_eq!(bytes, 3);
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
