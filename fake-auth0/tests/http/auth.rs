//! The token endpoint and bearer-token checks.

use std::time::Duration;

use fake_auth0::{Config, Sizes};
use serde_json::json;

use crate::support::{CLIENT_ID, CLIENT_SECRET, Session, assert_auth0_error, config, reply};

fn small() -> Config {
    config(Sizes {
        clients: 3,
        users: 3,
        ..Sizes::default()
    })
}

#[tokio::test]
async fn a_token_answer_has_the_auth0_fields_and_a_jwt_looking_token() {
    let session = Session::start(small()).await;
    let audience = session.fake.audience();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("audience", audience.as_str()),
    ];
    let answer = session.token_reply(&form).await;
    assert_eq!(
        answer.keys(),
        ["access_token", "scope", "expires_in", "token_type"]
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.body["expires_in"], 86_400);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert!(
        answer.body["scope"]
            .as_str()
            .is_some_and(|s| s.split(' ').any(|x| x == "read:users"))
    );
    let token = answer.body["access_token"].as_str().unwrap_or_default();
    assert!(token.starts_with("eyJ") && token != session.token);
    assert_eq!(
        session.fake.issued_tokens(),
        [session.token.clone(), token.to_owned()]
    );
    assert_eq!(session.fake.counters().token_requests, 2);
}

#[tokio::test]
async fn a_json_token_request_is_accepted_too() {
    let session = Session::start(small()).await;
    let body = json!({
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "audience": session.fake.audience()
    });
    let url = format!("{}/oauth/token", session.fake.base_url());
    let answer = reply(
        session
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn wrong_credentials_and_a_foreign_audience_are_refused_the_auth0_way() {
    let session = Session::start(small()).await;
    let audience = session.fake.audience();
    let wrong = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", "nope"),
        ("audience", audience.as_str()),
    ];
    let answer = session.token_reply(&wrong).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.body,
        json!({ "error": "access_denied", "error_description": "Unauthorized" })
    );
    let foreign = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("audience", "https://elsewhere.example.com/api/v2/"),
    ];
    let answer = session.token_reply(&foreign).await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body["error_description"],
        "Service not enabled within domain: https://elsewhere.example.com/api/v2/"
    );
}

#[tokio::test]
async fn api_requests_without_a_good_token_get_401() {
    let session = Session::start(small()).await;
    let unknown = session.get_with("eyJmade.up.token", "clients", &[]).await;
    assert_auth0_error(&unknown, 401);
    assert_eq!(unknown.body["message"], "Invalid token");
    let anonymous = crate::support::reply(
        session
            .http
            .get(session.url("clients"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_auth0_error(&anonymous, 401);
    assert_eq!(session.fake.counters().unauthorized, 2);
}

#[tokio::test]
async fn revoked_tokens_answer_401_and_a_new_token_works() {
    let session = Session::start(small()).await;
    assert_eq!(session.get("users", &[]).await.status, 200);
    session.fake.revoke_tokens();
    let refused = session.get("users", &[]).await;
    assert_auth0_error(&refused, 401);
    let fresh = session.new_token().await;
    assert_eq!(session.get_with(&fresh, "users", &[]).await.status, 200);
}

#[tokio::test]
async fn an_expired_token_gets_the_expiry_message() {
    let mut short = small();
    short.token_lifetime = Duration::from_secs(1);
    let session = Session::start(short).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = session.get("clients", &[]).await;
    assert_auth0_error(&expired, 401);
    assert_eq!(
        expired.body["message"],
        "Expired token received for JSON Web Token validation"
    );
}

#[tokio::test]
async fn a_token_without_the_scope_gets_403_insufficient_scope() {
    let mut narrow = small();
    narrow.scopes = vec!["read:users".to_owned()];
    let session = Session::start(narrow).await;
    assert_eq!(session.get("users", &[]).await.status, 200);
    let refused = session.get("clients", &[]).await;
    assert_auth0_error(&refused, 403);
    assert_eq!(
        refused.body["message"],
        "Insufficient scope, expected any of: read:clients"
    );
    assert_eq!(refused.body["errorCode"], "insufficient_scope");
}

#[tokio::test]
async fn an_unknown_path_gets_404() {
    let session = Session::start(small()).await;
    let missing = session.get("no-such-thing", &[]).await;
    assert_auth0_error(&missing, 404);
    assert_eq!(missing.body["message"], "Not Found");
}

#[tokio::test]
async fn the_server_stops_on_shutdown() {
    let session = Session::start(small()).await;
    let url = session.url("clients");
    session.fake.clone().shutdown().await;
    let after = reqwest::Client::new().get(url).send().await;
    assert!(after.is_err(), "{after:?}");
}

#[test]
fn a_server_on_its_own_thread_serves_blocking_callers() {
    let fake = fake_auth0::start_in_thread(small()).expect("started");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        let url = format!("{}/api/v2/clients", fake.base_url());
        reqwest::get(url).await.map(|r| r.status().as_u16())
    });
    assert_eq!(status.ok(), Some(401));
    runtime.block_on(fake.shutdown());
}
