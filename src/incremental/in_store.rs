//! The checkpoint of an incremental job whose output is an object store: the newest committed
//! delta's meta object, `{prefix}/{job}/{stem}.meta.json`, whose `incremental.last_log_id` is
//! the last event that delta holds.
//!
//! A delta is committed exactly when its meta object is written (data objects first, meta
//! last), so this checkpoint advances with the commit, never before and never after: a run
//! killed before the meta object is written leaves the checkpoint where it was (its data
//! objects are swept by the next run, which reads their events again), and a run killed after
//! has its events counted. Nothing is kept on the local disk.

use std::io;

use jiff::Timestamp;
use serde_json::Value;

use super::{Checkpoint, FORMAT_VERSION, IncrementalError, Stored};
use crate::snapshot;
use crate::store::{JobFolder, Output};

/// The checkpoint of `job` in `folder`: the newest committed delta's `last_log_id`, or none.
pub(super) fn open(
    folder: &JobFolder,
    job: &str,
    output: &Output,
    tenant: &str,
    since: Option<Timestamp>,
) -> Result<Checkpoint, IncrementalError> {
    let newest = snapshot::newest_committed_meta(folder, job);
    let path = folder.location(newest.as_deref().unwrap_or(""));
    let stored = match &newest {
        None => None,
        Some(name) => {
            let text = folder
                .read(name)
                .map_err(|error| IncrementalError::Unreadable {
                    path: path.clone(),
                    source: io::Error::other(error.to_string()),
                })?
                .ok_or_else(|| IncrementalError::Unreadable {
                    path: path.clone(),
                    source: io::Error::from(io::ErrorKind::NotFound),
                })?;
            from_meta(&text, name, job, tenant, &path)?
        }
    };
    Ok(Checkpoint {
        path,
        job: job.to_owned(),
        tenant: tenant.to_owned(),
        output: output.key(),
        in_store: true,
        stored,
        since,
    })
}

/// The checkpoint a delta's meta file holds; `None` when it is not an incremental run's.
fn from_meta(
    text: &[u8],
    name: &str,
    job: &str,
    tenant: &str,
    path: &std::path::Path,
) -> Result<Option<Stored>, IncrementalError> {
    let corrupt = |detail: String| IncrementalError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let meta: Value = serde_json::from_slice(text).map_err(|error| corrupt(error.to_string()))?;
    let incremental = &meta["incremental"];
    let Some(log_id) = incremental["last_log_id"]
        .as_str()
        .filter(|id| !id.is_empty())
    else {
        tracing::warn!(job, meta = %path.display(), "the newest snapshot in the store holds no incremental checkpoint; starting from the oldest event Auth0 still holds (or from since)");
        return Ok(None);
    };
    if let Some(found) = incremental["tenant"].as_str()
        && found != tenant
    {
        return Err(IncrementalError::OtherTenant {
            path: path.to_owned(),
            found: found.to_owned(),
            expected: tenant.to_owned(),
        });
    }
    Ok(Some(Stored {
        version: FORMAT_VERSION,
        job: job.to_owned(),
        tenant: tenant.to_owned(),
        output: None,
        log_id: log_id.to_owned(),
        date: None,
        snapshot: name.trim_end_matches(".meta.json").to_owned(),
        updated_at: meta["finished_at"].as_str().unwrap_or_default().to_owned(),
    }))
}
