//! The token exchange over loopback HTTP: the form, refusals, retries and their bounds.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use super::server::{Reply, TokenServer};
use super::{CLIENT_ID, SECRET, credentials, fast_retry};
use crate::auth::AuthError;
use crate::auth::exchange::TokenExchange;
use crate::auth::token::TokenSource;
use crate::clock::{self, ManualClock};
use crate::http::retry::RetryPolicy;

fn exchange(server: &TokenServer) -> TokenExchange {
    TokenExchange::new(
        credentials(server),
        reqwest::Client::new(),
        clock::system(),
        fast_retry(),
    )
}

#[tokio::test]
async fn a_token_request_sends_the_client_credentials_form_and_dates_the_token_from_sending() {
    let server = TokenServer::start().await;
    let sent_at: Timestamp = "2026-11-28T10:00:00Z".parse().expect("ts");
    let clock = std::sync::Arc::new(ManualClock::new(sent_at));
    let exchange = TokenExchange::new(
        credentials(&server),
        reqwest::Client::new(),
        clock,
        fast_retry(),
    );
    let token = exchange.request().await.expect("token");
    let form = server.last_form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], SECRET);
    assert_eq!(form["audience"], format!("{}api/v2/", server.base_url));
    assert_eq!(token.bearer(), "issued-token-1");
    assert_eq!(token.issued_at(), sent_at);
    assert_eq!(token.expires_at(), sent_at + SignedDuration::from_hours(24));
    assert_eq!(token.scope(), Some("read:users read:clients"));
    assert_eq!(token.source(), TokenSource::Fresh);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_once_with_the_client_id_and_audience_and_no_secret() {
    let server = TokenServer::start().await;
    server.script([Reply::oauth_error(401, "access_denied", "Unauthorized")]);
    let error = exchange(&server).request().await.expect_err("refused");
    let message = error.to_string();
    assert_eq!(server.requests(), 1, "a refusal is not retried");
    assert!(
        matches!(error, AuthError::Rejected { status: 401, .. }),
        "{error:?}"
    );
    assert!(message.contains(CLIENT_ID), "{message}");
    assert!(message.contains("/api/v2/"), "{message}");
    assert!(message.contains("AUTH0_CLIENT_SECRET"), "{message}");
    assert!(!message.contains(SECRET), "{message}");
    assert!(!format!("{error:?}").contains(SECRET));
}

#[tokio::test]
async fn an_api_not_authorised_for_the_application_points_at_the_dashboard() {
    let server = TokenServer::start().await;
    let description = "Service not enabled within domain: https://acme.eu.auth0.com/api/v2/";
    server.script([Reply::oauth_error(403, "access_denied", description)]);
    let message = exchange(&server)
        .request()
        .await
        .expect_err("refused")
        .to_string();
    assert_eq!(server.requests(), 1);
    assert!(message.contains("Service not enabled"), "{message}");
    assert!(
        message.contains("Machine to Machine Applications"),
        "{message}"
    );
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_then_succeeds() {
    let server = TokenServer::start().await;
    server.script([Reply::status(429, Some("1"))]);
    let started = Instant::now();
    let token = exchange(&server)
        .request()
        .await
        .expect("token after the wait");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(server.requests(), 2);
    assert_eq!(token.bearer(), "issued-token-2");
}

#[tokio::test]
async fn a_429_with_retry_after_zero_still_waits_the_one_second_floor() {
    let server = TokenServer::start().await;
    server.script([Reply::status(429, Some("0"))]);
    let started = Instant::now();
    exchange(&server)
        .request()
        .await
        .expect("token after the wait");
    assert_eq!(server.requests(), 2);
    assert!(
        started.elapsed() >= crate::http::rate_limit::RESET_FLOOR,
        "a 429 is never retried at once"
    );
}

#[tokio::test]
async fn two_503s_are_retried_and_the_third_attempt_succeeds() {
    let server = TokenServer::start().await;
    server.script([Reply::status(503, None), Reply::status(503, None)]);
    let token = exchange(&server).request().await.expect("token");
    assert_eq!(server.requests(), 3);
    assert_eq!(token.bearer(), "issued-token-3");
}

#[tokio::test]
async fn retries_are_bounded_and_end_in_an_unavailable_error() {
    let server = TokenServer::start().await;
    server.script(std::iter::repeat_n(Reply::status(502, None), 10));
    let error = exchange(&server).request().await.expect_err("exhausted");
    assert_eq!(server.requests(), 4, "max_attempts of the backoff");
    assert!(
        matches!(
            error,
            AuthError::Unavailable {
                status: 502,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("after 4 attempt"), "{error}");
}

#[tokio::test]
async fn a_retry_after_of_an_hour_ends_the_retries_instead_of_stalling() {
    let server = TokenServer::start().await;
    server.script([Reply::status(429, Some("3600"))]);
    let error = exchange(&server)
        .request()
        .await
        .expect_err("too long a wait");
    assert_eq!(server.requests(), 1);
    assert!(
        error.to_string().contains("asked to wait 3600 s"),
        "{error}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_policys_longest_wait_ends_the_retries() {
    let server = TokenServer::start().await;
    server.script([Reply::status(429, Some("5"))]);
    let retry = RetryPolicy {
        longest_wait: Duration::from_secs(2),
        ..fast_retry()
    };
    let exchange = TokenExchange::new(
        credentials(&server),
        reqwest::Client::new(),
        clock::system(),
        retry,
    );
    let error = exchange.request().await.expect_err("too long a wait");
    assert_eq!(server.requests(), 1, "A0SNAP_MAX_RETRY_WAIT is the bound");
    assert!(error.to_string().contains("asked to wait 5 s"), "{error}");
}

#[tokio::test]
async fn without_a_timeout_of_its_own_a_request_is_bounded_by_the_http_clients() {
    let server = TokenServer::start().await;
    server.script([Reply::Stall(Duration::from_secs(2))]);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let exchange = TokenExchange::new(credentials(&server), http, clock::system(), fast_retry());
    let token = exchange
        .request()
        .await
        .expect("token on the second attempt");
    assert_eq!(server.requests(), 2, "the client's timeout applied");
    assert_eq!(token.bearer(), "issued-token-2");
}

#[tokio::test]
async fn a_stalled_request_times_out_and_is_retried() {
    let server = TokenServer::start().await;
    server.script([Reply::Stall(Duration::from_secs(2))]);
    let token = exchange(&server)
        .with_timeout(Duration::from_millis(300))
        .request()
        .await
        .expect("token on the second attempt");
    assert_eq!(server.requests(), 2);
    assert_eq!(token.bearer(), "issued-token-2");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transport_error_naming_the_host() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let base_url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let mut credentials = credentials(&TokenServer::start().await);
    credentials.base_url = base_url;
    let exchange = TokenExchange::new(
        credentials,
        reqwest::Client::new(),
        clock::system(),
        fast_retry(),
    );
    let error = exchange.request().await.expect_err("nothing listens");
    let message = error.to_string();
    assert!(
        matches!(error, AuthError::Transport { attempts: 4, .. }),
        "{error:?}"
    );
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(
        !message.contains("oauth/token"),
        "no url in the message: {message}"
    );
    assert!(!message.contains(SECRET), "{message}");
}

#[tokio::test]
async fn a_login_page_instead_of_a_token_is_a_bad_answer_quoting_the_page() {
    let server = TokenServer::start().await;
    server.script([Reply::Status {
        status: 200,
        headers: vec![("content-type", "text/html".into())],
        body: "<html><title>Sign in</title></html>".into(),
    }]);
    let error = exchange(&server).request().await.expect_err("not a token");
    assert_eq!(server.requests(), 1);
    assert!(
        error.to_string().contains("<html><title>Sign in"),
        "{error}"
    );
}
