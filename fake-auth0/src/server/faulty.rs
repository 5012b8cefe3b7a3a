//! Answers for injected faults that are not ordinary error bodies: a 200 whose JSON is broken,
//! a body cut short of its declared length, and a connection closed without an answer.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::stream;

use crate::answer::{API_JSON, ApiError, raw_response};
use crate::conn::KillSwitch;

/// A 200 with a JSON content type and a proxy's HTML page as body.
pub(super) fn malformed_json() -> Response {
    raw_response(
        StatusCode::OK,
        "<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned(),
        API_JSON,
    )
}

/// A 429 whose `x-ratelimit-reset` is `reset_in_secs` after the current epoch second, with
/// `Retry-After` when asked for.
pub(super) fn rate_limited(reset_in_secs: i64, retry_after: Option<u64>) -> Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let reset = i64::try_from(now)
        .unwrap_or(i64::MAX)
        .saturating_add(reset_in_secs);
    let mut response = axum::response::IntoResponse::into_response(ApiError::too_many_requests());
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(50u32));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// An empty answer on a connection that has just been cut: the client receives nothing.
pub(super) fn dropped(kill: &KillSwitch) -> Response {
    kill.pull();
    Response::new(Body::empty())
}

/// `response` with its body cut in half: `Content-Length` declares the whole body, the first
/// half is sent, then the connection is cut.
pub(super) async fn truncated(response: Response, kill: KillSwitch) -> Response {
    let (mut parts, body) = response.into_parts();
    let whole = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let declared = whole.len().max(2) + 64;
    let half = whole.slice(..whole.len() / 2);
    let chunks = stream::unfold(Stage::Half(half, kill), |stage| async move {
        match stage {
            Stage::Half(chunk, kill) => Some((Ok::<Bytes, io::Error>(chunk), Stage::Cut(kill))),
            Stage::Cut(kill) => {
                // Give hyper time to flush the first half before the socket stops working.
                tokio::time::sleep(Duration::from_millis(30)).await;
                kill.pull();
                let error = io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "body truncated by an injected fault",
                );
                Some((Err(error), Stage::Done))
            }
            Stage::Done => None,
        }
    });
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    Response::from_parts(parts, Body::from_stream(chunks))
}

enum Stage {
    Half(Bytes, KillSwitch),
    Cut(KillSwitch),
    Done,
}
