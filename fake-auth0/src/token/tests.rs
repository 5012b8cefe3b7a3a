use super::*;

fn audiences() -> Vec<String> {
    vec!["http://127.0.0.1:1/api/v2/".to_owned()]
}

fn form(body: &str) -> TokenRequest {
    TokenRequest::parse(Some("application/x-www-form-urlencoded"), body.as_bytes())
        .unwrap_or_default()
}

#[test]
fn a_form_and_a_json_request_read_the_same() {
    let from_form =
        form("grant_type=client_credentials&client_id=id&client_secret=s%2Bx&audience=a");
    let from_json = TokenRequest::parse(
        Some("application/json"),
        br#"{"grant_type":"client_credentials","client_id":"id","client_secret":"s+x","audience":"a"}"#,
    );
    assert_eq!(Ok(from_form), from_json.map_err(|e| e.error));
}

#[test]
fn wrong_credentials_and_audiences_get_auth0_errors() {
    let wrong = form(
        "grant_type=client_credentials&client_id=id&client_secret=nope&audience=http://127.0.0.1:1/api/v2/",
    );
    assert_eq!(
        wrong
            .check("id", "secret", &audiences())
            .map_err(|e| e.status),
        Err(StatusCode::UNAUTHORIZED)
    );
    let other =
        form("grant_type=client_credentials&client_id=id&client_secret=secret&audience=https://x/");
    let error = other.check("id", "secret", &audiences()).err();
    assert_eq!(
        error.as_ref().map(|e| e.status),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        error.map(|e| e.description),
        Some("Service not enabled within domain: https://x/".to_owned())
    );
    let grant = form("grant_type=password");
    assert_eq!(
        grant
            .check("id", "secret", &audiences())
            .map_err(|e| e.error),
        Err("unsupported_grant_type")
    );
}

#[test]
fn the_debug_output_of_a_request_hides_the_secret() {
    let request = form("client_secret=hunter2");
    assert!(!format!("{request:?}").contains("hunter2"));
}

#[test]
fn issued_tokens_are_unique_jwt_lookalikes_until_revoked() {
    let store = TokenStore::default();
    let scopes = vec!["read:clients".to_owned()];
    let a = store.issue("http://h", "id", "aud", &scopes, Duration::from_secs(60));
    let b = store.issue("http://h", "id", "aud", &scopes, Duration::from_secs(60));
    assert!(a.starts_with("eyJ") && a.split('.').count() == 3);
    assert_ne!(a, b);
    assert_eq!(store.check(&a), TokenCheck::Valid(scopes));
    assert_eq!(store.check("eyJnope"), TokenCheck::Invalid);
    store.revoke_all();
    assert_eq!(store.check(&b), TokenCheck::Invalid);
    assert_eq!(store.issued(), vec![a, b]);
}

#[test]
fn a_token_past_its_lifetime_is_expired() {
    let store = TokenStore::default();
    let token = store.issue("http://h", "id", "aud", &[], Duration::ZERO);
    assert_eq!(store.check(&token), TokenCheck::Expired);
}
