//! The bulk user export over HTTP: `POST /api/v2/jobs/users-exports`, `GET /api/v2/jobs/{id}`
//! and the download location `GET /downloads/{id}.json.gz` on the fake's own host.
//!
//! The two `/api/v2` routes are counted (they show in `requests()`), delayed by the latency,
//! open to injected `Status` and `DropConnection` faults whose prefix names them, and need a
//! valid token with `read:users`; they are not rate limited. The download route is what a
//! pre-signed S3 URL is: no token needed, and any `Authorization` header is recorded so tests
//! can check that none arrives; faults whose prefix is `/downloads/` make it fail as S3 can.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::FakeAuth0;
use super::api::authenticate;
use super::faulty;
use super::state::{App, read};
use crate::answer::{API_JSON, ApiError, json_response};
use crate::conn::Conn;
use crate::exports::{self, Download, ExportBehaviour, Served};
use crate::faults::Fault;

/// The scope both job routes ask for.
const SCOPE: &str = "read:users";

/// `POST /api/v2/jobs/users-exports`: checks the body, creates the job and renders its file
/// on a blocking thread.
pub(super) async fn create(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _in_flight = app.counters.api_request(uri.path(), path_and_query(&uri));
    if let Some(response) = before_answer(&app, &conn, uri.path(), &headers).await {
        return response;
    }
    if method != Method::POST {
        return ApiError::not_found().into_response();
    }
    let request = {
        let tenant = read(&app.tenant);
        exports::parse_request(&body, tenant.records("connections"))
    };
    let request = match request {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let created_at = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let (id, request) = app.exports.create(request, created_at);
    let renderer = Arc::clone(&app);
    let job = id.clone();
    tokio::task::spawn_blocking(move || {
        let file = {
            let tenant = read(&renderer.tenant);
            exports::render(tenant.records("users"), &request)
        };
        match file {
            Ok(file) => renderer.exports.attach_file(&job, file),
            Err(error) => tracing::warn!(%error, "the export file could not be rendered"),
        }
    });
    match app.exports.created_answer(&id) {
        Some(answer) => json_response(StatusCode::CREATED, &answer, API_JSON),
        None => ApiError::not_found().into_response(),
    }
}

/// `GET /api/v2/jobs/{id}`: the job's status, `location` once completed.
pub(super) async fn status(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let _in_flight = app.counters.api_request(uri.path(), path_and_query(&uri));
    if let Some(response) = before_answer(&app, &conn, uri.path(), &headers).await {
        return response;
    }
    if method != Method::GET {
        return ApiError::not_found().into_response();
    }
    match app.exports.poll(&id, &app.base_url) {
        Some(answer) => json_response(StatusCode::OK, &answer, API_JSON),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "The job does not exist.",
            Some("inexistent_job"),
        )
        .into_response(),
    }
}

/// `GET /downloads/{file}`: the gzipped export, without authentication. Every request is
/// remembered; injected `Status`, `RateLimited` and `DropConnection` faults whose prefix names
/// `/downloads/` answer instead of the file, as a flaky or throttling S3 would.
pub(super) async fn download(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let authorization = headers.contains_key(header::AUTHORIZATION);
    let served = app.exports.download(uri.path(), uri.query(), authorization);
    match app.fault_for(uri.path()) {
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return s3_error(status, "<Error><Code>InternalError</Code></Error>");
        }
        Some(Fault::RateLimited {
            reset_in_secs,
            retry_after,
        }) => return faulty::rate_limited(reset_in_secs, retry_after),
        Some(Fault::DropConnection) => return faulty::dropped(&conn.kill),
        _ => {}
    }
    match served {
        Served::File(file) => {
            let mut response = Response::new(Body::from(file));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/gzip"),
            );
            response
        }
        // S3 answers a missing object, or an expired signature, with 403 and an XML body.
        Served::Missing => s3_refusal("<Error><Code>AccessDenied</Code></Error>"),
        Served::Expired => s3_refusal(
            "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        ),
    }
}

fn s3_refusal(body: &'static str) -> Response {
    s3_error(StatusCode::FORBIDDEN, body)
}

fn s3_error(status: StatusCode, body: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

/// Latency, faults and authentication; `Some` is the answer when one of them decides it.
async fn before_answer(
    app: &App,
    conn: &Conn,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    tokio::time::sleep(app.config.latency).await;
    match app.fault_for(path) {
        Some(Fault::Status(code)) => return Some(ApiError::for_status(code).into_response()),
        Some(Fault::DropConnection) => return Some(faulty::dropped(&conn.kill)),
        Some(Fault::Delay(pause)) => tokio::time::sleep(pause).await,
        _ => {}
    }
    let refusal = match authenticate(app, headers) {
        Ok(scopes) if scopes.iter().any(|scope| scope == SCOPE) => return None,
        Ok(_) => ApiError::insufficient_scope(SCOPE),
        Err(error) => error,
    };
    if refusal.status == StatusCode::UNAUTHORIZED {
        app.counters.unauthorized();
    }
    Some(refusal.into_response())
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or(uri.path(), |pq| pq.as_str())
}

impl FakeAuth0 {
    /// Sets how users-export jobs created from now on behave (polls before the end, failure).
    pub fn set_export_behaviour(&self, behaviour: ExportBehaviour) {
        self.app().exports.set_behaviour(behaviour);
    }

    /// Every request to a download location so far, with whether it carried a token.
    pub fn downloads(&self) -> Vec<Download> {
        self.app().exports.downloads()
    }
}
