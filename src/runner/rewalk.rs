//! Deciding what follows a walk that drifted (the list changed while it was read, see
//! [`crate::api::Drift`]): walk again from the start, up to `A0SNAP_MAX_REWALKS` times, or fail
//! the job naming every drift. A drift that shows the server's pages are smaller than asked
//! starts the next walk at the server's size without counting as a re-walk: the size only
//! shrinks, so this ends.
//!
//! It decides only; the runner throws the unfinished snapshot away and walks.

use super::JobError;
use crate::api::Drift;
use crate::jobs::Job;

/// The walks of one run so far.
pub(super) struct Walks {
    /// The page size the next walk asks for.
    pub(super) page_size: u32,
    /// Walks started again after a drift.
    pub(super) rewalks: u32,
    /// What drifted, walk by walk.
    drifts: Vec<String>,
}

impl Walks {
    /// The first walk of a run, at `page_size`.
    pub(super) fn new(page_size: u32) -> Self {
        Self {
            page_size,
            rewalks: 0,
            drifts: Vec::new(),
        }
    }

    /// Decides after a drifted walk: walk again (`Ok`), or fail the job naming every drift.
    pub(super) fn after_drift(
        &mut self,
        job: &Job,
        max_rewalks: u32,
        path: String,
        drift: Drift,
    ) -> Result<(), JobError> {
        if let Some(size) = drift.page_size_hint()
            && size < self.page_size
        {
            tracing::warn!(job = %job.name, %drift, asked = self.page_size, served = size,
                "the server gives smaller pages than asked; walking again at its page size");
            self.page_size = size;
            return Ok(());
        }
        self.drifts.push(drift.to_string());
        if self.rewalks >= max_rewalks {
            return Err(JobError::Drifted {
                path,
                walks: self.rewalks + 1,
                drifts: std::mem::take(&mut self.drifts),
            });
        }
        self.rewalks += 1;
        tracing::warn!(job = %job.name, %drift, rewalk = self.rewalks, of = max_rewalks,
            "the list changed during the walk; walking again from the start");
        Ok(())
    }
}
