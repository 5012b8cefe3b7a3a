//! Every injected fault kind, as a client sees it.

use std::time::{Duration, Instant};

use fake_auth0::{Fault, FaultRule, Sizes};

use crate::support::{Session, assert_auth0_error, config};

async fn session() -> Session {
    Session::start(config(Sizes {
        clients: 4,
        users: 4,
        roles: 2,
        ..Sizes::default()
    }))
    .await
}

#[tokio::test]
async fn a_status_fault_hits_its_window_with_an_auth0_body() {
    let session = session().await;
    session.fake.inject(FaultRule {
        path_prefix: Some("users".into()),
        nth: 2,
        times: 2,
        action: Fault::Status(500),
    });
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(session.get("users", &[]).await.status);
    }
    assert_eq!(statuses, [200, 500, 500, 200]);
    assert_eq!(session.get("clients", &[]).await.status, 200);
    session
        .fake
        .inject(FaultRule::nth(None, 1, Fault::Status(503)));
    let unavailable = session.get("roles", &[]).await;
    assert_auth0_error(&unavailable, 503);
    assert_eq!(unavailable.body["error"], "Service Unavailable");
}

#[tokio::test]
async fn malformed_json_arrives_as_a_200_that_does_not_parse() {
    let session = session().await;
    session.fake.inject(FaultRule::nth(
        Some("/api/v2/clients"),
        1,
        Fault::MalformedJson,
    ));
    let response = session
        .http
        .get(session.url("clients"))
        .bearer_auth(&session.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.json::<serde_json::Value>().await.is_err());
}

#[tokio::test]
async fn a_truncated_body_fails_while_reading_it() {
    let session = session().await;
    session
        .fake
        .inject(FaultRule::nth(None, 1, Fault::TruncatedBody));
    let response = session
        .http
        .get(session.url("clients"))
        .bearer_auth(&session.token)
        .send()
        .await
        .expect("headers");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.bytes().await;
    assert!(body.is_err(), "{body:?}");
    assert_eq!(session.get("clients", &[]).await.status, 200);
}

#[tokio::test]
async fn a_dropped_connection_gives_no_answer_at_all() {
    let session = session().await;
    session
        .fake
        .inject(FaultRule::nth(None, 1, Fault::DropConnection));
    let sent = session
        .http
        .get(session.url("roles"))
        .bearer_auth(&session.token)
        .send()
        .await;
    let error = sent.expect_err("no answer");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(session.get("roles", &[]).await.status, 200);
    assert_eq!(session.fake.counters().api_requests, 2);
}

#[tokio::test]
async fn a_delay_fault_slows_one_answer() {
    let session = session().await;
    session.fake.inject(FaultRule::nth(
        None,
        1,
        Fault::Delay(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    assert_eq!(session.get("clients", &[]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_revoke_fault_turns_that_request_into_a_401() {
    let session = session().await;
    session
        .fake
        .inject(FaultRule::nth(Some("clients"), 2, Fault::RevokeToken));
    assert_eq!(session.get("clients", &[]).await.status, 200);
    let revoked = session.get("clients", &[]).await;
    assert_auth0_error(&revoked, 401);
    assert_eq!(revoked.body["message"], "Invalid token");
    let fresh = session.new_token().await;
    assert_eq!(session.get_with(&fresh, "clients", &[]).await.status, 200);
    assert_eq!(session.fake.counters().unauthorized, 1);
}

#[tokio::test]
async fn the_token_endpoint_can_fail_when_a_rule_names_it() {
    let session = session().await;
    session
        .fake
        .inject(FaultRule::nth(Some("/oauth/token"), 1, Fault::Status(503)));
    let answer = session
        .token_reply(&[("grant_type", "client_credentials")])
        .await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.keys(), ["error", "error_description"]);
}

#[tokio::test]
async fn an_injected_429_carries_rate_limit_headers_even_without_a_limit() {
    let session = session().await;
    session
        .fake
        .inject(FaultRule::nth(Some("users"), 1, Fault::Status(429)));
    session
        .fake
        .inject(FaultRule::nth(Some("users"), 2, Fault::Status(403)));
    let limited = session.get("users", &[]).await;
    assert_auth0_error(&limited, 429);
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert!(limited.header("x-ratelimit-reset").is_some());
    assert_eq!(session.fake.counters().rate_limited, 1);
    let forbidden = session.get("users", &[]).await;
    assert_eq!(
        forbidden.body["message"],
        "Insufficient scope, expected any of: read:users"
    );
}
