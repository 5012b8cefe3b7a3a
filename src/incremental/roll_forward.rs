//! Finishing what a killed run began: a run stages its new checkpoint (flushed to disk under a
//! temporary name), commits its snapshot, then moves the checkpoint into place. The commit
//! phase also replaces `latest.*` and applies retention before that move, so a run killed in
//! between is not rare, and it used to leave the checkpoint one delta behind: the next run
//! exported that delta's events again.
//!
//! So before the leftovers are swept, a staged checkpoint is moved into place when the
//! snapshot it names is committed (its meta file is there) and was written by a run that
//! started from the checkpoint in place now (the meta file's `incremental.after` is its
//! `log_id`, `null` for none) up to the staged `log_id` (`incremental.last_log_id`). Any other
//! leftover is swept as before: its snapshot never became visible, so its events are read
//! again. A checkpoint deleted on purpose, to start again, is never brought back: only a
//! staged file left by a killed run is moved, and only onto the checkpoint its run started from.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::{IncrementalError, Stored};
use crate::atomic_file;

/// Moves into place, at `path`, the staged checkpoint a killed run left whose snapshot in
/// `job_dir` is committed and continues the checkpoint `current` (its `log_id`; `None` when
/// there is none). Returns the snapshot it follows, if one was moved.
///
/// Call it under the job's lock, before sweeping the checkpoint's leftovers. Errors name the
/// checkpoint's path: its folder could not be listed or the rename failed.
pub(super) fn roll_forward(
    path: &Path,
    job_dir: &Path,
    current: Option<&str>,
) -> Result<Option<String>, IncrementalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let label = path.file_name().unwrap_or_default().to_string_lossy();
    let unwritable = |error: atomic_file::AtomicFileError| IncrementalError::Unwritable {
        path: path.to_owned(),
        source: error.source,
    };
    for staged in atomic_file::temp_files_of(dir, &label).map_err(unwritable)? {
        let Some(stored) = fs::read(&staged)
            .ok()
            .and_then(|text| serde_json::from_slice::<Stored>(&text).ok())
        else {
            continue;
        };
        if continues(job_dir, &stored, current) {
            fs::rename(&staged, path)
                .map_err(|source| atomic_file::AtomicFileError {
                    action: "move into place",
                    path: path.to_owned(),
                    source,
                })
                .and_then(|()| atomic_file::sync_dir(dir))
                .map_err(unwritable)?;
            return Ok(Some(stored.snapshot));
        }
    }
    Ok(None)
}

/// Whether `staged` names a committed snapshot of `job_dir` whose run went from `current` to
/// the staged `log_id`.
fn continues(job_dir: &Path, staged: &Stored, current: Option<&str>) -> bool {
    if staged.snapshot.contains(['/', '\\']) || staged.snapshot.starts_with('.') {
        return false;
    }
    let meta = job_dir.join(format!("{}.meta.json", staged.snapshot));
    let Some(meta) = fs::read(meta)
        .ok()
        .and_then(|text| serde_json::from_slice::<Value>(&text).ok())
    else {
        return false;
    };
    let incremental = &meta["incremental"];
    incremental["after"].as_str() == current
        && incremental["last_log_id"].as_str() == Some(staged.log_id.as_str())
}
