//! `/api/v2/*`: the Management API list endpoints.
//!
//! A request is counted and held in flight, sleeps the configured latency, takes a token from
//! the rate-limit bucket, meets any injected fault, then is authenticated (bearer token, then
//! scope) and answered from the tenant. Every answer carries the `x-ratelimit-*` headers of the
//! bucket that applied to it when a rate limit is set (see `rate_limit`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::faulty;
use super::state::{App, read, write};
use crate::answer::{API_JSON, ApiError, raw_response};
use crate::conn::Conn;
use crate::endpoints::{self, Paging};
use crate::faults::Fault;
use crate::pagination::{self, Query, Serving};
use crate::rate_limit::Decision;
use crate::token::TokenCheck;

/// Answers a Management API request.
pub(super) async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    let path_and_query = uri.path_and_query().map_or(path, |pq| pq.as_str());
    let _in_flight = app.counters.api_request(path, path_and_query);
    tokio::time::sleep(app.config.latency).await;
    let decision = app.rate_decision(path);
    let fault = app.fault_for(path);
    let mut response = match fault {
        Some(Fault::Status(code)) => status_fault(code, path).into_response(),
        Some(Fault::RateLimited {
            reset_in_secs,
            retry_after,
        }) => {
            app.counters.rate_limited();
            return faulty::rate_limited(reset_in_secs, retry_after);
        }
        Some(Fault::MalformedJson) => faulty::malformed_json(),
        Some(Fault::DropConnection) => {
            tracing::debug!(%method, path, "dropping the connection (injected fault)");
            return faulty::dropped(&conn.kill);
        }
        Some(Fault::Delay(pause)) => {
            tokio::time::sleep(pause).await;
            regular(&app, decision, &method, &uri, &headers, None)
        }
        Some(Fault::RevokeToken) => {
            app.tokens.revoke_all();
            regular(&app, decision, &method, &uri, &headers, None)
        }
        Some(fault @ (Fault::EmptyPage | Fault::WrongPage)) => {
            regular(&app, decision, &method, &uri, &headers, Some(fault))
        }
        Some(Fault::RemoveAfter(_) | Fault::InsertAfter(_) | Fault::TruncatedBody) | None => {
            regular(&app, decision, &method, &uri, &headers, None)
        }
    };
    if let Some(Fault::RemoveAfter(at) | Fault::InsertAfter(at)) = fault
        && let Some(name) = path.strip_prefix("/api/v2/")
    {
        let mut tenant = write(&app.tenant);
        let changed = match fault {
            Some(Fault::RemoveAfter(_)) => tenant.remove_at(name, at),
            _ => tenant.insert_copy_at(name, at),
        };
        tracing::debug!(
            path,
            at,
            changed,
            "the tenant changed after this answer (injected fault)"
        );
    }
    count_refusals(&app, response.status());
    match decision {
        Some(decision) => add_rate_headers(&mut response, &decision, app.config.send_retry_after),
        None if response.status() == StatusCode::TOO_MANY_REQUESTS => {
            add_rate_headers(&mut response, &unlimited_429(), app.config.send_retry_after);
        }
        None => {}
    }
    tracing::debug!(%method, path, peer = %conn.peer, status = response.status().as_u16(), "api request");
    if fault == Some(Fault::TruncatedBody) {
        return faulty::truncated(response, conn.kill).await;
    }
    response
}

/// The answer to `Fault::Status(code)`; a 403 names the scope of the requested endpoint.
fn status_fault(code: u16, path: &str) -> ApiError {
    let endpoint = path.strip_prefix("/api/v2/").and_then(endpoints::lookup);
    match endpoint {
        Some(spec) if code == 403 => ApiError::insufficient_scope(spec.scope),
        _ => ApiError::for_status(code),
    }
}

/// The headers of an injected 429 on a server without a rate limit: an empty bucket of 10
/// that allows the next request a second later.
fn unlimited_429() -> Decision {
    Decision {
        allowed: false,
        limit: 10,
        remaining: 0,
        reset_in: Duration::from_secs(1),
        retry_in: Duration::from_secs(1),
    }
}

/// The answer without faults: rate limit, authentication, scope, then the records.
fn regular(
    app: &App,
    decision: Option<Decision>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    page_fault: Option<Fault>,
) -> Response {
    if decision.is_some_and(|d| !d.allowed) {
        return ApiError::too_many_requests().into_response();
    }
    let serving = Serving {
        page_size_cap: app.config.page_size_cap,
        cap_keeps_asked_offsets: app.config.cap_keeps_asked_offsets,
        ignore_totals: app.config.ignore_totals,
        empty_page: page_fault == Some(Fault::EmptyPage),
        wrong_page: page_fault == Some(Fault::WrongPage),
        salt: fastrand::u64(..),
    };
    match authorised_answer(app, method, uri, headers, serving) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn authorised_answer(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    serving: Serving,
) -> Result<Response, ApiError> {
    let scopes = authenticate(app, headers)?;
    // Records of a child list are stored under the decoded path (`users/auth0|1/roles`).
    let encoded = uri.path().strip_prefix("/api/v2/").unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    let name = decoded.trim_end_matches('/');
    let spec = endpoints::lookup(name)
        .filter(|_| endpoints::normalise(name) == name)
        .filter(|_| method == Method::GET)
        .ok_or_else(ApiError::not_found)?;
    if !scopes.iter().any(|scope| scope == spec.scope) {
        return Err(ApiError::insufficient_scope(spec.scope));
    }
    if read(&app.tenant).parent_missing(name) {
        return Err(ApiError::parent_not_found(spec.name));
    }
    let query = Query::parse(uri.query());
    if spec.paging == Paging::Logs {
        let synthetic = read(&app.tenant).synthetic_logs();
        if let Some(body) =
            synthetic.and_then(|logs| pagination::synthetic_log_stream(&logs, &query))
        {
            return Ok(raw_response(StatusCode::OK, body?, API_JSON));
        }
    }
    let body = {
        let tenant = read(&app.tenant);
        let body = pagination::answer(spec, tenant.records(name), &query, &app.cursors, serving)?;
        serde_json::to_string(&body).map_err(|_| ApiError::for_status(500))?
    };
    Ok(raw_response(StatusCode::OK, body, API_JSON))
}

pub(super) fn authenticate(app: &App, headers: &HeaderMap) -> Result<Vec<String>, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = value
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(ApiError::missing_authentication)?;
    match app.tokens.check(token) {
        TokenCheck::Valid(scopes) => Ok(scopes),
        TokenCheck::Invalid => Err(ApiError::invalid_token()),
        TokenCheck::Expired => Err(ApiError::expired_token()),
    }
}

fn count_refusals(app: &App, status: StatusCode) {
    match status {
        StatusCode::UNAUTHORIZED => app.counters.unauthorized(),
        StatusCode::TOO_MANY_REQUESTS => app.counters.rate_limited(),
        _ => {}
    }
}

fn add_rate_headers(response: &mut Response, decision: &Decision, retry_after: bool) {
    let limited = response.status() == StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(decision.remaining),
    );
    headers.insert(
        "x-ratelimit-reset",
        HeaderValue::from(decision.reset_epoch()),
    );
    if retry_after && limited {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(decision.retry_after_secs()),
        );
    }
}

/// 404 for anything outside `/oauth/token` and `/api/v2/`.
pub(super) async fn not_found() -> Response {
    ApiError::not_found().into_response()
}
