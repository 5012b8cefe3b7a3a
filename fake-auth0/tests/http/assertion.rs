//! Private Key JWT at `POST /oauth/token`: a good assertion gets a token; each check Auth0
//! makes refuses an assertion that fails it, with `invalid_client` and a description naming
//! the check.

use std::time::{SystemTime, UNIX_EPOCH};

use fake_auth0::{ClientAssertionKey, Config, FakeAuth0, Sizes};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{CLIENT_ID, CLIENT_SECRET, Reply, config, reply};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A fresh RSA key pair: (private PKCS#8 PEM, public SPKI PEM).
fn rsa_pair() -> (String, String) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("an RSA key");
    (pair.serialize_pem(), pair.public_key_pem())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

struct Tenant {
    fake: FakeAuth0,
    private_pem: String,
}

/// A tenant whose client has one credential: `alg`, kid `k1`.
async fn tenant(alg: &str) -> Tenant {
    let (private_pem, public_key_pem) = rsa_pair();
    let fake = fake_auth0::start(Config {
        client_assertion_keys: vec![ClientAssertionKey {
            public_key_pem,
            alg: alg.to_owned(),
            kid: Some("k1".to_owned()),
        }],
        ..config(Sizes::default())
    })
    .await
    .expect("the fake starts");
    Tenant { fake, private_pem }
}

impl Tenant {
    /// The claims a correct assertion carries.
    fn claims(&self) -> Value {
        let now = now();
        json!({
            "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": format!("{}/", self.fake.base_url()),
            "iat": now, "exp": now + 60, "jti": format!("jti-{}", fastrand::u64(..)),
        })
    }

    fn sign(&self, alg: Algorithm, kid: Option<&str>, claims: &Value, pem: &str) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("a private key");
        jsonwebtoken::encode(&header, claims, &key).expect("signed")
    }

    async fn post(&self, form: &[(&str, &str)]) -> Reply {
        let url = format!("{}/oauth/token", self.fake.base_url());
        let response = reqwest::Client::new()
            .post(url)
            .form(form)
            .send()
            .await
            .expect("token request");
        reply(response).await
    }

    async fn exchange(&self, assertion: &str) -> Reply {
        let audience = self.fake.audience();
        self.post(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
            ("audience", audience.as_str()),
        ])
        .await
    }
}

fn assert_refused(reply: &Reply, status: u16, error: &str, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["error"], error, "{}", reply.body);
    let description = reply.body["error_description"].as_str().unwrap_or_default();
    assert!(
        description.contains(says),
        "{description:?} should say {says:?}"
    );
}

#[tokio::test]
async fn a_correct_assertion_gets_a_token_and_cannot_be_used_twice() {
    let tenant = tenant("RS256").await;
    let assertion = tenant.sign(
        Algorithm::RS256,
        Some("k1"),
        &tenant.claims(),
        &tenant.private_pem,
    );
    let first = tenant.exchange(&assertion).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        first.body["access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("eyJ"))
    );
    let again = tenant.exchange(&assertion).await;
    assert_refused(
        &again,
        401,
        "invalid_client",
        "'jti' claim must not be reused",
    );
    assert_eq!(tenant.fake.issued_tokens().len(), 1);
}

#[tokio::test]
async fn ps256_and_rs384_credentials_accept_assertions_signed_with_their_algorithm() {
    for (name, alg) in [("PS256", Algorithm::PS256), ("RS384", Algorithm::RS384)] {
        let tenant = tenant(name).await;
        let assertion = tenant.sign(alg, None, &tenant.claims(), &tenant.private_pem);
        let answer = tenant.exchange(&assertion).await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.body);
    }
}

#[tokio::test]
async fn each_failed_check_is_refused_with_invalid_client_naming_it() {
    let tenant = tenant("RS256").await;
    let (other_key, _) = rsa_pair();
    let base = format!("{}/", tenant.fake.base_url());
    let with = |field: &str, value: Value| {
        let mut claims = tenant.claims();
        claims[field] = value;
        claims
    };
    let without = |field: &str| {
        let mut claims = tenant.claims();
        claims.as_object_mut().map(|o| o.remove(field));
        claims
    };
    let now = now();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "another algorithm than the credential's",
            tenant.sign(
                Algorithm::RS384,
                Some("k1"),
                &tenant.claims(),
                &tenant.private_pem,
            ),
            "does not match the credential's",
        ),
        (
            "an unknown kid",
            tenant.sign(
                Algorithm::RS256,
                Some("k2"),
                &tenant.claims(),
                &tenant.private_pem,
            ),
            "No credential with kid k2",
        ),
        (
            "another key",
            tenant.sign(Algorithm::RS256, Some("k1"), &tenant.claims(), &other_key),
            "Invalid client assertion signature",
        ),
        (
            "another issuer",
            tenant.sign(
                Algorithm::RS256,
                None,
                &with("iss", json!("someone-else")),
                &tenant.private_pem,
            ),
            "'iss' and 'sub' claims must be the client_id",
        ),
        (
            "another subject",
            tenant.sign(
                Algorithm::RS256,
                None,
                &with("sub", json!("someone-else")),
                &tenant.private_pem,
            ),
            "'iss' and 'sub' claims must be the client_id",
        ),
        (
            "an audience without the trailing slash",
            tenant.sign(
                Algorithm::RS256,
                None,
                &with("aud", json!(base.trim_end_matches('/'))),
                &tenant.private_pem,
            ),
            "'aud' claim must be",
        ),
        (
            "the API audience",
            tenant.sign(
                Algorithm::RS256,
                None,
                &with("aud", json!(format!("{base}api/v2/"))),
                &tenant.private_pem,
            ),
            "'aud' claim must be",
        ),
        (
            "no exp",
            tenant.sign(Algorithm::RS256, None, &without("exp"), &tenant.private_pem),
            "'exp' claim is required",
        ),
        (
            "an exp in the past",
            tenant.sign(
                Algorithm::RS256,
                None,
                &{
                    let mut c = with("iat", json!(now - 120));
                    c["exp"] = json!(now - 60);
                    c
                },
                &tenant.private_pem,
            ),
            "has expired",
        ),
        (
            "a lifetime over 5 minutes",
            tenant.sign(
                Algorithm::RS256,
                None,
                &with("exp", json!(now + 301)),
                &tenant.private_pem,
            ),
            "'exp' claim must specify a time that is no more than 5 minutes after 'iat'",
        ),
        (
            "an iat in the future",
            tenant.sign(
                Algorithm::RS256,
                None,
                &with("iat", json!(now + 60)),
                &tenant.private_pem,
            ),
            "'iat' claim must not be in the future",
        ),
        (
            "no jti",
            tenant.sign(Algorithm::RS256, None, &without("jti"), &tenant.private_pem),
            "'jti' claim is required",
        ),
    ];
    for (case, assertion, says) in cases {
        let answer = tenant.exchange(&assertion).await;
        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_refused(&answer, 401, "invalid_client", says);
    }
    assert!(tenant.fake.issued_tokens().is_empty());
}

#[tokio::test]
async fn a_private_key_jwt_client_is_refused_a_secret_and_a_malformed_request_is_invalid_request() {
    let tenant = tenant("RS256").await;
    let audience = tenant.fake.audience();
    let secret = tenant
        .post(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", audience.as_str()),
        ])
        .await;
    assert_refused(&secret, 401, "invalid_client", "send client_assertion");
    let assertion = tenant.sign(
        Algorithm::RS256,
        None,
        &tenant.claims(),
        &tenant.private_pem,
    );
    let wrong_type = tenant
        .post(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:something-else"),
            ("client_assertion", assertion.as_str()),
            ("audience", audience.as_str()),
        ])
        .await;
    assert_refused(
        &wrong_type,
        400,
        "invalid_request",
        "client_assertion_type must be",
    );
    let not_a_jwt = tenant.exchange("not-a-jwt").await;
    assert_refused(&not_a_jwt, 400, "invalid_request", "not a JWT");
    let both = tenant
        .post(&[
            ("grant_type", "client_credentials"),
            ("client_secret", CLIENT_SECRET),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion.as_str()),
            ("audience", audience.as_str()),
        ])
        .await;
    assert_refused(&both, 400, "invalid_request", "cannot be used together");
}
