//! Atomic files: a temporary name in the target folder, removed unless renamed into place,
//! a writer that hashes and counts what passes through it, and the sweep of leftovers.
//!
//! Temporary files are named `.a0snap-tmp-{label}.{random}`. Only names with that prefix are
//! ever swept, so nothing a user puts in the folder is touched.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::access::Access;
use super::error::{IoContext, SnapshotError};

/// The prefix of every temporary file this module creates.
pub(crate) const TEMP_PREFIX: &str = ".a0snap-tmp-";

/// How many random names to try before giving up on creating a temporary file.
const CREATE_ATTEMPTS: u32 = 16;

/// A temporary file's path; the file is removed on drop unless [`TempPath::persist`] ran.
#[derive(Debug)]
pub(crate) struct TempPath {
    /// Where the file is.
    path: PathBuf,
    /// Whether drop still has to remove it.
    armed: bool,
}

impl TempPath {
    /// Creates a new empty file in `dir` whose name mentions `label`, readable as `access` says.
    pub(crate) fn create(
        dir: &Path,
        label: &str,
        access: Access,
    ) -> Result<(TempPath, File), SnapshotError> {
        let mut last_error = None;
        for _ in 0..CREATE_ATTEMPTS {
            let path = dir.join(temp_name(label));
            match open_new(&path, access) {
                Ok(file) => return Ok((TempPath { path, armed: true }, file)),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    last_error = Some(error)
                }
                // The final name means more to a user than the temporary one.
                Err(error) => return Err(SnapshotError::io("create", dir.join(label), error)),
            }
        }
        let error = last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists));
        Err(SnapshotError::io("create a temporary file in", dir, error))
    }

    /// Creates a temporary hard link to `source` in `dir` whose name mentions `label`.
    pub(crate) fn hard_link(dir: &Path, label: &str, source: &Path) -> io::Result<TempPath> {
        let mut last_error = io::Error::from(io::ErrorKind::AlreadyExists);
        for _ in 0..CREATE_ATTEMPTS {
            let path = dir.join(temp_name(label));
            match fs::hard_link(source, &path) {
                Ok(()) => return Ok(TempPath { path, armed: true }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => last_error = error,
                Err(error) => return Err(error),
            }
        }
        Err(last_error)
    }

    /// The temporary file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file to `target` (replacing it, if any); the file is then no longer removed.
    pub(crate) fn persist(mut self, target: &Path) -> Result<(), SnapshotError> {
        fs::rename(&self.path, target).context("rename into place", target)?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: a leftover is swept by the next run of the job.
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn temp_name(label: &str) -> String {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(8)
        .collect();
    format!("{TEMP_PREFIX}{label}.{random}")
}

#[cfg_attr(not(unix), allow(unused_variables))]
fn open_new(path: &Path, access: Access) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, access.file_mode());
    options.open(path)
}

/// Writes `contents` to `target` atomically: temporary file, fsync, rename.
pub(crate) fn write_atomically(
    dir: &Path,
    target: &Path,
    contents: &[u8],
    access: Access,
) -> Result<(), SnapshotError> {
    let label = target
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("file");
    let (temp, mut file) = TempPath::create(dir, label, access)?;
    file.write_all(contents).context("write", temp.path())?;
    file.sync_all().context("flush to disk", temp.path())?;
    drop(file);
    temp.persist(target)
}

/// Flushes a folder's entries (new names, renames, removals) to disk.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), SnapshotError> {
    File::open(dir)
        .and_then(|folder| folder.sync_all())
        .context("flush the folder to disk", dir)
}

/// Removes the temporary files that killed runs left in `job_dir`; returns how many.
///
/// Call it only while holding the job's [`JobLock`](super::JobLock): another run's files in
/// progress look exactly like leftovers.
pub(crate) fn sweep_temp_files(job_dir: &Path) -> Result<usize, SnapshotError> {
    let entries = match fs::read_dir(job_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(SnapshotError::io("list", job_dir, error)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.context("list", job_dir)?;
        let is_ours = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(TEMP_PREFIX));
        if !is_ours || !entry.file_type().is_ok_and(|kind| kind.is_file()) {
            continue;
        }
        match fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(SnapshotError::io("remove", entry.path(), error)),
        }
    }
    Ok(removed)
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
    fn a_temporary_file_is_removed_unless_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, _file) = TempPath::create(dir.path(), "a.json", Access::Shared).unwrap();
        let path = temp.path().to_owned();
        assert!(path.exists());
        drop(temp);
        assert!(!path.exists());

        let (temp, _file) = TempPath::create(dir.path(), "a.json", Access::Shared).unwrap();
        temp.persist(&dir.path().join("a.json")).unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn temporary_files_are_readable_by_others_but_not_writable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (temp, file) = TempPath::create(dir.path(), "a.csv", Access::Shared).unwrap();
        let mode = file.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & !0o644, 0, "mode {mode:o}");
        drop(temp);
    }

    #[test]
    fn the_sweep_removes_only_our_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, _file) =
            TempPath::create(dir.path(), "apps-20240101T000000Z.csv", Access::Shared).unwrap();
        std::mem::forget(temp); // as if the process had been killed
        fs::write(dir.path().join(".a0snap-tmp-latest.json.abc"), "x").unwrap();
        for keep in [
            "apps-20240101T000000Z.csv",
            ".lock",
            ".a0snap-notes",
            "tmp-x",
        ] {
            fs::write(dir.path().join(keep), "x").unwrap();
        }
        fs::create_dir(dir.path().join(".a0snap-tmp-folder")).unwrap();

        assert_eq!(sweep_temp_files(dir.path()).unwrap(), 2);
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ".a0snap-notes",
                ".a0snap-tmp-folder",
                ".lock",
                "apps-20240101T000000Z.csv",
                "tmp-x"
            ]
        );
    }

    #[test]
    fn sweeping_a_folder_that_does_not_exist_removes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(sweep_temp_files(&dir.path().join("missing")).unwrap(), 0);
    }

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
