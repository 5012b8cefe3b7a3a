//! The fake's answers have the shapes of the recorded Auth0 answers in the repository's
//! `fixtures/auth0-recordings`: same keys (and key order for envelopes), same value types.
//! Values are not compared (the replay test, `tests/replay.rs`, compares a0snap's snapshots
//! with the recorded values).

use std::collections::BTreeSet;

use fake_auth0::{Config, Tenant};

use crate::recordings::{Recorded, assert_same_types, is_list_of, load, record_shape};
use crate::support::{CLIENT_ID, CLIENT_SECRET, Reply, Session, assert_auth0_error, keys};

async fn sample_session() -> Session {
    Session::start(Config::new(CLIENT_ID, CLIENT_SECRET, Tenant::sample())).await
}

#[tokio::test]
async fn the_token_answer_and_oauth_errors_have_the_recorded_shape() {
    let all = load();
    let session = sample_session().await;
    let recorded = all
        .iter()
        .find(|r| r.path == "/oauth/token" && r.code == 200)
        .expect("a token recording");
    let audience = session.fake.audience();
    let good = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("audience", audience.as_str()),
    ];
    let ours = session.token_reply(&good).await;
    assert_eq!(
        ours.header("content-type"),
        Some(recorded.content_type.as_str())
    );
    let recorded_keys: BTreeSet<String> = keys(&recorded.body).into_iter().collect();
    let our_keys: BTreeSet<String> = ours.keys().into_iter().collect();
    // The recorder drops `scope` (README): the fake adds it, and nothing else.
    assert_eq!(
        our_keys.difference(&recorded_keys).collect::<Vec<_>>(),
        ["scope"]
    );
    assert!(recorded_keys.is_subset(&our_keys));
    assert_same_types("token", &recorded.body, &ours.body);

    let error = all
        .iter()
        .find(|r| r.path == "/oauth/token" && r.code >= 400)
        .expect("an oauth error recording");
    let refused = session
        .token_reply(&[("grant_type", "client_credentials"), ("client_id", "x")])
        .await;
    assert_eq!(refused.keys(), keys(&error.body));
    assert_same_types("oauth error", &error.body, &refused.body);
    assert_eq!(
        refused.header("content-type"),
        Some(error.content_type.as_str())
    );
}

#[tokio::test]
async fn offset_envelopes_have_the_recorded_keys_in_the_recorded_order() {
    let all = load();
    let session = sample_session().await;
    let mut compared = BTreeSet::new();
    for recorded in all
        .iter()
        .filter(|r| r.query.contains("include_totals=true") && !r.query.contains("take="))
    {
        // terraform-provider-auth0 re-encodes /clients lists through Go structs (README).
        if recorded.method != "GET"
            || recorded.code != 200
            || recorded
                .file
                .contains("terraform-provider-auth0/TestAccDataClients")
        {
            continue;
        }
        let endpoint = recorded.path.trim_start_matches("/api/v2/");
        let Some(spec) = fake_auth0::endpoints::lookup(endpoint) else {
            continue;
        };
        let ours = session
            .get(endpoint, &[("include_totals", "true"), ("per_page", "50")])
            .await;
        assert_eq!(
            ours.keys(),
            keys(&recorded.body),
            "{endpoint} in {}",
            recorded.file
        );
        assert_same_types(endpoint, &recorded.body, &ours.body);
        assert_eq!(
            ours.header("content-type"),
            Some(recorded.content_type.as_str())
        );
        let shape = record_shape(&all, endpoint, spec.key);
        for record in ours.items(spec.key) {
            shape.check(endpoint, &record);
        }
        compared.insert(endpoint.to_owned());
    }
    let expected = [
        "client-grants",
        "clients",
        "connections",
        "keys/encryption",
        "organizations",
        "resource-servers",
        "roles",
        "users",
    ];
    assert_eq!(
        compared.iter().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
}

#[tokio::test]
async fn checkpoint_pages_have_a_next_key_until_the_last_page() {
    let all = load();
    let session = sample_session().await;
    let recorded: Vec<&Recorded> = all
        .iter()
        .filter(|r| is_list_of(r, "organizations") && r.query.contains("take=2"))
        .collect();
    let recorded_pages: Vec<Vec<String>> = recorded.iter().map(|r| keys(&r.body)).collect();
    assert_eq!(
        recorded_pages,
        [vec!["organizations", "next"], vec!["organizations"]]
    );
    session.fake.with_tenant(|tenant| {
        let ids: Vec<String> = tenant
            .records("organizations")
            .iter()
            .skip(3)
            .filter_map(|o| o["id"].as_str().map(str::to_owned))
            .collect();
        for id in ids {
            tenant.remove("organizations", &id);
        }
    });
    let first = session
        .get(
            "organizations",
            &[
                ("take", "2"),
                ("include_totals", "true"),
                ("per_page", "50"),
            ],
        )
        .await;
    let next = first.body["next"].as_str().unwrap_or_default().to_owned();
    let last = session
        .get("organizations", &[("take", "2"), ("from", &next)])
        .await;
    assert_eq!(vec![first.keys(), last.keys()], recorded_pages);
    let domains = all
        .iter()
        .find(|r| is_list_of(r, "custom-domains") && r.query == "take=2")
        .expect("custom domains");
    let ours = session.get("custom-domains", &[("take", "1")]).await;
    assert_eq!(ours.keys(), keys(&domains.body));
    let shape = record_shape(&all, "custom-domains", "custom_domains");
    ours.items("custom_domains")
        .iter()
        .for_each(|d| shape.check("custom-domains", d));
    for recorded in all
        .iter()
        .filter(|r| r.query.contains("take=100") && r.method == "GET")
    {
        let endpoint = recorded.path.trim_start_matches("/api/v2/");
        let ours = session
            .get(endpoint, &[("take", "100"), ("include_totals", "true")])
            .await;
        assert_eq!(ours.keys(), keys(&recorded.body), "{endpoint}");
    }
}

#[tokio::test]
async fn log_pages_are_bare_arrays_of_recorded_looking_events() {
    let all = load();
    let session = sample_session().await;
    let shape = record_shape(&all, "logs", "logs");
    let recorded: Vec<&Recorded> = all.iter().filter(|r| is_list_of(r, "logs")).collect();
    assert!(recorded.iter().all(|r| r.body.is_array()) && recorded.len() >= 3);
    let paged = session
        .get("logs", &[("page", "1"), ("per_page", "5")])
        .await;
    let first = session.get("logs", &[("take", "3")]).await;
    let from = first.body[2]["log_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let streamed = session.get("logs", &[("from", &from), ("take", "2")]).await;
    for reply in [&paged, &first, &streamed] {
        let events = reply.body.as_array().expect("a bare array");
        assert!(!events.is_empty());
        events.iter().for_each(|event| shape.check("logs", event));
    }
}

#[tokio::test]
async fn error_bodies_have_the_recorded_keys() {
    let all = load();
    let errors: Vec<&Recorded> = all
        .iter()
        .filter(|r| r.path.starts_with("/api/v2/") && r.code >= 400)
        .collect();
    assert!(errors.len() >= 5);
    for recorded in &errors {
        let keys = keys(&recorded.body);
        assert!(
            keys == ["statusCode", "error", "message"]
                || keys == ["statusCode", "error", "message", "errorCode"],
            "{keys:?}"
        );
    }
    let session = sample_session().await;
    let replies: Vec<(Reply, u16)> = vec![
        (session.get("nothing-here", &[]).await, 404),
        (session.get("clients", &[("per_page", "500")]).await, 400),
        (session.get_with("bad", "clients", &[]).await, 401),
    ];
    for (reply, status) in &replies {
        assert_auth0_error(reply, *status);
        assert_same_types("error", &errors[0].body, &reply.body);
    }
}

#[test]
#[should_panic(expected = "is never recorded")]
fn a_record_with_an_unrecorded_key_fails_the_shape_check() {
    let shape = record_shape(&load(), "roles", "roles");
    shape.check(
        "roles",
        &serde_json::json!({ "id": "rol_1", "name": "a", "description": "b", "colour": "red" }),
    );
}
