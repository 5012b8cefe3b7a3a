//! Exact or failed: walks against a fake tenant that answers as Auth0 does where it is less
//! kind than a list in memory (users in another order on every unsorted request, a bare `take`
//! on `/logs` answered newest first), each checked against the fake's own records: ids, count
//! and order. The faults that change the tenant during a walk are rows of `tests/faults.rs`.

use crate::common;

use common::{World, config, empty_sizes};
use fake_auth0::Sizes;
use serde_json::Value;

fn ids(records: &[Value], field: &str) -> Vec<String> {
    records
        .iter()
        .map(|record| record[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The requests the fake saw below `/api/v2/{endpoint}`, with their query strings.
fn requests_to(world: &World, endpoint: &str) -> Vec<String> {
    let prefix = format!("/api/v2/{endpoint}");
    world
        .fake
        .requests()
        .into_iter()
        .filter(|request| request.starts_with(&prefix))
        .collect()
}

fn meta(world: &World, job: &str) -> Value {
    serde_json::from_str(&world.read(job, "latest.meta.json")).expect("meta is JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn users_whose_default_order_changes_per_request_are_each_exported_once() {
    let world = World::start(config(Sizes {
        users: 250,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "users",
        "every = \"1h\"\nendpoint = \"users\"\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut expected = ids(&world.served("users"), "user_id");
    expected.sort();
    assert_eq!(ids(&world.latest_records("users"), "user_id"), expected);
    let meta = meta(&world, "users");
    assert_eq!(meta["verified"]["identities_unique"], true);
    assert_eq!(meta["verified"]["total"], 250);
    assert_eq!(meta["verified"]["rewalks"], 0);
    assert_eq!(meta["page_size"], 50);
    let requests = requests_to(&world, "users");
    assert!(
        requests
            .iter()
            .all(|request| request.contains("sort=user_id%3A1")),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sort_the_job_sets_is_kept_and_the_walk_still_verified() {
    let world = World::start(config(Sizes {
        users: 120,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "users",
        "every = \"1h\"\nendpoint = \"users\"\nparams = { sort = \"email:-1\" }\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut served = world.served("users");
    served.sort_by(|a, b| b["email"].as_str().cmp(&a["email"].as_str()));
    assert_eq!(
        ids(&world.latest_records("users"), "user_id"),
        ids(&served, "user_id")
    );
    let requests = requests_to(&world, "users");
    assert!(
        requests
            .iter()
            .all(|request| request.contains("sort=email%3A-1") && !request.contains("user_id")),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_logs_walk_starts_at_the_oldest_event_and_holds_every_event_once_in_order() {
    let world = World::start(config(Sizes {
        users: 5,
        clients: 3,
        logs: 130,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "logs",
        "every = \"1h\"\nendpoint = \"logs\"\nparams = { take = 40 }\n[output]\nformat = \"ndjson\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let written: Vec<Value> = world
        .read("logs", "latest.ndjson")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(
        ids(&written, "log_id"),
        ids(&world.served("logs"), "log_id")
    );
    let requests = requests_to(&world, "logs");
    assert_eq!(
        requests[0], "/api/v2/logs?sort=date%3A1&page=0&per_page=1",
        "{requests:?}"
    );
    assert!(
        requests[1..]
            .iter()
            .all(|request| request.contains("from=") && request.contains("take=40")),
        "{requests:?}"
    );
    let meta = meta(&world, "logs");
    assert_eq!(meta["verified"]["ids_ascending"], true);
    assert_eq!(meta["records"], 130);
}

#[tokio::test(flavor = "multi_thread")]
async fn incremental_logs_start_oldest_first_then_hold_only_new_events_each_once() {
    let world = World::start(config(Sizes {
        users: 5,
        clients: 3,
        logs: 75,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "logs",
        "every = \"1h\"\nendpoint = \"logs\"\nincremental = true\n[output]\nformat = \"json\"\n",
    );
    let first = world.a0snap(&["run"]).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    assert_eq!(
        ids(&world.latest_records("logs"), "log_id"),
        ids(&world.served("logs"), "log_id")
    );
    world.fake.with_tenant(|tenant| tenant.append_logs(30));
    let second = world.a0snap(&["run"]).await;
    assert_eq!(second.code, 0, "{}", second.all_output());
    assert_eq!(
        ids(&world.latest_records("logs"), "log_id"),
        ids(&world.served("logs")[75..], "log_id")
    );
}
