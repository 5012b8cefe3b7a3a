//! Walking a list endpoint page by page, by its pagination kind, handing each page on as it
//! arrives so nothing holds the whole export.
//!
//! - offset: `page`, `per_page`, `include_totals=true`; stops once `total` records arrived,
//!   without asking for an extra empty page (or at a short page when there is no total);
//! - checkpoint: `take`, then `from=<next>` until `next` is absent, even past short pages;
//! - logs: `take`, then `from=<last log_id>` until an empty page;
//! - none: one request.

use serde::Deserialize;

use super::client::ApiClient;
use super::error::{ApiError, snippet};
use super::page::{self, Page};
use crate::endpoint::{Endpoint, Pagination};

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
    /// Every record has arrived.
    Done,
}

/// Pages through one endpoint.
#[derive(Debug)]
pub struct Pager<'a> {
    client: &'a ApiClient,
    endpoint: &'a Endpoint,
    params: &'a [(String, String)],
    page_size: u32,
    cursor: Cursor,
    pages: u64,
    records: u64,
    total: Option<u64>,
}

#[derive(Deserialize)]
struct LogId {
    log_id: String,
}

impl<'a> Pager<'a> {
    /// A walk over `endpoint` with the job's own `params`, `page_size` records a page.
    /// `resume_after` continues a log stream after that log id.
    pub fn new(
        client: &'a ApiClient,
        endpoint: &'a Endpoint,
        params: &'a [(String, String)],
        page_size: u32,
        resume_after: Option<String>,
    ) -> Self {
        let cursor = match endpoint.pagination {
            Pagination::Offset => Cursor::Offset { page: 0 },
            Pagination::Checkpoint => Cursor::Checkpoint { from: None },
            Pagination::LogStream => Cursor::Logs { from: resume_after },
            Pagination::None => Cursor::Single,
        };
        Self {
            client,
            endpoint,
            params,
            page_size,
            cursor,
            pages: 0,
            records: 0,
            total: None,
        }
    }

    /// Pages fetched so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Records received so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The record count the API reported, if it did.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The next page, or `None` when the walk is complete.
    pub async fn next_page(&mut self) -> Result<Option<Page>, ApiError> {
        let Some(query) = self.query() else {
            return Ok(None);
        };
        let body = self.client.get(&self.endpoint.path, &query).await?;
        let single = self.cursor == Cursor::Single;
        let page = page::parse(&body, self.endpoint.items.as_deref(), single).map_err(|error| {
            ApiError::BadAnswer {
                path: self.endpoint.path.clone(),
                page: self.pages + 1,
                detail: error.to_string(),
                snippet: snippet(&body),
            }
        })?;
        self.pages += 1;
        self.records += page.records.len() as u64;
        self.advance(&page)?;
        Ok(Some(page))
    }

    /// The query of the next request: the job's params, then the paging ones.
    fn query(&self) -> Option<Vec<(String, String)>> {
        let mut query = self.params.to_vec();
        let size = self.page_size.to_string();
        match &self.cursor {
            Cursor::Done => return None,
            Cursor::Single => {}
            Cursor::Offset { page } => {
                query.push(("page".to_owned(), page.to_string()));
                query.push(("per_page".to_owned(), size));
                query.push(("include_totals".to_owned(), "true".to_owned()));
            }
            Cursor::Checkpoint { from } | Cursor::Logs { from } => {
                if let Some(from) = from {
                    query.push(("from".to_owned(), from.clone()));
                }
                query.push(("take".to_owned(), size));
            }
        }
        Some(query)
    }

    /// Moves the cursor past `page`.
    fn advance(&mut self, page: &Page) -> Result<(), ApiError> {
        self.cursor = match &self.cursor {
            Cursor::Offset { page: number } => {
                if let Some(total) = page.total {
                    self.check_cap(total)?;
                    self.total = Some(total);
                }
                let short = page.records.len() < self.page_size as usize;
                let complete = self.total.map_or(short, |total| self.records >= total);
                if complete || page.records.is_empty() {
                    Cursor::Done
                } else {
                    Cursor::Offset { page: number + 1 }
                }
            }
            Cursor::Checkpoint { .. } => match &page.next {
                Some(next) => Cursor::Checkpoint {
                    from: Some(next.clone()),
                },
                None => Cursor::Done,
            },
            Cursor::Logs { .. } => match page.records.last() {
                None => Cursor::Done,
                Some(last) => Cursor::Logs {
                    from: Some(self.log_id(last)?),
                },
            },
            Cursor::Single | Cursor::Done => Cursor::Done,
        };
        Ok(())
    }

    fn check_cap(&self, total: u64) -> Result<(), ApiError> {
        match self.endpoint.offset_cap {
            Some(cap) if total > cap => Err(ApiError::OffsetCap {
                path: self.endpoint.path.clone(),
                total,
                cap,
            }),
            _ => Ok(()),
        }
    }

    fn log_id(&self, record: &serde_json::value::RawValue) -> Result<String, ApiError> {
        serde_json::from_str::<LogId>(record.get())
            .map(|id| id.log_id)
            .map_err(|_| ApiError::BadAnswer {
                path: self.endpoint.path.clone(),
                page: self.pages,
                detail:
                    "a log event has no \"log_id\" string, so the next page cannot be asked for"
                        .to_owned(),
                snippet: snippet(record.get().as_bytes()),
            })
    }
}
