//! The commit phase of a run, as one unit on one blocking thread: stage the incremental
//! checkpoint, commit the snapshot, move the checkpoint into place, release the job's lock.
//!
//! A quiet run of an incremental job (no new event written) commits nothing: no data file, no
//! meta file, `latest.*`, retention and the checkpoint as they were. An empty delta would only
//! push older deltas, each the only copy of its events, towards retention (SPEC, 2026-11-29).
//! A first run whose events all fall before `since` is quiet too; the next run reads them again.
//!
//! A blocking task is not cancelled when the future that awaits it is dropped, so once this
//! phase has started it runs to its end even if the daemon aborts the run: the snapshot, its
//! `latest.*` and the checkpoint appear together, and the lock is held until all of them are
//! in place. A run stopped before this phase leaves nothing visible.

use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinHandle;

use super::JobError;
use super::fetch::Fetched;
use crate::incremental::{Checkpoint, LogTap};
use crate::jobs::Job;
use crate::snapshot::{Committed, JobLock, MetaInput, Snapshot};

/// Everything the commit phase needs, and owns until it ends.
#[derive(Debug)]
pub(super) struct Finish {
    /// The written, uncommitted snapshot.
    pub draft: Snapshot,
    /// Its metadata.
    pub meta: MetaInput,
    /// An incremental job's checkpoint and the tap that watched its events.
    pub checkpoint: Option<(Checkpoint, LogTap)>,
    /// "Now", for the checkpoint's `updated_at`.
    pub now: Timestamp,
    /// The job's lock, released once everything is in place.
    pub lock: JobLock,
}

impl Finish {
    /// Starts the commit phase on a blocking thread. It runs to its end whether or not the
    /// handle is awaited (or dropped). `None` for a quiet run, which commits nothing.
    pub(super) fn start(self) -> JoinHandle<Result<Option<Committed>, JobError>> {
        tokio::task::spawn_blocking(move || self.run())
    }

    /// Whether this is a quiet run: an incremental job that wrote no event.
    pub(super) fn is_quiet(&self) -> bool {
        self.checkpoint.is_some() && self.draft.records() == 0
    }

    fn run(self) -> Result<Option<Committed>, JobError> {
        if self.is_quiet() {
            // Dropping the draft removes its temporary files; the lock goes with `self`.
            return Ok(None);
        }
        let Finish {
            draft,
            meta,
            checkpoint,
            now,
            lock,
        } = self;
        // A lease in a store may have been lost (and taken over) while the run went on:
        // then the other process is the one writer, and this run must not commit.
        lock.check().map_err(crate::snapshot::SnapshotError::from)?;
        let staged = match &checkpoint {
            Some((checkpoint, tap)) => checkpoint.stage(tap, draft.stem(), now)?,
            None => None,
        };
        let committed = draft.commit(meta)?;
        if let Some(staged) = staged {
            staged.commit()?;
        }
        drop(lock);
        Ok(Some(committed))
    }
}

/// The meta file's fields every run has: `total`, `duration_ms`, `pagination`, `params`;
/// and for a paged walk `page_size` and `verified` (`identities_unique`: `true`, or `null`
/// when the endpoint's identity is unknown; `total`; `pages`; `rewalks`; for log streams
/// `ids_ascending`); for a `for_each` job `for_each` (`parent`, `field`, `parents`).
pub(super) fn meta_extras(
    job: &Job,
    fetched: &Fetched,
    rewalks: u32,
    elapsed: Duration,
) -> serde_json::Map<String, serde_json::Value> {
    let mut extra = serde_json::Map::new();
    if let Some(total) = fetched.total {
        extra.insert("total".to_owned(), total.into());
    }
    if let Some(page_size) = fetched.page_size {
        extra.insert("page_size".to_owned(), page_size.into());
    }
    if let Some(verified) = &fetched.verified {
        let mut facts = serde_json::json!({
            "identities_unique": verified.identities_unique,
            "total": verified.total,
            "pages": verified.pages,
            "rewalks": rewalks,
        });
        if verified.ascending {
            facts["ids_ascending"] = true.into();
        }
        extra.insert("verified".to_owned(), facts);
    }
    if let (Some(for_each), Some(parents)) = (&job.for_each, fetched.parents) {
        let relation = serde_json::json!({
            "parent": for_each.parent.name(),
            "field": for_each.field,
            "parents": parents,
        });
        extra.insert("for_each".to_owned(), relation);
    }
    extra.insert(
        "duration_ms".to_owned(),
        (elapsed.as_millis() as u64).into(),
    );
    extra.insert(
        "pagination".to_owned(),
        job.endpoint.pagination.name().into(),
    );
    let params: serde_json::Map<String, serde_json::Value> = job
        .params
        .iter()
        .map(|(key, value)| (key.clone(), value.clone().into()))
        .collect();
    extra.insert("params".to_owned(), params.into());
    extra
}
