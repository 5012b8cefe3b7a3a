//! The users export over HTTP: the fields a file holds, with and without `fields`, as Auth0
//! exports them.

use std::io::Read;

use fake_auth0::{ExportBehaviour, Sizes};
use serde_json::{Value, json};

use crate::support::{Session, assert_auth0_error, config, reply};

fn sizes(users: usize) -> Sizes {
    Sizes {
        clients: 0,
        users,
        roles: 0,
        connections: 0,
        resource_servers: 0,
        client_grants: 0,
        organizations: 0,
        logs: 0,
    }
}

/// Starts an export of `body`, polls it to the end and returns its file's users.
async fn export(session: &Session, body: Value) -> Vec<Value> {
    let created = reply(
        session
            .http
            .post(session.url("jobs/users-exports"))
            .bearer_auth(&session.token)
            .json(&body)
            .send()
            .await
            .expect("create"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("an id").to_owned();
    let location = loop {
        let job = session.get(&format!("jobs/{id}"), &[]).await;
        match job.body["status"].as_str() {
            Some("completed") => break job.body["location"].as_str().expect("location").to_owned(),
            Some("pending" | "processing") => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            other => panic!("status {other:?}: {}", job.body),
        }
    };
    let file = session
        .http
        .get(location)
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("file");
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&file[..])
        .read_to_string(&mut text)
        .expect("gzip");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a json line"))
        .collect()
}

fn keys(user: &Value) -> Vec<&str> {
    user.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn without_fields_the_file_holds_only_auth0s_default_set_and_no_metadata() {
    let session = Session::start(config(sizes(12))).await;
    let served = session
        .fake
        .with_tenant(|tenant| tenant.records("users").to_vec());
    let users = export(&session, json!({"format": "json"})).await;
    assert_eq!(users.len(), served.len());
    let defaults: Vec<&str> = fake_auth0::DEFAULT_EXPORT_FIELDS
        .iter()
        .map(|(name, export_as)| export_as.unwrap_or(name))
        .collect();
    for (user, served) in users.iter().zip(&served) {
        for key in keys(user) {
            assert!(defaults.contains(&key), "{key} is not in the default set");
        }
        assert!(user.get("app_metadata").is_none() && user.get("user_metadata").is_none());
        assert_ne!(user, served, "the whole user came");
        assert_eq!(user["user_id"], served["user_id"]);
        assert_eq!(user["email"], served["email"]);
        assert_eq!(user["provider"], served["identities"][0]["connection"]);
    }
}

#[tokio::test]
async fn fields_are_honoured_with_export_as_brackets_roots_and_either_shape_of_dotted_names() {
    let session = Session::start(config(sizes(5))).await;
    let served = session
        .fake
        .with_tenant(|tenant| tenant.records("users").to_vec());
    let body = json!({"format": "json", "fields": [
        {"name": "user_id"},
        {"name": "app_metadata.plan"},
        {"name": "user_metadata"},
        {"name": "identities[0].connection"},
        {"name": "identities[0].provider", "export_as": "idp"},
        {"name": "no_such_field"},
    ]});
    let nested = export(&session, body.clone()).await;
    for (user, served) in nested.iter().zip(&served) {
        assert_eq!(
            user,
            &json!({
                "identities[0].connection": served["identities"][0]["connection"],
                "idp": served["identities"][0]["provider"],
                "user_id": served["user_id"],
                "user_metadata": served["user_metadata"],
                "app_metadata": {"plan": served["app_metadata"]["plan"]},
            })
        );
    }
    session.fake.set_export_behaviour(ExportBehaviour {
        flat_keys: true,
        ..ExportBehaviour::default()
    });
    let flat = export(&session, body).await;
    for (user, served) in flat.iter().zip(&served) {
        assert_eq!(user["app_metadata.plan"], served["app_metadata"]["plan"]);
        assert!(user.get("app_metadata").is_none(), "{user}");
    }
}

#[tokio::test]
async fn more_than_30_fields_are_refused_as_auth0_refuses_them() {
    let session = Session::start(config(sizes(1))).await;
    let fields: Vec<Value> = (0..31).map(|n| json!({"name": format!("f{n}")})).collect();
    let answer = reply(
        session
            .http
            .post(session.url("jobs/users-exports"))
            .bearer_auth(&session.token)
            .json(&json!({"format": "json", "fields": fields}))
            .send()
            .await
            .expect("create"),
    )
    .await;
    assert_auth0_error(&answer, 400);
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("maximum 30")),
        "{}",
        answer.body
    );
}
