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
    let newest = snapshot::newest_committed_meta_listed(folder, job).map_err(|error| {
        IncrementalError::Unlisted {
            folder: folder.folder_location(),
            detail: error.to_string(),
        }
    })?;
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
    // A quiet run committed by a version before 2026-11-29 (an empty delta, copied into the
    // store from a folder) read nothing after `after`: that is where the next run continues.
    let text_of = |key: &str| incremental[key].as_str().filter(|id| !id.is_empty());
    let Some(log_id) = text_of("last_log_id").or_else(|| text_of("after")) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "https://acme.eu.auth0.com/";

    fn open_in(dir: &std::path::Path) -> Result<Checkpoint, IncrementalError> {
        let output = Output::Local(dir.to_owned());
        open(&output.job("logs"), "logs", &output, TENANT, None)
    }

    fn meta(dir: &std::path::Path, stem: &str, incremental: Value) {
        let text = serde_json::json!({"records": 1, "finished_at": "2026-11-30T00:00:00Z", "incremental": incremental});
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        std::fs::write(
            dir.join("logs").join(format!("{stem}.meta.json")),
            text.to_string(),
        )
        .unwrap();
    }

    #[test]
    fn the_newest_committed_delta_is_the_checkpoint_and_none_starts_from_the_oldest_event() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(open_in(dir.path()).unwrap().resume_after(), None);
        meta(
            dir.path(),
            "logs-20261129T000000Z",
            serde_json::json!({"last_log_id": "90", "tenant": TENANT}),
        );
        meta(
            dir.path(),
            "logs-20261130T000000Z",
            serde_json::json!({"last_log_id": "95", "tenant": TENANT}),
        );
        // Data without a meta file is not committed: it does not move the checkpoint.
        std::fs::write(dir.path().join("logs/logs-20261201T000000Z.ndjson"), "{}\n").unwrap();
        let checkpoint = open_in(dir.path()).unwrap();
        assert_eq!(checkpoint.resume_after().as_deref(), Some("95"));
        assert!(checkpoint.in_store);
    }

    #[test]
    fn an_empty_delta_of_an_older_version_resumes_after_the_event_it_continued_from() {
        // Versions before 2026-11-29 committed quiet runs: `last_log_id` null, `after` set. A
        // folder copied into a store whose newest delta is one must not start from scratch.
        let dir = tempfile::tempdir().unwrap();
        meta(
            dir.path(),
            "logs-20261129T000000Z",
            serde_json::json!({"last_log_id": "95", "tenant": TENANT}),
        );
        meta(
            dir.path(),
            "logs-20261130T000000Z",
            serde_json::json!({"after": "95", "last_log_id": null, "tenant": TENANT}),
        );
        assert_eq!(
            open_in(dir.path()).unwrap().resume_after().as_deref(),
            Some("95")
        );
    }

    #[test]
    fn a_folder_that_cannot_be_listed_is_an_error_not_a_first_run() {
        // A first run starts from the oldest event Auth0 holds: taking a failed listing for
        // "no delta yet" would export every event again.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("logs"), "not a folder").unwrap();
        let error = open_in(dir.path()).unwrap_err().to_string();
        assert!(error.contains("logs"), "{error}");
    }

    #[test]
    fn another_tenants_delta_is_refused_and_a_non_incremental_meta_is_no_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        meta(
            dir.path(),
            "logs-20261130T000000Z",
            serde_json::json!({"last_log_id": "95", "tenant": "https://other.auth0.com/"}),
        );
        let error = open_in(dir.path()).unwrap_err().to_string();
        assert!(error.contains("other.auth0.com"), "{error}");
        meta(dir.path(), "logs-20261201T000000Z", Value::Null);
        assert_eq!(open_in(dir.path()).unwrap().resume_after(), None);
    }
}
