//! `POST` with a JSON body, for the few Management API calls that start something (Auth0's
//! users export), with the same pacing, retries and token renewal as [`ApiClient::get`], and
//! the shared HTTP client for downloads that must go out without the bearer token.
//!
//! A retried POST may start a second job on Auth0's side if the first answer was lost; for an
//! export that costs a little work there and nothing here.

use bytes::Bytes;

use super::{ApiClient, Call};
use crate::api::error::{ApiError, Method};

impl ApiClient {
    /// POSTs `body` as JSON to `path` and returns the body of a 2xx answer.
    pub(crate) async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Bytes, ApiError> {
        let url = self.url(path, &[]);
        let body = Bytes::from(body.to_string());
        let call = Call {
            method: Method::Post,
            path,
        };
        self.send(call, |http| {
            http.post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        })
        .await
    }

    /// The process's HTTP client, without any token: for downloads from pre-signed URLs on
    /// other hosts, which must never receive the Management API token.
    pub(crate) fn plain_http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The current time by the client's clock (for `Retry-After` dates).
    pub(crate) fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}
