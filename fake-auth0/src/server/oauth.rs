//! `POST /oauth/token`: the client-credentials exchange.
//!
//! Counted, delayed by `token_latency`, open to faults whose prefix names `/oauth/token`,
//! never rate limited. Never logs the secret or the token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::faulty;
use super::state::{App, read};
use crate::answer::{ApiError, OAUTH_JSON, OAuthError, json_response};
use crate::conn::Conn;
use crate::faults::Fault;
use crate::token::TokenRequest;

/// Answers a token request.
pub(super) async fn token(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    app.counters.token_request(path);
    tokio::time::sleep(app.config.token_latency).await;
    let fault = app.fault_for(path);
    let response = match fault {
        Some(Fault::Status(code)) => OAuthError::for_status(code).into_response(),
        Some(Fault::RateLimited { .. }) => OAuthError::for_status(429).into_response(),
        Some(Fault::MalformedJson) => faulty::malformed_json(),
        Some(Fault::DropConnection) => faulty::dropped(&conn.kill),
        Some(Fault::Delay(pause)) => {
            tokio::time::sleep(pause).await;
            exchange(&app, &method, &headers, &body)
        }
        Some(Fault::TruncatedBody) => {
            let whole = exchange(&app, &method, &headers, &body);
            faulty::truncated(whole, conn.kill.clone()).await
        }
        // The page faults mean nothing to a token request: it is answered normally.
        Some(
            Fault::RevokeToken
            | Fault::EmptyPage
            | Fault::WrongPage
            | Fault::RemoveAfter(_)
            | Fault::InsertAfter(_),
        )
        | None => exchange(&app, &method, &headers, &body),
    };
    tracing::debug!(%method, path, status = response.status().as_u16(), "token request");
    response
}

/// Checks the grant, then the client: by its signed assertion when it sent one or has a
/// Private Key JWT credential (a secret is then refused, as Auth0 refuses it), else by its
/// secret.
fn authenticate(app: &App, request: &TokenRequest) -> Result<(), OAuthError> {
    request.check_grant()?;
    let client_id = &app.config.client_id;
    match &request.client_assertion {
        Some(assertion) => {
            if request.client_secret.is_some() {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client_secret and client_assertion cannot be used together",
                ));
            }
            let now = jiff::Timestamp::now().as_second().max(0).unsigned_abs();
            app.assertions.verify(
                request.client_assertion_type.as_deref(),
                assertion,
                client_id,
                request.client_id.as_deref(),
                &app.base_url,
                now,
            )
        }
        None if app.assertions.required() => Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The client authenticates with Private Key JWT: send client_assertion, not client_secret",
        )),
        None => request.check_secret(client_id, &app.config.client_secret),
    }
}

fn exchange(app: &App, method: &Method, headers: &HeaderMap, body: &[u8]) -> Response {
    if method != Method::POST {
        return ApiError::not_found().into_response();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let checked = TokenRequest::parse(content_type, body)
        .and_then(|request| authenticate(app, &request).map(|()| request))
        .and_then(|request| request.check_audience(&app.audiences));
    let audience = match checked {
        Ok(audience) => audience,
        Err(error) => return error.into_response(),
    };
    let config = &app.config;
    let scopes = read(&app.scopes).clone();
    let token = app.tokens.issue(
        &app.base_url,
        &config.client_id,
        &audience,
        &scopes,
        config.token_lifetime,
    );
    let body = json!({
        "access_token": token,
        "scope": scopes.join(" "),
        "expires_in": config.token_lifetime.as_secs(),
        "token_type": "Bearer",
    });
    json_response(StatusCode::OK, &body, OAUTH_JSON)
}
