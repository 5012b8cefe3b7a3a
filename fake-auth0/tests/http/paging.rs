//! Paging through every endpoint: offset, checkpoint and the log stream.

use std::collections::BTreeSet;

use fake_auth0::endpoints::{Paging, SPECS, Spec};
use fake_auth0::{Config, Sizes, Tenant};
use serde_json::Value;

use crate::support::{CLIENT_ID, CLIENT_SECRET, Session, assert_auth0_error, config};

fn sample() -> Config {
    Config::new(CLIENT_ID, CLIENT_SECRET, Tenant::sample())
}

fn ids(records: &[Value], field: &str) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| r[field].as_str().map(str::to_owned))
        .collect()
}

async fn offset_walk(session: &Session, spec: &Spec) -> Vec<Value> {
    let mut seen = Vec::new();
    // Users are in another order on every request unless sorted, as Auth0's search is.
    let sort = format!("{}:1", spec.id_field);
    for page in 0.. {
        let page = page.to_string();
        let mut query = vec![("page", page.as_str()), ("per_page", "7")];
        if spec.totals {
            query.push(("include_totals", "true"));
        }
        if spec.ties_without_sort {
            query.push(("sort", &sort));
        }
        let reply = session.get(spec.name, &query).await;
        assert_eq!(reply.status, 200, "{} {}", spec.name, reply.body);
        // Without include_totals the page is a bare array.
        let items = match reply.body.as_array() {
            Some(list) => list.clone(),
            None => reply.items(spec.key),
        };
        seen.extend(items.iter().cloned());
        if items.len() < 7 {
            if spec.totals {
                assert_eq!(
                    reply.body["total"].as_u64(),
                    Some(seen.len() as u64),
                    "{}",
                    spec.name
                );
            }
            return seen;
        }
    }
    seen
}

async fn checkpoint_walk(session: &Session, spec: &Spec) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut from: Option<String> = None;
    loop {
        let mut query = vec![("take", "7".to_owned())];
        query.extend(from.take().map(|next| ("from", next)));
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = session.get(spec.name, &query).await;
        assert_eq!(reply.status, 200, "{} {}", spec.name, reply.body);
        assert!(reply.body.get("total").is_none());
        seen.extend(reply.items(spec.key));
        match reply.body.get("next").and_then(Value::as_str) {
            Some(next) => from = Some(next.to_owned()),
            None => return seen,
        }
    }
}

async fn log_walk(session: &Session) -> Vec<Value> {
    let mut seen: Vec<Value> = Vec::new();
    loop {
        let last = seen
            .last()
            .and_then(|l| l["log_id"].as_str())
            .map(str::to_owned);
        // The oldest page first, as Auth0 documents; then from/take.
        let query = match last.as_deref() {
            None => vec![("sort", "date:1"), ("page", "0"), ("per_page", "40")],
            Some(from) => vec![("from", from), ("take", "40")],
        };
        let reply = session.get("logs", &query).await;
        let page = reply.body.as_array().cloned().expect("a bare array");
        if page.is_empty() {
            return seen;
        }
        seen.extend(page);
    }
}

#[tokio::test]
async fn paging_through_every_endpoint_yields_every_record_once() {
    let session = Session::start(sample()).await;
    // Child lists hold records per parent (none in the sample), and values have no identity.
    let lists_of_objects = SPECS.iter().filter(|spec| {
        !spec.name.contains('{') && session.fake.records(spec.name).iter().all(Value::is_object)
    });
    for spec in lists_of_objects {
        let expected = ids(&session.fake.records(spec.name), spec.id_field);
        assert!(!expected.is_empty(), "{}", spec.name);
        let sorted = {
            let mut sorted = expected.clone();
            sorted.sort();
            sorted
        };
        let mut walks = vec![];
        match spec.paging {
            Paging::Offset if spec.ties_without_sort => {
                let walk = offset_walk(&session, spec).await;
                assert_eq!(ids(&walk, spec.id_field), sorted, "{}", spec.name);
            }
            Paging::Offset => walks.push(offset_walk(&session, spec).await),
            Paging::Logs => walks.push(log_walk(&session).await),
            Paging::Value => {}
            Paging::Whole => walks.push(
                session
                    .get(spec.name, &[])
                    .await
                    .body
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            ),
        }
        if spec.checkpoint {
            walks.push(checkpoint_walk(&session, spec).await);
        }
        for walk in walks {
            let got = ids(&walk, spec.id_field);
            assert_eq!(got, expected, "{}", spec.name);
            assert_eq!(
                got.iter().collect::<BTreeSet<_>>().len(),
                got.len(),
                "{}",
                spec.name
            );
        }
    }
}

#[tokio::test]
async fn users_past_the_first_thousand_are_refused_with_the_true_total() {
    let session = Session::start(config(Sizes {
        users: 1200,
        ..Sizes::default()
    }))
    .await;
    let last = session
        .get(
            "users",
            &[
                ("page", "9"),
                ("per_page", "100"),
                ("include_totals", "true"),
            ],
        )
        .await;
    assert_eq!(last.status, 200);
    assert_eq!(last.body["total"], 1200);
    assert_eq!(last.keys(), ["start", "limit", "length", "users", "total"]);
    let beyond = session
        .get("users", &[("page", "10"), ("per_page", "100")])
        .await;
    assert_auth0_error(&beyond, 400);
    assert_eq!(beyond.body["errorCode"], "invalid_paging");
    assert!(
        beyond.body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("You can only page through the first 1000 records."))
    );
}

#[tokio::test]
async fn too_large_pages_and_repeated_parameters_are_refused() {
    let session = Session::start(sample()).await;
    let big = session.get("clients", &[("per_page", "101")]).await;
    assert_auth0_error(&big, 400);
    assert_eq!(big.body["errorCode"], "invalid_query_string");
    let twice = session.get_raw("roles?page=0&page=0").await;
    assert_auth0_error(&twice, 400);
    assert!(
        session
            .fake
            .requests()
            .iter()
            .any(|r| r == "/api/v2/roles?page=0&page=0")
    );
}

#[tokio::test]
async fn a_checkpoint_next_must_be_sent_back_url_encoded() {
    let session = Session::start(sample()).await;
    let first = session.get("organizations", &[("take", "10")]).await;
    assert_eq!(first.keys(), ["organizations", "next"]);
    let next = first.body["next"].as_str().unwrap_or_default().to_owned();
    assert!(
        ["*", "+", "/", "="].iter().all(|c| next.contains(c)),
        "{next}"
    );
    let raw = session
        .get_raw(&format!("organizations?take=10&from={next}"))
        .await;
    assert_auth0_error(&raw, 400);
    let encoded = session
        .get("organizations", &[("take", "10"), ("from", &next)])
        .await;
    assert_eq!(encoded.status, 200);
    assert!(
        session
            .fake
            .requests()
            .iter()
            .any(|r| r.contains("from=Fe26.2*") && r.contains("%2B"))
    );
}

#[tokio::test]
async fn logs_stream_from_a_log_id_and_see_appended_events() {
    let session = Session::start(config(Sizes {
        users: 5,
        clients: 3,
        logs: 30,
        ..Sizes::default()
    }))
    .await;
    let all = session.fake.records("logs");
    let search = session.get("logs", &[("take", "10")]).await;
    let mut newest = ids(&all[20..], "log_id");
    newest.reverse();
    assert_eq!(
        ids(search.body.as_array().expect("array"), "log_id"),
        newest,
        "take without from is a search, newest first"
    );
    let oldest = session
        .get(
            "logs",
            &[("sort", "date:1"), ("page", "0"), ("per_page", "10")],
        )
        .await;
    assert_eq!(
        ids(oldest.body.as_array().expect("array"), "log_id"),
        ids(&all[..10], "log_id")
    );
    let last_id = all[29]["log_id"].as_str().unwrap_or_default().to_owned();
    let end = session
        .get("logs", &[("from", &last_id), ("take", "100")])
        .await;
    assert_eq!(end.body, serde_json::json!([]));
    session.fake.with_tenant(|tenant| tenant.append_logs(4));
    let fresh = session
        .get("logs", &[("from", &last_id), ("take", "100")])
        .await;
    assert_eq!(fresh.body.as_array().map(Vec::len), Some(4));
    let unknown = session
        .get("logs", &[("from", "900123"), ("take", "10")])
        .await;
    assert_auth0_error(&unknown, 400);
    let newest = session
        .get("logs", &[("page", "0"), ("per_page", "5")])
        .await;
    assert_eq!(
        newest.body[0]["log_id"],
        session.fake.records("logs")[33]["log_id"]
    );
    let too_many = session.get("logs", &[("take", "101")]).await;
    assert_auth0_error(&too_many, 400);
}
