//! Walks over a tiny tenant on loopback whose pages point back at themselves.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::*;
use crate::api::Drift;
use crate::api::tests_support::client_for;
use crate::http::retry::RetryPolicy;

/// Counts page requests; every answer is the page `answer` builds from the `from` sent.
struct Tenant {
    requests: AtomicUsize,
    answer: fn(Option<&str>) -> Value,
}

async fn page(
    State(tenant): State<Arc<Tenant>>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Value> {
    tenant.requests.fetch_add(1, Ordering::SeqCst);
    Json((tenant.answer)(query.get("from").map(String::as_str)))
}

/// Serves `answer` at `/api/v2/widgets`; returns the tenant and a client pointed at it.
async fn serve(answer: fn(Option<&str>) -> Value) -> (Arc<Tenant>, ApiClient) {
    let tenant = Arc::new(Tenant {
        requests: AtomicUsize::new(0),
        answer,
    });
    let api = Router::new()
        .route("/api/v2/widgets", get(page))
        .with_state(tenant.clone());
    (tenant, client_for(api, RetryPolicy::default()).await)
}

/// Walks until the end or the first error, at most 50 pages.
async fn walk(pager: &mut Pager<'_>) -> Result<u64, ApiError> {
    for _ in 0..50 {
        if pager.next_page().await?.is_none() {
            return Ok(pager.pages());
        }
    }
    panic!("the walk did not end after 50 pages");
}

#[tokio::test]
async fn a_checkpoint_next_that_repeats_the_from_just_sent_ends_the_walk() {
    let (tenant, client) = serve(|_| json!({"widgets": [{"id": "w1"}], "next": "same"})).await;
    let endpoint = Endpoint::custom("widgets", Pagination::Checkpoint, Some("widgets".into()));
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    let error = walk(&mut pager).await.expect_err("a loop");
    assert_eq!(tenant.requests.load(Ordering::SeqCst), 2);
    let message = error.to_string();
    assert!(
        matches!(error, ApiError::BadAnswer { page: 2, .. }),
        "{error:?}"
    );
    assert!(message.contains("repeats the from just sent"), "{message}");
}

#[tokio::test]
async fn empty_checkpoint_pages_carrying_the_same_next_end_the_walk() {
    let (tenant, client) = serve(|from| match from {
        None => json!({"widgets": [{"id": "w1"}], "next": "a"}),
        Some(_) => json!({"widgets": [], "next": "b"}),
    })
    .await;
    let endpoint = Endpoint::custom("widgets", Pagination::Checkpoint, Some("widgets".into()));
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    let error = walk(&mut pager).await.expect_err("a loop");
    assert_eq!(tenant.requests.load(Ordering::SeqCst), 3);
    assert!(
        matches!(error, ApiError::BadAnswer { page: 3, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_checkpoint_walk_follows_new_nexts_past_empty_pages_to_the_end() {
    let (tenant, client) = serve(|from| match from {
        None => json!({"widgets": [{"id": "w1"}], "next": "a"}),
        Some("a") => json!({"widgets": [], "next": "b"}),
        Some(_) => json!({"widgets": [{"id": "w2"}]}),
    })
    .await;
    let endpoint = Endpoint::custom("widgets", Pagination::Checkpoint, Some("widgets".into()));
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    assert_eq!(walk(&mut pager).await.expect("complete"), 3);
    assert_eq!(pager.records(), 2);
    assert_eq!(tenant.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_log_page_ending_at_the_from_just_sent_ends_the_walk() {
    let (tenant, client) = serve(|_| json!([{"log_id": "90001"}])).await;
    let endpoint = Endpoint::custom("widgets", Pagination::LogStream, None);
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    let error = walk(&mut pager).await.expect_err("a loop");
    assert_eq!(tenant.requests.load(Ordering::SeqCst), 2);
    assert!(error.to_string().contains("last log_id repeats"), "{error}");
}

/// Serves `answer(query)` at `/api/v2/widgets`, for walks that depend on more than `from`.
async fn serve_query(answer: fn(&HashMap<String, String>) -> Value) -> ApiClient {
    let api = Router::new().route(
        "/api/v2/widgets",
        get(
            move |Query(query): Query<HashMap<String, String>>| async move { Json(answer(&query)) },
        ),
    );
    client_for(api, RetryPolicy::default()).await
}

fn page_number(query: &HashMap<String, String>) -> u64 {
    query
        .get("page")
        .and_then(|page| page.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_offset_page_that_starts_elsewhere_than_asked_is_a_drift() {
    let client = serve_query(|query| {
        let page = page_number(query);
        let start = if page == 2 { 290 } else { page * 2 };
        json!({"widgets": [{"id": format!("w{page}a")}, {"id": format!("w{page}b")}],
               "start": start, "limit": 2, "total": 8})
    })
    .await;
    let endpoint = Endpoint::custom("widgets", Pagination::Offset, Some("widgets".into()));
    let mut pager = Pager::new(&client, &endpoint, &[], 2, None);
    let error = walk(&mut pager).await.expect_err("misplaced");
    assert!(
        matches!(
            &error,
            ApiError::Drift {
                drift: Drift::Misplaced {
                    page: 3,
                    start: 290,
                    expected: 4
                },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("page 3 started at 290, not 4"),
        "{error}"
    );
}

#[tokio::test]
async fn a_walk_longer_than_its_total_is_a_drift() {
    let client = serve_query(|query| {
        let page = page_number(query);
        json!({"widgets": [{"id": format!("w{page}a")}, {"id": format!("w{page}b")}], "total": 3})
    })
    .await;
    let endpoint = Endpoint::custom("widgets", Pagination::Offset, Some("widgets".into()));
    let mut pager = Pager::new(&client, &endpoint, &[], 2, None);
    let error = walk(&mut pager).await.expect_err("too many");
    assert!(
        matches!(
            &error,
            ApiError::Drift {
                drift: Drift::OverTotal {
                    records: 4,
                    total: 3,
                    ..
                },
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unpaged_answer_holding_an_array_and_a_next_is_refused() {
    let (_, client) =
        serve(|_| json!({"custom_domains": [{"custom_domain_id": "cd_1"}], "next": "abc"})).await;
    let endpoint = Endpoint::custom("widgets", Pagination::None, None);
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    let error = walk(&mut pager).await.expect_err("one page of several");
    let message = error.to_string();
    assert!(
        message.contains("one page of a paged list")
            && message.contains("items = \"custom_domains\""),
        "{message}"
    );
}

#[tokio::test]
async fn an_unpaged_answer_read_under_items_that_carries_a_next_is_refused() {
    let (tenant, client) =
        serve(|_| json!({"custom_domains": [{"custom_domain_id": "cd_1"}], "next": "abc"})).await;
    let endpoint = Endpoint::custom("widgets", Pagination::None, Some("custom_domains".into()));
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    let error = walk(&mut pager).await.expect_err("one page of several");
    assert_eq!(tenant.requests.load(Ordering::SeqCst), 1);
    assert!(
        error.to_string().contains("one page of a paged list"),
        "{error}"
    );
}

#[tokio::test]
async fn log_ids_that_go_down_are_a_drift() {
    let (_, client) = serve(|from| match from {
        None => json!([{"log_id": "90005"}, {"log_id": "90007"}]),
        Some("90007") => json!([{"log_id": "90006"}, {"log_id": "90009"}]),
        Some(_) => json!([]),
    })
    .await;
    let endpoint = Endpoint::custom("widgets", Pagination::LogStream, None);
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    let error = walk(&mut pager).await.expect_err("not ascending");
    assert!(
        error
            .to_string()
            .contains("log_id 90006 on page 2 is not above 90007"),
        "{error}"
    );
}

#[tokio::test]
async fn a_record_twice_in_a_checkpoint_walk_is_a_drift() {
    let (_, client) = serve(|from| match from {
        None => json!({"widgets": [{"id": "w1"}, {"id": "w2"}], "next": "a"}),
        Some(_) => json!({"widgets": [{"id": "w2"}]}),
    })
    .await;
    let endpoint = Endpoint {
        identity: Some("id".to_owned()),
        ..Endpoint::custom("widgets", Pagination::Checkpoint, Some("widgets".into()))
    };
    let mut pager = Pager::new(&client, &endpoint, &[], 50, None);
    let error = walk(&mut pager).await.expect_err("twice");
    assert!(
        error.to_string().contains("id w2 arrived twice (page 2)"),
        "{error}"
    );
}
