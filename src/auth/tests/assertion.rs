//! The client assertion: claims as Auth0 asks, a fresh `jti` each time, the key never shown.

use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;

use super::*;

fn pair() -> (String, String) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("an RSA key");
    (pair.serialize_pem(), pair.public_key_pem())
}

fn decode(assertion: &str, public: &str, alg: Algorithm) -> (jsonwebtoken::Header, Value) {
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_rsa_pem(public.as_bytes()).expect("public key");
    let data = jsonwebtoken::decode::<Value>(assertion, &key, &validation).expect("verifies");
    (data.header, data.claims)
}

#[test]
fn an_assertion_carries_the_claims_auth0_asks_for_and_verifies_with_the_public_key() {
    let (private, public) = pair();
    let base = Url::parse("https://acme.eu.auth0.com").expect("url");
    let now: Timestamp = "2026-11-30T10:00:00Z".parse().expect("ts");
    for alg in [
        AssertionAlg::Rs256,
        AssertionAlg::Rs384,
        AssertionAlg::Ps256,
    ] {
        let key = SigningKey::from_pem(private.as_bytes(), alg, Some("kid-1".into())).expect("key");
        let first = key.assertion("m2m", &base, now).expect("signed");
        let second = key.assertion("m2m", &base, now).expect("signed");
        let (header, claims) = decode(
            secrecy::ExposeSecret::expose_secret(&first),
            &public,
            alg.jose(),
        );
        let (_, again) = decode(
            secrecy::ExposeSecret::expose_secret(&second),
            &public,
            alg.jose(),
        );
        assert_eq!(header.alg, alg.jose());
        assert_eq!(header.kid.as_deref(), Some("kid-1"));
        assert_eq!(claims["iss"], "m2m");
        assert_eq!(claims["sub"], "m2m");
        assert_eq!(claims["aud"], "https://acme.eu.auth0.com/");
        assert_eq!(claims["iat"], now.as_second());
        assert_eq!(claims["exp"], now.as_second() + 60);
        assert_eq!(claims["jti"].as_str().map(str::len), Some(36));
        assert_ne!(claims["jti"], again["jti"], "a jti is never used twice");
    }
}

#[test]
fn the_audience_is_the_tenant_url_with_one_trailing_slash() {
    let (private, public) = pair();
    let key = SigningKey::from_pem(private.as_bytes(), AssertionAlg::Rs256, None).expect("key");
    let base = Url::parse("http://127.0.0.1:8080/").expect("url");
    let signed = key
        .assertion("m2m", &base, Timestamp::UNIX_EPOCH)
        .expect("signed");
    let (header, claims) = decode(
        secrecy::ExposeSecret::expose_secret(&signed),
        &public,
        Algorithm::RS256,
    );
    assert_eq!(claims["aud"], "http://127.0.0.1:8080/");
    assert_eq!(header.kid, None);
}

#[test]
fn debug_and_errors_never_show_the_key() {
    let (private, _) = pair();
    let key = SigningKey::from_pem(private.as_bytes(), AssertionAlg::Ps256, None).expect("key");
    let shown = format!("{key:?}");
    let body: String = private.lines().nth(1).unwrap_or_default().to_owned();
    assert!(!shown.contains(&body), "{shown}");
    assert!(shown.contains("Ps256"), "{shown}");
    let broken = private.replace(&body, "AAAA");
    let error =
        SigningKey::from_pem(broken.as_bytes(), AssertionAlg::Rs256, None).expect_err("bad");
    assert!(error.contains("PEM"), "{error}");
    assert!(!error.contains("AAAA") && !error.contains(&body), "{error}");
    let public_instead = pair().1;
    assert!(SigningKey::from_pem(public_instead.as_bytes(), AssertionAlg::Rs256, None).is_err());
}

#[test]
fn algorithms_are_the_three_auth0_accepts() {
    assert_eq!("rs256".parse::<AssertionAlg>(), Ok(AssertionAlg::Rs256));
    assert_eq!("PS256".parse::<AssertionAlg>(), Ok(AssertionAlg::Ps256));
    assert_eq!(
        "RS384".parse::<AssertionAlg>().map(AssertionAlg::as_str),
        Ok("RS384")
    );
    let error = "HS256".parse::<AssertionAlg>().expect_err("refused");
    assert!(error.contains("RS256, RS384 or PS256"), "{error}");
}
