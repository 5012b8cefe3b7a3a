//! Walking a relation: every record of a parent list (`roles`), then the child list of each
//! (`roles/{id}/users`), with every record of a child list given its parent's identity as its
//! first field (`role_id`, see `parent_field`).
//!
//! The parent list is walked first, with every check of a walk ([`super::walk`]); only its
//! identities are kept (a few bytes each). The child lists are then walked `width` at a time,
//! each on a task of its own that hands its pages over a channel of [`PAGES_PER_LANE`]: every
//! request still waits for the process's one pacer ([`super::Limiter`]), so a relation job is
//! bounded and takes its turn with the other jobs' requests. Pages are handed on strictly in
//! parent order, whatever order the lists complete in, so the output is that of one walk after
//! the other, and memory holds at most `width` × ([`PAGES_PER_LANE`] + 1) pages: a child list
//! ahead of its turn waits once its channel is full.
//!
//! A child list that answers 404 means its parent was deleted after the parent walk: that is
//! a [`Drift::ParentGone`], which the runner answers like any drift, by walking again. Any
//! other failure of a child list ends the walk with that error when its turn comes; dropping
//! [`Children`] stops every child walk still under way.
//!
//! It knows endpoints and pages, not jobs or files.

mod parent_field;

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::client::ApiClient;
use super::error::{ApiError, snippet};
use super::page::Page;
use super::pager::Pager;
use super::walk::{Drift, Verified};
use crate::endpoint::Endpoint;
use parent_field::{json_text, with_parent};

/// Pages a child list may have waiting for its turn.
const PAGES_PER_LANE: usize = 2;

/// A parent list and the child list to read for each of its records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Relation<'a> {
    /// The client, with the job's deadline.
    pub client: &'a ApiClient,
    /// The parent list (`/api/v2/roles`).
    pub parent: &'a Endpoint,
    /// Records a page of the parent list.
    pub parent_page_size: u32,
    /// The child template (`/api/v2/roles/{id}/users`).
    pub child: &'a Endpoint,
    /// The job's query parameters, sent with every child page.
    pub params: &'a [(String, String)],
    /// Records a page of a child list.
    pub page_size: u32,
    /// The field that carries the parent's identity (`role_id`).
    pub field: &'a str,
    /// Child lists (and parent pages) on their way at once; at least 1.
    pub width: usize,
}

/// The parent list's identities, in its order, and how its walk was checked.
#[derive(Debug)]
pub(crate) struct Parents {
    /// Each parent's identity as text (`rol_1`; a number as written).
    pub ids: Vec<String>,
    /// How the parent walk was checked.
    pub verified: Verified,
}

impl Relation<'_> {
    /// Walks the parent list and keeps its identities.
    ///
    /// # Errors
    /// Any error of the walk ([`ApiError::Drift`] included), or [`ApiError::BadAnswer`] when
    /// a parent record has no identity.
    pub(crate) async fn parents(&self) -> Result<Parents, ApiError> {
        let mut pager = Pager::new(self.client, self.parent, &[], self.parent_page_size, None)
            .fan_out(self.width);
        let mut ids = Vec::new();
        while let Some(page) = pager.next_page().await? {
            let found = page.identities().map_err(|index| ApiError::BadAnswer {
                path: self.parent.path.clone(),
                page: pager.pages(),
                detail: format!(
                    "record {} has no {}, so its children cannot be read",
                    index + 1,
                    self.parent.identity.as_deref().unwrap_or("identity")
                ),
                snippet: String::new(),
            })?;
            ids.extend(found.unwrap_or_default().into_iter().map(identity_text));
        }
        Ok(Parents {
            ids,
            verified: pager.verified(),
        })
    }

    /// The child lists of the parents `ids`, walked `width` at a time and handed on in the
    /// order of `ids`.
    pub(crate) fn children(&self, ids: Vec<String>) -> Children {
        Children {
            lane: Arc::new(Lane {
                client: self.client.clone(),
                parent: self.parent.name().to_owned(),
                child: self.child.clone(),
                params: self.params.to_vec(),
                page_size: self.page_size,
                field: json_text(self.field),
            }),
            waiting: ids.into_iter(),
            lanes: VecDeque::new(),
            tasks: JoinSet::new(),
            width: self.width.max(1),
            unique: Some(true),
        }
    }
}

/// What every child walk shares, owned, for the tasks that walk them.
#[derive(Debug)]
struct Lane {
    client: ApiClient,
    /// The parent list's name (`roles`), for a drift's message.
    parent: String,
    child: Endpoint,
    params: Vec<(String, String)>,
    page_size: u32,
    /// The parent field's name as JSON text (`"role_id"`).
    field: String,
}

/// What a child walk sends: its pages, then how it was checked, or its error.
enum Sent {
    Page(Page),
    Done(Verified),
    Failed(ApiError),
}

/// The child lists of a relation, walked concurrently, handed on in parent order.
#[derive(Debug)]
pub(crate) struct Children {
    lane: Arc<Lane>,
    /// Parents whose child list has not started.
    waiting: std::vec::IntoIter<String>,
    /// The child lists under way, in parent order: each one's channel.
    lanes: VecDeque<mpsc::Receiver<Sent>>,
    /// The child walks; dropping the set stops them.
    tasks: JoinSet<()>,
    width: usize,
    /// `Some(true)` while every finished child list had unique identities.
    unique: Option<bool>,
}

impl Children {
    /// The next page in parent order, or `None` once every child list was handed on.
    ///
    /// # Errors
    /// The first failure in parent order; a 404 as [`Drift::ParentGone`].
    pub(crate) async fn next_page(&mut self) -> Result<Option<Page>, ApiError> {
        loop {
            self.start_lanes();
            let Some(front) = self.lanes.front_mut() else {
                return Ok(None);
            };
            match front.recv().await {
                Some(Sent::Page(page)) => return Ok(Some(page)),
                Some(Sent::Done(verified)) => {
                    if verified.identities_unique != Some(true) {
                        self.unique = None;
                    }
                    self.lanes.pop_front();
                }
                Some(Sent::Failed(error)) => {
                    self.tasks.abort_all();
                    return Err(error);
                }
                None => {
                    self.tasks.abort_all();
                    return Err(ApiError::BadAnswer {
                        path: self.lane.child.path.clone(),
                        page: 0,
                        detail: "the walk of a child list stopped unexpectedly".to_owned(),
                        snippet: String::new(),
                    });
                }
            }
        }
    }

    /// `Some(true)` when every child list had unique identities; `None` otherwise.
    pub(crate) fn identities_unique(&self) -> Option<bool> {
        self.unique
    }

    /// Starts the next parents' child walks while fewer than `width` are under way.
    fn start_lanes(&mut self) {
        // Finished walks leave an entry in the set until joined.
        while self.tasks.try_join_next().is_some() {}
        while self.lanes.len() < self.width {
            let Some(id) = self.waiting.next() else {
                return;
            };
            let (pages, lane) = mpsc::channel(PAGES_PER_LANE);
            let shared = Arc::clone(&self.lane);
            self.tasks.spawn(async move {
                let sent = match walk_child(&shared, &id, &pages).await {
                    Ok(verified) => Sent::Done(verified),
                    Err(error) => Sent::Failed(error),
                };
                // The receiver is gone only when the walk was given up.
                let _ = pages.send(sent).await;
            });
            self.lanes.push_back(lane);
        }
    }
}

/// Walks the child list of parent `id` into `pages`, every record given the parent's field
/// first; how it was checked.
async fn walk_child(
    lane: &Lane,
    id: &str,
    pages: &mpsc::Sender<Sent>,
) -> Result<Verified, ApiError> {
    let endpoint = lane.child.for_parent(id);
    let mut pager = Pager::new(&lane.client, &endpoint, &lane.params, lane.page_size, None);
    let value = json_text(id);
    loop {
        let page = match pager.next_page().await {
            Ok(Some(page)) => page,
            Ok(None) => return Ok(pager.verified()),
            Err(ApiError::Refused { status: 404, .. }) => {
                return Err(ApiError::Drift {
                    path: endpoint.path.clone(),
                    drift: Drift::ParentGone {
                        parent: lane.parent.clone(),
                        id: id.to_owned(),
                    },
                });
            }
            Err(error) => return Err(error),
        };
        let number = pager.pages();
        let page = with_parent(&page, &lane.field, &value).map_err(|(detail, record)| {
            ApiError::BadAnswer {
                path: endpoint.path.clone(),
                page: number,
                detail,
                snippet: snippet(record.as_bytes()),
            }
        })?;
        if pages.send(Sent::Page(page)).await.is_err() {
            // Given up: the relation's walk ended.
            return Ok(pager.verified());
        }
    }
}

/// A raw identity as text: a JSON string's value (escapes decoded), anything else as written.
fn identity_text(raw: &str) -> String {
    serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_decoded_json_strings_or_numbers_as_written() {
        assert_eq!(identity_text(r#""auth0|1\u0041""#), "auth0|1A");
        assert_eq!(identity_text("42"), "42");
    }
}
