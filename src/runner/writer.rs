//! The writing side of a run: a blocking thread that splits the pages into records and writes
//! them into the snapshot, an incremental job's events passing its tap on the way.

use tokio::sync::mpsc;

use super::JobError;
use crate::api::{ApiError, Page};
use crate::incremental::LogTap;
use crate::snapshot::Snapshot;

/// The writing side: runs on a blocking thread until the channel closes. The records of a
/// page are slices of its body, so a record costs no allocation of its own. An incremental
/// job's events pass its tap on the way.
pub(super) fn write_pages(
    mut draft: Snapshot,
    mut sink: mpsc::Receiver<Page>,
    mut tap: Option<LogTap>,
    path: &str,
) -> Result<Written, JobError> {
    let mut number = 0;
    while let Some(page) = sink.blocking_recv() {
        number += 1;
        let records = page.records().map_err(|error| ApiError::BadAnswer {
            path: path.to_owned(),
            page: number,
            detail: error.to_string(),
            snippet: String::new(),
        })?;
        let records = match &mut tap {
            Some(tap) => tap.pass(records),
            None => records,
        };
        draft.write_all(records)?;
    }
    Ok((draft, tap))
}

pub(super) type Written = (Snapshot, Option<LogTap>);

pub(super) async fn join_writer(
    writer: tokio::task::JoinHandle<Result<Written, JobError>>,
    job: &str,
) -> Result<Written, JobError> {
    match writer.await {
        Ok(result) => result,
        Err(error) => Err(JobError::Writer {
            job: job.to_owned(),
            detail: error.to_string(),
        }),
    }
}
