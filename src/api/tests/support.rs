//! A tiny tenant on loopback for the client's and the pager's tests: the routes a test gives,
//! plus an `/oauth/token` that always issues a token.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use url::Url;

use super::{ApiClient, Limiter};
use crate::auth::{CacheMode, Credentials, StalePolicy, TokenCache};
use crate::clock;
use crate::http::retry::{Backoff, RetryPolicy};
use secrecy::SecretString;

/// Two attempts a request, a few milliseconds apart.
pub(super) fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        backoff: Backoff {
            initial: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
            max_attempts: 2,
        },
        longest_wait: Duration::from_secs(60),
    }
}

async fn token() -> Json<Value> {
    Json(json!({"access_token": "t", "expires_in": 86_400, "token_type": "Bearer"}))
}

/// Serves `api` on 127.0.0.1:0 and returns a client for it that retries with `retry`.
pub(super) async fn client_for(api: Router, retry: RetryPolicy) -> ApiClient {
    let app = api.route("/oauth/token", post(token));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    let base_url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    client_at(base_url, "id", "secret", retry)
}

/// A client for the tenant at `base_url` with these credentials, retrying with `retry`.
pub(super) fn client_at(
    base_url: Url,
    client_id: &str,
    client_secret: &str,
    retry: RetryPolicy,
) -> ApiClient {
    let http = reqwest::Client::new();
    let credentials = Credentials {
        base_url: base_url.clone(),
        client_id: client_id.into(),
        authentication: crate::auth::ClientAuthentication::Secret(SecretString::from(
            client_secret,
        )),
        audience: Credentials::default_audience(&base_url),
    };
    let tokens = TokenCache::new(
        credentials,
        http.clone(),
        CacheMode::Memory,
        clock::system(),
        StalePolicy::default(),
        retry,
    );
    ApiClient::new(
        http,
        base_url,
        Arc::new(tokens),
        Arc::new(Limiter::new(4, None, 1)),
        retry,
        None,
        clock::system(),
    )
}
