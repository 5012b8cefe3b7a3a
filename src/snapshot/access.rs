//! Who may read what a snapshot writes. Redacted snapshots are readable by every local user
//! (files 0644); with `redact = false` they hold client secrets and signing keys, so their
//! files (data, meta, change report, `latest.*`) are created 0600 and the job folder is kept
//! at 0700, tightened with a warning if it was looser.

use std::fs;
use std::path::Path;

use super::error::{IoContext, SnapshotError};
#[cfg(unix)]
use super::lock::LOCK_FILE;
use super::spec::OutputSpec;
use crate::atomic_file::FileMode;
#[cfg(unix)]
use crate::atomic_file::TEMP_PREFIX;

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
