//! The fetching side of a `for_each` job: the parent list first, then each parent's child
//! list into the writer, in parent order (see [`crate::api::Relation`]). No child record is
//! written until the parent walk is complete, and a child list that fails fails the whole
//! walk, so the runner throws the unfinished snapshot away as after any failed walk.

use tokio::sync::mpsc;

use super::fetch::{Fetched, Walk};
use super::{JobError, RunContext};
use crate::api::{Page, Relation, Verified};
use crate::jobs::{ForEach, Job};
use crate::progress::JobProgress;

/// Pages every child record of every parent into `pages`.
pub(super) async fn fetch_relation(
    job: &Job,
    for_each: &ForEach,
    context: &RunContext,
    walk: Walk<'_>,
    pages: mpsc::Sender<Page>,
) -> Result<Fetched, JobError> {
    let relation = Relation {
        client: walk.api,
        parent: &for_each.parent,
        parent_page_size: for_each.parent_page_size,
        child: &job.endpoint,
        params: &job.params,
        page_size: walk.page_size,
        field: &for_each.field,
        width: context.pages_ahead,
    };
    let parents = relation.parents().await?;
    tracing::debug!(job = %job.name, parent = %for_each.parent.path, parents = parents.ids.len(), "parent list read");
    let progress = JobProgress::new(context.progress.as_ref(), &job.name);
    let parent_count = parents.ids.len() as u64;
    let (mut count, mut records) = (parents.verified.pages, 0u64);
    let mut children = relation.children(parents.ids);
    while let Some(page) = children.next_page().await? {
        count += 1;
        records += page.len() as u64;
        progress.page(count, records, None);
        if pages.send(page).await.is_err() {
            // The writer has gone; its error is reported by `join_writer`.
            break;
        }
    }
    Ok(fetched(
        parent_count,
        count,
        children.identities_unique(),
        walk.page_size,
    ))
}

/// What the summary and the meta file say of a relation walk: pages of both lists, parents,
/// and whether every child list had unique identities (so (parent, child) is unique).
fn fetched(parents: u64, pages: u64, unique: Option<bool>, page_size: u32) -> Fetched {
    Fetched {
        pages,
        total: None,
        export: None,
        verified: Some(Verified {
            identities_unique: unique,
            total: None,
            pages,
            ascending: false,
        }),
        page_size: Some(page_size),
        parents: Some(parents),
    }
}
