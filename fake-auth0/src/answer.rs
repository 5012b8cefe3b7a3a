//! Error answers shaped like Auth0's: Management API errors
//! `{"statusCode","error","message"[,"errorCode"]}` with `application/json; charset=utf-8`,
//! and OAuth errors `{"error","error_description"}` with `application/json`.
//!
//! Messages copy Auth0's wording where it is known, so clients can be tested against them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The content type of Management API answers.
pub(crate) const API_JSON: &str = "application/json; charset=utf-8";
/// The content type of `/oauth/token` answers.
pub(crate) const OAUTH_JSON: &str = "application/json";

/// A Management API error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The HTTP status, also `statusCode` in the body.
    pub status: StatusCode,
    /// The `message` field.
    pub message: String,
    /// The optional `errorCode` field.
    pub error_code: Option<&'static str>,
}

impl ApiError {
    /// An error with this status, message and optional `errorCode`.
    pub(crate) fn new(
        status: StatusCode,
        message: impl Into<String>,
        error_code: Option<&'static str>,
    ) -> Self {
        Self {
            status,
            message: message.into(),
            error_code,
        }
    }

    /// 400 for a bad query string (`errorCode: invalid_query_string`).
    pub(crate) fn bad_query(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            message,
            Some("invalid_query_string"),
        )
    }

    /// 404 for a path the fake does not serve.
    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found", None)
    }

    /// 404 for the child list of a parent that does not exist (`roles/{id}/users`), as
    /// Auth0 words it for roles ("The role does not exist.", `inexistent_role`).
    pub(crate) fn parent_not_found(template: &str) -> Self {
        let parent = template.split('/').next().unwrap_or_default();
        let singular = parent.strip_suffix('s').unwrap_or(parent);
        let code = match singular {
            "role" => Some("inexistent_role"),
            "user" => Some("inexistent_user"),
            "organization" => Some("inexistent_organization"),
            _ => None,
        };
        Self::new(
            StatusCode::NOT_FOUND,
            format!("The {singular} does not exist."),
            code,
        )
    }

    /// 401 for a token that was never issued or was revoked.
    pub(crate) fn invalid_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Invalid token", None)
    }

    /// 401 for a token past its lifetime.
    pub(crate) fn expired_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Expired token received for JSON Web Token validation",
            None,
        )
    }

    /// 401 for a request without a bearer token.
    pub(crate) fn missing_authentication() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Missing authentication", None)
    }

    /// 403 for a token without the endpoint's scope.
    pub(crate) fn insufficient_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            format!("Insufficient scope, expected any of: {scope}"),
            Some("insufficient_scope"),
        )
    }

    /// 429 when the rate-limit bucket is empty.
    pub(crate) fn too_many_requests() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Global limit has been reached",
            Some("too_many_requests"),
        )
    }

    /// The canned answer an injected `Fault::Status(code)` gives.
    pub(crate) fn for_status(code: u16) -> Self {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match status.as_u16() {
            400 => Self::bad_query("Bad Request"),
            401 => Self::invalid_token(),
            403 => Self::insufficient_scope("read:clients"),
            404 => Self::not_found(),
            429 => Self::too_many_requests(),
            500 => Self::new(status, "Internal error, please try again later.", None),
            503 => Self::new(
                status,
                "The service is unavailable, please retry later.",
                None,
            ),
            _ => Self::new(status, status.canonical_reason().unwrap_or("Error"), None),
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("statusCode".into(), json!(self.status.as_u16()));
        body.insert(
            "error".into(),
            json!(self.status.canonical_reason().unwrap_or("Error")),
        );
        body.insert("message".into(), json!(self.message));
        if let Some(code) = self.error_code {
            body.insert("errorCode".into(), json!(code));
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body(), API_JSON)
    }
}

/// An OAuth error answer from `/oauth/token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `error` field (`access_denied`, `invalid_request`, ...).
    pub error: &'static str,
    /// The `error_description` field.
    pub description: String,
}

impl OAuthError {
    /// An OAuth error.
    pub(crate) fn new(
        status: StatusCode,
        error: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    /// 401 for a wrong client id or secret.
    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized")
    }

    /// The answer an injected `Fault::Status(code)` gives on the token endpoint.
    pub(crate) fn for_status(code: u16) -> Self {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match status.as_u16() {
            401 => Self::unauthorized(),
            429 => Self::new(status, "too_many_requests", "Global limit has been reached"),
            400..=499 => Self::new(
                status,
                "invalid_request",
                status.canonical_reason().unwrap_or("Error"),
            ),
            _ => Self::new(
                status,
                "server_error",
                "Internal error, please try again later.",
            ),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        json_response(self.status, &body, OAUTH_JSON)
    }
}

/// A JSON answer with an exact content type.
pub(crate) fn json_response(
    status: StatusCode,
    body: &Value,
    content_type: &'static str,
) -> Response {
    raw_response(status, body.to_string(), content_type)
}

/// A text answer with an exact content type.
pub(crate) fn raw_response(
    status: StatusCode,
    body: String,
    content_type: &'static str,
) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_has_the_auth0_keys_in_order() {
        let body = ApiError::insufficient_scope("read:users").body();
        let keys: Vec<&str> = body
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["statusCode", "error", "message", "errorCode"]);
        assert_eq!(body["error"], "Forbidden");
        assert_eq!(
            ApiError::not_found().body().as_object().map(Map::len),
            Some(3)
        );
    }

    #[test]
    fn fault_statuses_get_auth0_wording() {
        assert_eq!(
            ApiError::for_status(500).body()["error"],
            "Internal Server Error"
        );
        assert_eq!(
            ApiError::for_status(429).error_code,
            Some("too_many_requests")
        );
        assert_eq!(
            ApiError::for_status(503).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
