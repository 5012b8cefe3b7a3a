//! Files that appear only complete: every file a0snap replaces (snapshot files, `latest.*`, meta
//! files, change reports, the token cache, incremental checkpoints) is written under a temporary
//! name in its target folder, flushed to disk and renamed into place; and the one sweep that
//! removes the temporary files a killed process left.
//!
//! Temporary files are named `.a0snap-tmp-{label}.{random}`, where `{label}` is the final file
//! name and `{random}` 8 letters or digits. Only names with that prefix are ever swept, so
//! nothing a user puts in a folder is touched. The caller chooses who may read a file
//! ([`FileMode`]) and when the folder is flushed ([`sync_dir`], once after several renames).
//!
//! This module must not decide when a sweep is safe: a file another live process is still
//! writing looks exactly like a leftover, so each caller sweeps only under the lock that keeps
//! other writers of that folder (or of that one label) out. A leaf: it depends on nothing else
//! in a0snap.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The prefix of every temporary file this module creates.
pub(crate) const TEMP_PREFIX: &str = ".a0snap-tmp-";

/// How many random names to try before giving up on creating a temporary file.
const CREATE_ATTEMPTS: u32 = 16;

/// How many random letters and digits end a temporary name.
const RANDOM_CHARS: usize = 8;

/// A file operation that failed, with what was being done and to which path.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {}: {source}", path.display())]
pub(crate) struct AtomicFileError {
    /// What was being done, as a verb phrase ("create", "rename into place").
    pub action: &'static str,
    /// The file or folder involved.
    pub path: PathBuf,
    /// What the operating system said.
    pub source: io::Error,
}

impl AtomicFileError {
    fn new(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Who may read a file written here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileMode {
    /// Every local user may read it: created 0644, less what the umask removes.
    Shared,
    /// Only its owner: exactly 0600 whatever the umask (set again after creation, since the
    /// umask can only remove bits), as the token cache and checkpoints check when they load.
    Private,
}

/// A temporary file's path; the file is removed on drop unless [`TempPath::persist`] ran.
#[derive(Debug)]
pub(crate) struct TempPath {
    /// Where the file is.
    path: PathBuf,
    /// Whether drop still has to remove it.
    armed: bool,
}

impl TempPath {
    /// Creates a new empty file in `dir` whose name mentions `label`, readable as `mode` says.
    ///
    /// Errors name `{dir}/{label}` (the final name means more to a user than the temporary one),
    /// or `dir` when every random name was taken.
    pub(crate) fn create(
        dir: &Path,
        label: &str,
        mode: FileMode,
    ) -> Result<(TempPath, File), AtomicFileError> {
        let mut last_error = None;
        for _ in 0..CREATE_ATTEMPTS {
            let path = dir.join(temp_name(label));
            match open_new(&path, mode) {
                Ok(file) => return Ok((TempPath { path, armed: true }, file)),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    last_error = Some(error)
                }
                Err(error) => return Err(AtomicFileError::new("create", dir.join(label), error)),
            }
        }
        let error = last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists));
        Err(AtomicFileError::new(
            "create a temporary file in",
            dir,
            error,
        ))
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

    /// Creates a temporary file for `target` in its folder holding `contents`, flushed to disk;
    /// the caller renames it into place with [`TempPath::persist`] when it is time.
    pub(crate) fn write(
        target: &Path,
        contents: &[u8],
        mode: FileMode,
    ) -> Result<TempPath, AtomicFileError> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let label = target
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("file");
        let (temp, mut file) = TempPath::create(dir, label, mode)?;
        file.write_all(contents)
            .map_err(|e| AtomicFileError::new("write", temp.path(), e))?;
        file.sync_all()
            .map_err(|e| AtomicFileError::new("flush to disk", temp.path(), e))?;
        Ok(temp)
    }

    /// The temporary file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file to `target` (replacing it, if any); the file is then no longer removed.
    pub(crate) fn persist(mut self, target: &Path) -> Result<(), AtomicFileError> {
        fs::rename(&self.path, target)
            .map_err(|e| AtomicFileError::new("rename into place", target, e))?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: a leftover is swept by the next run that holds the folder's lock.
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn temp_name(label: &str) -> String {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(RANDOM_CHARS)
        .collect();
    format!("{TEMP_PREFIX}{label}.{random}")
}

#[cfg_attr(not(unix), allow(unused_variables))]
fn open_new(path: &Path, mode: FileMode) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(
        &mut options,
        match mode {
            FileMode::Shared => 0o644,
            FileMode::Private => 0o600,
        },
    );
    let file = options.open(path)?;
    #[cfg(unix)]
    if mode == FileMode::Private {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Writes `contents` to `target` atomically: temporary file in the same folder, fsync, rename.
/// The folder is not flushed: call [`sync_dir`] once the last rename of a batch is done.
pub(crate) fn write_atomically(
    target: &Path,
    contents: &[u8],
    mode: FileMode,
) -> Result<(), AtomicFileError> {
    TempPath::write(target, contents, mode)?.persist(target)
}

/// Flushes a folder's entries (new names, renames, removals) to disk.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), AtomicFileError> {
    File::open(dir)
        .and_then(|folder| folder.sync_all())
        .map_err(|e| AtomicFileError::new("flush the folder to disk", dir, e))
}

/// Removes every temporary file that killed processes left in `dir`; returns how many.
///
/// Call it only while holding the lock that keeps every other writer out of `dir` (a job's
/// [`JobLock`](crate::snapshot::JobLock)): another process's files in progress look exactly
/// like leftovers. A folder that does not exist holds none.
pub(crate) fn sweep_temp_files(dir: &Path) -> Result<usize, AtomicFileError> {
    sweep(dir, |_| true)
}

/// Removes the temporary files killed processes left in `dir` for the final name `label` only;
/// returns how many.
///
/// For folders shared by files under different locks (the token cache's `{state}/tokens/`, one
/// lock per key; `{state}/checkpoints/`, one job lock per checkpoint): call it while holding the
/// lock of `label`, and the other labels' files in progress are left alone.
pub(crate) fn sweep_temp_files_of(dir: &Path, label: &str) -> Result<usize, AtomicFileError> {
    sweep(dir, |found| found == label)
}

/// The temporary files killed processes left in `dir` for the final name `label`, so that a
/// caller holding that label's lock can read one before sweeping (a staged checkpoint whose
/// snapshot was committed is moved into place, see [`crate::incremental`]). A folder that
/// does not exist holds none.
pub(crate) fn temp_files_of(dir: &Path, label: &str) -> Result<Vec<PathBuf>, AtomicFileError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(AtomicFileError::new("list", dir, error)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| AtomicFileError::new("list", dir, e))?;
        let ours = entry.file_name().to_str().and_then(label_of) == Some(label);
        if ours && entry.file_type().is_ok_and(|kind| kind.is_file()) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

fn sweep(dir: &Path, wanted: impl Fn(&str) -> bool) -> Result<usize, AtomicFileError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(AtomicFileError::new("list", dir, error)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| AtomicFileError::new("list", dir, e))?;
        let is_ours = entry
            .file_name()
            .to_str()
            .and_then(label_of)
            .is_some_and(&wanted);
        if !is_ours || !entry.file_type().is_ok_and(|kind| kind.is_file()) {
            continue;
        }
        match fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(AtomicFileError::new("remove", entry.path(), error)),
        }
    }
    Ok(removed)
}

/// The final name a temporary file is for (`None` when `name` is not a temporary name).
/// A name with the prefix but no random part is still ours, and its label is the rest.
fn label_of(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(TEMP_PREFIX)?;
    Some(rest.rsplit_once('.').map_or(rest, |(label, _)| label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_file_is_removed_unless_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, _file) = TempPath::create(dir.path(), "a.json", FileMode::Shared).unwrap();
        let path = temp.path().to_owned();
        assert!(path.exists());
        drop(temp);
        assert!(!path.exists());

        let (temp, _file) = TempPath::create(dir.path(), "a.json", FileMode::Shared).unwrap();
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
        let (temp, file) = TempPath::create(dir.path(), "a.csv", FileMode::Shared).unwrap();
        let mode = file.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & !0o644, 0, "mode {mode:o}");
        drop(temp);
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_mode_0600_and_never_overwrites() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret.json");
        write_atomically(&path, b"{}", FileMode::Private).expect("write");
        assert_eq!(fs::metadata(&path).expect("meta").mode() & 0o777, 0o600);
        assert_eq!(fs::read(&path).expect("read"), b"{}");
        assert!(open_new(&path, FileMode::Private).is_err());
        assert_eq!(fs::read(&path).expect("read"), b"{}");
    }

    #[test]
    fn the_sweep_removes_only_our_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, _file) =
            TempPath::create(dir.path(), "apps-20240101T000000Z.csv", FileMode::Shared).unwrap();
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
    fn sweeping_one_label_leaves_the_temporary_files_of_other_labels() {
        let dir = tempfile::tempdir().unwrap();
        for label in ["abc.json", "abc.json.x", "abcd.json", "ab.json"] {
            let (temp, _file) = TempPath::create(dir.path(), label, FileMode::Private).unwrap();
            std::mem::forget(temp); // as if the process had been killed
        }
        assert_eq!(temp_files_of(dir.path(), "abc.json").unwrap().len(), 1);
        assert!(
            temp_files_of(&dir.path().join("missing"), "abc.json")
                .unwrap()
                .is_empty()
        );
        assert_eq!(sweep_temp_files_of(dir.path(), "abc.json").unwrap(), 1);
        let mut labels: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .map(|name| label_of(&name).unwrap().to_owned())
            .collect();
        labels.sort();
        assert_eq!(labels, ["ab.json", "abc.json.x", "abcd.json"]);
    }
}
