//! `POST` with a JSON body, for the few Management API calls that start something (Auth0's
//! users export), with the same pacing, retries and token renewal as [`ApiClient::get`], and
//! the shared HTTP client for downloads that must go out without the bearer token.
//!
//! A child of `client` so it reuses the answer classification; kept apart so the GET path
//! stays as it is. A retried POST may start a second job on Auth0's side if the first answer
//! was lost; for an export that costs a little work there and nothing here.

use bytes::Bytes;
use url::Url;

use super::{ApiClient, Attempt, transport_failure};
use crate::api::error::ApiError;
use crate::auth::Token;

impl ApiClient {
    /// POSTs `body` as JSON to `path` and returns the body of a 2xx answer.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<Bytes, ApiError> {
        let url = self.url(path, &[]);
        let body = Bytes::from(body.to_string());
        let mut attempts = 0;
        let mut renewed = false;
        loop {
            attempts += 1;
            let token = self.tokens.get().await?;
            let (reason, wait) = match self.attempt_post(path, &url, &token, body.clone()).await {
                Ok(answer) => return Ok(answer),
                Err(Attempt::Fail(error)) => return Err(error),
                Err(Attempt::Unauthorized) if renewed => {
                    return Err(ApiError::Unauthorized {
                        path: path.to_owned(),
                    });
                }
                Err(Attempt::Unauthorized) => {
                    tracing::info!(path, "the API refused the token; renewing it once");
                    self.tokens.invalidate(&token);
                    renewed = true;
                    attempts -= 1;
                    continue;
                }
                Err(Attempt::Retry { reason, wait }) => (reason, wait),
            };
            if !self.backoff.allows_another(attempts) {
                return Err(ApiError::RetriesExhausted {
                    path: path.to_owned(),
                    attempts,
                    last: reason,
                });
            }
            let wait = wait.unwrap_or_else(|| self.backoff.delay(attempts));
            tracing::debug!(path, attempt = attempts, wait_ms = wait.as_millis() as u64, reason = %reason, "waiting before retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt_post(
        &self,
        path: &str,
        url: &Url,
        token: &Token,
        body: Bytes,
    ) -> Result<Bytes, Attempt> {
        let permit = self.limiter.acquire().await;
        let sent = self
            .http
            .post(url.clone())
            .bearer_auth(token.bearer())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Err(transport_failure(error)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let answer = response.bytes().await;
        drop(permit);
        self.observe_budget(&headers);
        let answer = answer.map_err(transport_failure)?;
        self.classify(path, status, &headers, answer)
    }

    /// The process's HTTP client, without any token: for downloads from pre-signed URLs on
    /// other hosts, which must never receive the Management API token.
    pub(crate) fn plain_http(&self) -> &reqwest::Client {
        &self.http
    }
}
