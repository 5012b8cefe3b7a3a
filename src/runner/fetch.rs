//! The fetching side of a run, one function per mode: each sends its records to the writer
//! and returns what the summary and the meta file tell about it.

use tokio::sync::mpsc;

use super::{JobError, RunContext};
use crate::api::{
    ApiClient, ApiError, ExportFacts, ExportRequest, Page, Pager, PollPolicy, Verified,
    export_users,
};
use crate::endpoint::Pagination;
use crate::incremental::Checkpoint;
use crate::jobs::Job;
use crate::progress::JobProgress;

/// What fetching told about the run, for the summary and the meta file.
pub(super) struct Fetched {
    /// Pages fetched (0 for an export).
    pub pages: u64,
    /// The total the API reported, if any.
    pub total: Option<u64>,
    /// `mode = "export"`: the Auth0 export job.
    pub export: Option<ExportFacts>,
    /// How the walk was checked (paging only).
    pub verified: Option<Verified>,
    /// The page size the walk used (paging only): the job's, or the server's when smaller.
    pub page_size: Option<u32>,
    /// `for_each` jobs: the parents whose child lists were read.
    pub parents: Option<u64>,
}

/// What one walk needs beside the job: the job's client, its checkpoint, the page size.
pub(super) struct Walk<'a> {
    /// The client, with the job's deadline.
    pub api: &'a ApiClient,
    /// An incremental job's checkpoint.
    pub checkpoint: Option<&'a Checkpoint>,
    /// Records a page.
    pub page_size: u32,
}

/// Pages every record into `pages`, continuing after the checkpoint if there is one.
pub(super) async fn fetch_pages(
    job: &Job,
    context: &RunContext,
    walk: Walk<'_>,
    pages: mpsc::Sender<Page>,
) -> Result<Fetched, JobError> {
    let Walk {
        api,
        checkpoint,
        page_size,
    } = walk;
    let resume_after = checkpoint.and_then(Checkpoint::resume_after);
    let mut pager = Pager::new(api, &job.endpoint, &job.params, page_size, resume_after)
        .fan_out(context.pages_ahead);
    let progress = JobProgress::new(context.progress.as_ref(), &job.name);
    fetch_into(&mut pager, &pages, &progress)
        .await
        .map_err(|error| explain(error, checkpoint, pager.pages()))?;
    Ok(Fetched {
        pages: pager.pages(),
        total: pager.total(),
        export: None,
        verified: Some(pager.verified()),
        page_size: (job.endpoint.pagination != Pagination::None).then(|| pager.page_size()),
        parents: None,
    })
}

/// Runs Auth0's bulk users export of `request` (the job's, read when it was loaded) into
/// `pages`.
pub(super) async fn fetch_export(
    request: &ExportRequest,
    api: &ApiClient,
    pages: mpsc::Sender<Page>,
) -> Result<Fetched, JobError> {
    let facts = export_users(api, request, PollPolicy::default(), &pages).await?;
    Ok(Fetched {
        pages: 0,
        total: None,
        export: Some(facts),
        verified: None,
        page_size: None,
        parents: None,
    })
}

/// A paging error, or the checkpoint's rejection when that is what it means.
fn explain(error: ApiError, checkpoint: Option<&Checkpoint>, pages: u64) -> JobError {
    match checkpoint.and_then(|checkpoint| checkpoint.rejected(&error, pages)) {
        Some(rejected) => rejected.into(),
        None => error.into(),
    }
}

/// Fetches every page and hands it to the writer. Stops early if the writer has gone (its
/// error is reported by [`super::writer::join_writer`]). Each page is logged at debug and shown as progress.
async fn fetch_into(
    pager: &mut Pager<'_>,
    pages: &mpsc::Sender<Page>,
    progress: &JobProgress<'_>,
) -> Result<(), ApiError> {
    while let Some(page) = pager.next_page().await? {
        tracing::debug!(
            job = progress.job(),
            page = pager.pages(),
            records = pager.records(),
            total = pager.total(),
            "page received"
        );
        progress.page(pager.pages(), pager.records(), pager.total());
        if pages.send(page).await.is_err() {
            break;
        }
    }
    Ok(())
}
