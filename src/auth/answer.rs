//! Reading what `/oauth/token` answered: a token `{access_token, expires_in, token_type,
//! scope?}` or an OAuth error `{error, error_description}`.
//!
//! Parsing is done by hand on a `serde_json::Value` so that no error message can quote a
//! field's value: a body that holds a token (or echoes the secret) is never shown.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::credentials::Credentials;
use super::error::{AuthError, rejection_hint};
use super::token::{Token, TokenSource};
use secrecy::{ExposeSecret, SecretString};

/// How many characters of an unexpected body an error may quote.
const EXCERPT_CHARS: usize = 120;

/// Turns a 2xx body into a token issued at `sent_at` (when the request was sent).
pub(crate) fn parse_token(
    status: u16,
    body: &[u8],
    sent_at: Timestamp,
    secret: Option<&SecretString>,
) -> Result<Token, AuthError> {
    let bad = |detail: &str| unexpected(status, body, detail, secret);
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad("the body is not a json object"));
    };
    let access_token = match fields.get("access_token") {
        Some(Value::String(value)) if !value.is_empty() => SecretString::from(value.clone()),
        _ => return Err(bad("access_token is missing or not a non-empty string")),
    };
    let expires_in = fields
        .get("expires_in")
        .and_then(seconds)
        .ok_or_else(|| bad("expires_in is missing or not a positive number of seconds"))?;
    let expires_at = sent_at
        .checked_add(expires_in)
        .map_err(|_| bad("expires_in is too large"))?;
    let token_type = match fields.get("token_type") {
        Some(Value::String(kind)) => kind.clone(),
        None | Some(Value::Null) => "Bearer".to_owned(),
        Some(_) => return Err(bad("token_type is not a string")),
    };
    let scope = match fields.get("scope") {
        Some(Value::String(scope)) => Some(scope.clone()),
        _ => None,
    };
    Ok(Token::new(
        access_token,
        token_type,
        scope,
        sent_at,
        expires_at,
        TokenSource::Fresh,
    ))
}

/// `expires_in` as a positive duration (Auth0 sends whole seconds; a float is tolerated).
fn seconds(value: &Value) -> Option<SignedDuration> {
    if let Some(whole) = value.as_i64() {
        return (whole > 0).then(|| SignedDuration::from_secs(whole));
    }
    let fractional = value.as_f64()?;
    if fractional > 0.0 {
        SignedDuration::try_from_secs_f64(fractional).ok()
    } else {
        None
    }
}

/// The error for a refused request (a 4xx other than 408 and 429): Auth0's code and
/// description, the client id and audience, and the likely fix.
pub(crate) fn rejection(status: u16, body: &[u8], credentials: &Credentials) -> AuthError {
    let fields = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => fields,
        _ => Default::default(),
    };
    let text = |key: &str| match fields.get(key) {
        Some(Value::String(text)) => Some(redact(text, credentials.authentication.sent_secret())),
        _ => None,
    };
    let error = text("error").unwrap_or_else(|| "unknown".to_owned());
    let description = text("error_description")
        .or_else(|| text("message"))
        .unwrap_or_else(|| "no description".to_owned());
    AuthError::Rejected {
        client_id: credentials.client_id.clone(),
        audience: credentials.audience.clone(),
        status,
        hint: rejection_hint(
            status,
            &error,
            &description,
            credentials.authentication.method(),
        )
        .to_owned(),
        error,
        description,
    }
}

/// The error for an answer that is neither a token nor an OAuth error, quoting the start of
/// the body only when it cannot hold a token or the secret.
pub(crate) fn unexpected(
    status: u16,
    body: &[u8],
    detail: &str,
    secret: Option<&SecretString>,
) -> AuthError {
    AuthError::BadAnswer {
        status,
        detail: detail.to_owned(),
        excerpt: excerpt(body, secret),
    }
}

/// The first characters of `body`, or `None` if it mentions a token or the secret.
fn excerpt(body: &[u8], secret: Option<&SecretString>) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let risky = [
        "access_token",
        "client_secret",
        "client_assertion",
        "id_token",
        "refresh_token",
    ];
    if risky.iter().any(|word| text.contains(word)) || contains_secret(&text, secret) {
        return None;
    }
    Some(text.chars().take(EXCERPT_CHARS).collect())
}

fn contains_secret(text: &str, secret: Option<&SecretString>) -> bool {
    secret.is_some_and(|secret| {
        let secret = secret.expose_secret();
        !secret.is_empty() && text.contains(secret)
    })
}

/// `text` with any occurrence of the secret replaced, in case a proxy echoes the request.
fn redact(text: &str, secret: Option<&SecretString>) -> String {
    match secret {
        Some(secret) if contains_secret(text, Some(secret)) => {
            text.replace(secret.expose_secret(), "[REDACTED]")
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent_at() -> Timestamp {
        "2026-11-28T10:00:00Z".parse().expect("ts")
    }

    fn credentials() -> Credentials {
        Credentials {
            base_url: url::Url::parse("https://acme.eu.auth0.com/").expect("url"),
            client_id: "m2m-client".into(),
            authentication: crate::auth::ClientAuthentication::Secret(SecretString::from(
                "s3cr3t-value",
            )),
            audience: "https://acme.eu.auth0.com/api/v2/".into(),
        }
    }

    #[test]
    fn a_token_expires_its_lifetime_after_the_request_was_sent() {
        let body = br#"{"access_token":"eyJ.a.b","expires_in":86400,"token_type":"Bearer"}"#;
        let token =
            parse_token(200, body, sent_at(), Some(&SecretString::from("s"))).expect("token");
        assert_eq!(token.issued_at(), sent_at());
        assert_eq!(token.lifetime(), SignedDuration::from_hours(24));
        assert_eq!(token.scope(), None);
        assert_eq!(token.bearer(), "eyJ.a.b");
    }

    #[test]
    fn a_scope_string_is_kept() {
        let body = br#"{"access_token":"t","expires_in":60,"scope":"read:users read:roles"}"#;
        let token =
            parse_token(200, body, sent_at(), Some(&SecretString::from("s"))).expect("token");
        assert_eq!(token.scope(), Some("read:users read:roles"));
        assert_eq!(token.token_type(), "Bearer");
    }

    #[test]
    fn a_bad_answer_never_quotes_the_token() {
        let body = br#"{"access_token":"eyJ.leaky.sig","expires_in":"soon"}"#;
        let message = parse_token(200, body, sent_at(), Some(&SecretString::from("s")))
            .expect_err("bad")
            .to_string();
        assert!(message.contains("expires_in"), "{message}");
        assert!(!message.contains("leaky"), "{message}");
        let echoed = unexpected(
            200,
            b"client_secret=s3cr3t-value",
            "x",
            Some(&SecretString::from("s3cr3t-value")),
        );
        assert!(!echoed.to_string().contains("s3cr3t"), "{echoed}");
        let html = unexpected(
            200,
            b"<html>login</html>",
            "not json",
            Some(&SecretString::from("s")),
        );
        assert!(html.to_string().contains("<html>login"), "{html}");
    }

    #[test]
    fn a_refusal_names_the_client_and_audience_but_not_the_secret() {
        let body = br#"{"error":"access_denied","error_description":"Unauthorized s3cr3t-value"}"#;
        let message = rejection(401, body, &credentials()).to_string();
        assert!(message.contains("m2m-client"), "{message}");
        assert!(
            message.contains("https://acme.eu.auth0.com/api/v2/"),
            "{message}"
        );
        assert!(message.contains("AUTH0_CLIENT_SECRET"), "{message}");
        assert!(!message.contains("s3cr3t-value"), "{message}");
    }
}
