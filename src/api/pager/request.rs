//! The requests of a walk: the query of each kind of page, and one GET read into a [`Page`].

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use super::Request;
use crate::api::error::{ApiError, snippet};
use crate::api::page::{self, Page, Shape};

impl<'a> Request<'a> {
    /// Offset page `page` (0-based), as a future the fan-out can hold.
    pub(super) fn offset(self, page: u64) -> BoxFuture<'a, Result<Page, ApiError>> {
        self.offset_sized(page, self.page_size)
    }

    /// Offset page `page` (0-based) of `size` records.
    pub(super) fn offset_sized(
        self,
        page: u64,
        size: u32,
    ) -> BoxFuture<'a, Result<Page, ApiError>> {
        let mut query = self.params.to_vec();
        if let Some(sort) = &self.endpoint.sort
            && !self.params.iter().any(|(name, _)| name == "sort")
        {
            query.push(("sort".to_owned(), sort.clone()));
        }
        query.push(("page".to_owned(), page.to_string()));
        query.push(("per_page".to_owned(), size.to_string()));
        if self.endpoint.include_totals {
            query.push(("include_totals".to_owned(), "true".to_owned()));
        }
        self.fetch(query, page + 1, false).boxed()
    }

    /// The query of a checkpoint or log page: the job's params, then `from` and `take`.
    pub(super) fn stream_query(&self, from: Option<&str>) -> Vec<(String, String)> {
        let mut query = self.params.to_vec();
        if let Some(from) = from {
            query.push(("from".to_owned(), from.to_owned()));
        }
        query.push(("take".to_owned(), self.page_size.to_string()));
        query
    }

    /// The query of a log stream's first page: the oldest event held, as Auth0 documents
    /// (`sort=date:1` with `page`/`per_page`; `take` without `from` would be a search, newest
    /// first). One event only: events of the same `date` may come in any order, and every one
    /// after it is then read by `from`, in `log_id` order.
    pub(super) fn oldest_logs_query(&self) -> Vec<(String, String)> {
        let mut query = self.params.to_vec();
        query.push(("sort".to_owned(), "date:1".to_owned()));
        query.push(("page".to_owned(), "0".to_owned()));
        query.push(("per_page".to_owned(), "1".to_owned()));
        query
    }

    /// GETs one page (`number`, 1-based, for messages) and reads its paging facts.
    pub(super) async fn fetch(
        self,
        query: Vec<(String, String)>,
        number: u64,
        single: bool,
    ) -> Result<Page, ApiError> {
        let body = self.client.get(&self.endpoint.path, &query).await?;
        let shape = Shape {
            items: self.endpoint.items.as_deref(),
            single_object_ok: single,
            identity: self.endpoint.identity.as_deref(),
        };
        page::parse(body.clone(), shape).map_err(|error| ApiError::BadAnswer {
            path: self.endpoint.path.clone(),
            page: number,
            detail: error.to_string(),
            snippet: snippet(&body),
        })
    }
}
