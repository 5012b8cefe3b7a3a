//! Walking a list endpoint page by page, by its pagination kind, handing each page on as it
//! arrives so nothing holds the whole export.
//!
//! - offset: `page`, `per_page`, `include_totals=true` (only where the endpoint defines it:
//!   `actions/actions` does not, and is walked to its empty page), and the endpoint's stable `sort`
//!   (users: `user_id:1`, since Auth0's default order has ties and changes between requests);
//!   stops once `total` records arrived, without asking for an extra empty page. Without a
//!   total it stops only at an empty page that follows a short one, or a second empty page: a
//!   short first page may be a server capping its page size (a probe at the short size tells),
//!   and an empty page after a full one may be a hiccup. When the first page's `limit` (or its
//!   length, below `total`) shows the server gives fewer records than asked, the walk goes on
//!   at the server's size.
//!   Once the first page has reported `total`, the remaining pages are requested concurrently
//!   ([`FanOut`]) and handed on in page order, so the output is that of a sequential walk;
//! - checkpoint: `take`, then `from=<next>` until `next` is absent, even past short pages;
//! - logs: the oldest event first through `sort=date:1&page=0&per_page=1` (or, resuming,
//!   `from=<checkpoint>&take=N`), then `from=<last log_id>&take=N` until an empty page. Auth0
//!   documents `take` only with `from`; a bare `take` is a search, newest first
//!   (<https://auth0.com/docs/api/management/v2/logs/get-logs>);
//! - none: one request.
//!
//! Every page is checked as it arrives ([`Verifier`]): a record twice, a changed `total`, a
//! page that did not start where asked, a walk short of `total`, log ids not ascending end the
//! walk with [`ApiError::Drift`], which the runner answers by walking again. A checkpoint or
//! log page that points back at a `from` already sent ends the walk with
//! [`ApiError::BadAnswer`]: following it would ask for the same pages forever.
//!
//! Checkpoint and log pages depend on the page before, so they stay sequential: the pager only
//! reads what the next request needs, and the records are split and written on the writing
//! thread while that request is under way.

use serde::Deserialize;

use super::client::ApiClient;
use super::error::{ApiError, snippet};
use super::fanout::FanOut;
use super::page::Page;
use super::walk::{Drift, Verified, Verifier};
use crate::endpoint::{Endpoint, Pagination};
use offset::Held;

mod offset;
mod request;

/// Where the walk stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    /// The next offset page (0-based).
    Offset { page: u64 },
    /// The `from` to send next (`None` for the first page).
    Checkpoint { from: Option<String> },
    /// The log id to continue after (`None`: from the oldest event held).
    Logs { from: Option<String> },
    /// The one request of an unpaged endpoint.
    Single,
    /// Without a total, after a short first page: offset page 1 at the short page's size,
    /// which is empty when the first page was the whole list and holds records when the server
    /// caps its pages at that size.
    Probe { size: u32 },
    /// Every record has arrived.
    Done,
}

/// Pages through one endpoint.
pub(crate) struct Pager<'a> {
    /// What every request of this walk shares.
    request: Request<'a>,
    cursor: Cursor,
    /// The most offset pages on their way at once (1: one page after the other).
    width: usize,
    /// The offset pages requested ahead, while the walk fans out.
    ahead: Option<FanOut<'a, Page, ApiError>>,
    pages: u64,
    records: u64,
    /// The checks every page passes; it also holds the `total` the pages agreed on.
    verifier: Verifier,
    /// Without a total: what the last offset page held, which decides whether an empty page
    /// ends the walk.
    previous: Option<Held>,
    /// The checkpoint `next` values followed so far.
    followed: std::collections::HashSet<String>,
}

/// The parts of a request that stay the same for every page of a walk.
#[derive(Debug, Clone, Copy)]
struct Request<'a> {
    client: &'a ApiClient,
    endpoint: &'a Endpoint,
    params: &'a [(String, String)],
    page_size: u32,
}

#[derive(Deserialize)]
struct LogId {
    log_id: String,
}

impl<'a> Pager<'a> {
    /// A walk over `endpoint` with the job's own `params`, `page_size` records a page.
    /// `resume_after` continues a log stream after that log id.
    pub(crate) fn new(
        client: &'a ApiClient,
        endpoint: &'a Endpoint,
        params: &'a [(String, String)],
        page_size: u32,
        resume_after: Option<String>,
    ) -> Self {
        let logs = endpoint.pagination == Pagination::LogStream;
        let verifier = Verifier::new(
            endpoint.identity.as_deref(),
            logs,
            resume_after.clone().filter(|_| logs),
        );
        let cursor = match endpoint.pagination {
            Pagination::Offset => Cursor::Offset { page: 0 },
            Pagination::Checkpoint => Cursor::Checkpoint { from: None },
            Pagination::LogStream => Cursor::Logs { from: resume_after },
            Pagination::None => Cursor::Single,
        };
        Self {
            request: Request {
                client,
                endpoint,
                params,
                page_size,
            },
            cursor,
            width: 1,
            ahead: None,
            pages: 0,
            records: 0,
            verifier,
            previous: None,
            followed: std::collections::HashSet::new(),
        }
    }

    /// Lets offset pages after the first be requested `width` at a time (requested, or
    /// arrived and waiting for an earlier page). The shared limiter still decides how many
    /// requests are in flight; `width` bounds what the walk holds. 1 (the default) walks one
    /// page after the other.
    pub(crate) fn fan_out(mut self, width: usize) -> Self {
        self.width = width.max(1);
        self
    }

    /// Pages fetched so far.
    pub(crate) fn pages(&self) -> u64 {
        self.pages
    }

    /// Records received so far.
    pub(crate) fn records(&self) -> u64 {
        self.records
    }

    /// The record count the API reported, if it did.
    pub(crate) fn total(&self) -> Option<u64> {
        self.verifier.agreed_total()
    }

    /// The page size asked for: the job's, or the server's when it gives fewer.
    pub(crate) fn page_size(&self) -> u32 {
        self.request.page_size
    }

    /// How the walk was checked so far (all of it, once [`Pager::next_page`] gave `None`).
    pub(crate) fn verified(&self) -> Verified {
        self.verifier.verified()
    }

    /// The next page, or `None` when the walk is complete.
    pub(crate) async fn next_page(&mut self) -> Result<Option<Page>, ApiError> {
        let number = self.pages + 1;
        let page = match &self.cursor {
            Cursor::Done => return Ok(None),
            Cursor::Offset { page } => {
                let page = *page;
                self.offset_page(page).await?
            }
            Cursor::Probe { size } => {
                let size = *size;
                self.request.offset_sized(1, size).await?
            }
            Cursor::Single => {
                let query = self.request.params.to_vec();
                self.request.fetch(query, number, true).await?
            }
            Cursor::Checkpoint { from } => {
                let query = self.request.stream_query(from.as_deref());
                self.request.fetch(query, number, false).await?
            }
            Cursor::Logs { from: None } => {
                let query = self.request.oldest_logs_query();
                self.request.fetch(query, number, false).await?
            }
            Cursor::Logs { from } => {
                let query = self.request.stream_query(from.as_deref());
                self.request.fetch(query, number, false).await?
            }
        };
        self.pages = number;
        self.records += page.len() as u64;
        let checked = match self.advance(&page) {
            Ok(()) => self
                .verifier
                .identities(number, page.identities())
                .map_err(|drift| self.drifted(drift)),
            Err(error) => Err(error),
        };
        if checked.is_err() || self.cursor == Cursor::Done {
            // Pages requested ahead are not needed: the walk failed, or ended early (the
            // tenant shrank meanwhile).
            self.ahead = None;
        }
        checked.map(|()| Some(page))
    }

    /// Offset page `number`: from the fan-out when one is under way or can start, else alone.
    async fn offset_page(&mut self, number: u64) -> Result<Page, ApiError> {
        if self.ahead.is_none() {
            self.ahead = self.plan_fan_out(number);
        }
        if let Some(ahead) = &mut self.ahead {
            let request = self.request;
            match ahead.next(|page| request.offset(page)).await {
                Ok(Some((_, page))) => return Ok(page),
                Ok(None) => self.ahead = None,
                Err(error) => {
                    self.ahead = None;
                    return Err(error);
                }
            }
        }
        self.request.offset(number).await
    }

    /// A fan-out over the pages `total` says are left, when there are several.
    fn plan_fan_out(&self, from: u64) -> Option<FanOut<'a, Page, ApiError>> {
        let total = self.verifier.agreed_total()?;
        let end = total.div_ceil(u64::from(self.request.page_size.max(1)));
        (self.width > 1 && from > 0 && end > from + 1).then(|| FanOut::new(from, end, self.width))
    }

    /// Moves the cursor past `page`, checking what its paging facts promise.
    fn advance(&mut self, page: &Page) -> Result<(), ApiError> {
        self.cursor = match &self.cursor {
            Cursor::Offset { page: index } => self.advance_offset(*index, page)?,
            Cursor::Probe { size } => {
                if page.is_empty() {
                    Cursor::Done
                } else {
                    return Err(self.drifted(Drift::PageSizeCapped {
                        asked: self.request.page_size,
                        served: *size,
                    }));
                }
            }
            Cursor::Checkpoint { from } => match &page.next {
                Some(next) if self.followed.contains(next) || from.as_ref() == Some(next) => {
                    let just_sent = from.as_ref() == Some(next);
                    return Err(self.stuck("next", next, just_sent));
                }
                Some(next) => {
                    self.followed.insert(next.clone());
                    Cursor::Checkpoint {
                        from: Some(next.clone()),
                    }
                }
                None => Cursor::Done,
            },
            Cursor::Logs { from } => match page.last_record() {
                None => Cursor::Done,
                Some(last) => {
                    let last = self.log_id(last)?;
                    if from.as_ref() == Some(&last) {
                        return Err(self.stuck("last log_id", &last, true));
                    }
                    Cursor::Logs { from: Some(last) }
                }
            },
            Cursor::Single if page.next.is_some() => {
                return Err(ApiError::BadAnswer {
                    path: self.request.endpoint.path.clone(),
                    page: self.pages,
                    detail: "the answer is one page of a paged list (it has a \"next\"); set \
                             pagination = \"checkpoint\" in the job file"
                        .to_owned(),
                    snippet: String::new(),
                });
            }
            Cursor::Single | Cursor::Done => Cursor::Done,
        };
        Ok(())
    }

    /// The error for a drift at this walk's endpoint.
    fn drifted(&self, drift: Drift) -> ApiError {
        ApiError::Drift {
            path: self.request.endpoint.path.clone(),
            drift,
        }
    }

    fn check_cap(&self, total: u64) -> Result<(), ApiError> {
        match self.request.endpoint.offset_cap {
            Some(cap) if total > cap => Err(ApiError::OffsetCap {
                path: self.request.endpoint.path.clone(),
                total,
                cap,
            }),
            _ => Ok(()),
        }
    }

    /// The error for a page that points back at a `from` already sent: following it would
    /// ask for the same pages again and again, writing duplicates until the job timed out.
    fn stuck(&self, what: &str, from: &str, just_sent: bool) -> ApiError {
        let which = if just_sent {
            "the from just sent"
        } else {
            "a from sent before"
        };
        ApiError::BadAnswer {
            path: self.request.endpoint.path.clone(),
            page: self.pages,
            detail: format!(
                "its {what} repeats {which}, so paging would never end; run the job \
                 again later, and report it to auth0 support if it persists"
            ),
            snippet: snippet(from.as_bytes()),
        }
    }

    fn log_id(&self, record: &str) -> Result<String, ApiError> {
        serde_json::from_str::<LogId>(record)
            .map(|id| id.log_id)
            .map_err(|_| ApiError::BadAnswer {
                path: self.request.endpoint.path.clone(),
                page: self.pages,
                detail:
                    "a log event has no \"log_id\" string, so the next page cannot be asked for"
                        .to_owned(),
                snippet: snippet(record.as_bytes()),
            })
    }
}

impl std::fmt::Debug for Pager<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("endpoint", &self.request.endpoint.path)
            .field("cursor", &self.cursor)
            .field("width", &self.width)
            .field("fanning_out", &self.ahead.is_some())
            .field("pages", &self.pages)
            .field("records", &self.records)
            .field("total", &self.verifier.agreed_total())
            .finish()
    }
}

#[cfg(test)]
#[path = "tests/pager.rs"]
mod tests;
