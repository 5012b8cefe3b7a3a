//! Files only their owner may read: the token cache and incremental checkpoints. A leaf: it
//! depends on nothing else in a0snap.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Writes `bytes` to a new file at `path` with mode exactly 0600 (from creation, and set
/// again since the umask can only remove bits), then flushes it to disk. Fails if `path`
/// exists: callers write to a fresh temporary name and rename it into place.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_private_file_is_mode_0600_and_never_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret.json");
        write_new(&path, b"{}").expect("write");
        assert_eq!(fs::metadata(&path).expect("meta").mode() & 0o777, 0o600);
        assert_eq!(fs::read(&path).expect("read"), b"{}");
        assert!(write_new(&path, b"[]").is_err());
    }
}
