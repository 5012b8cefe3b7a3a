//! Messages of the client's errors, over loopback HTTP.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::api::tests_support::{client_for, quick_retry};

#[tokio::test]
async fn a_post_whose_retries_run_out_is_named_as_a_post() {
    let api = Router::new().route(
        "/api/v2/jobs/users-exports",
        post(|| async { StatusCode::SERVICE_UNAVAILABLE }),
    );
    let client = client_for(api, quick_retry()).await;
    let error = client
        .post_json("/api/v2/jobs/users-exports", &serde_json::json!({}))
        .await
        .expect_err("503 every time");
    let message = error.to_string();
    assert!(
        message.starts_with("POST /api/v2/jobs/users-exports failed after 2 attempts"),
        "{message}"
    );
}

#[tokio::test]
async fn a_get_whose_retries_run_out_is_named_as_a_get() {
    let api = Router::new().route("/api/v2/clients", get(|| async { StatusCode::BAD_GATEWAY }));
    let client = client_for(api, quick_retry()).await;
    let error = client.get("/api/v2/clients", &[]).await.expect_err("502");
    let message = error.to_string();
    assert!(
        message.starts_with("GET /api/v2/clients failed after 2 attempts"),
        "{message}"
    );
}
