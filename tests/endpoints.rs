//! Every list endpoint of the Management API definition, through the real binary against the
//! fake tenant over loopback: endpoints under a parent named by their id without `pagination`
//! or `items`, answers that are a list of strings or a bare number, ids and `from` values
//! percent-encoded as the SDKs send them, client grants paged by checkpoint, actions paged
//! without `include_totals`, and `a0snap endpoints`.

use crate::common;

use common::{World, config, empty_sizes};
use fake_auth0::Sizes;
use serde_json::{Value, json};

fn field(records: &[Value], name: &str) -> Vec<String> {
    records
        .iter()
        .map(|record| record[name].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The requests the fake received for paths starting with `prefix`.
fn requests(world: &World, prefix: &str) -> Vec<String> {
    world
        .fake
        .requests()
        .into_iter()
        .filter(|request| request.starts_with(prefix))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_users_of_one_role_are_read_by_checkpoint_without_pagination_or_items() {
    let world = World::start(config(empty_sizes())).await;
    let members: Vec<Value> = (1..=5)
        .map(|n| json!({ "user_id": format!("auth0|u{n}"), "email": format!("u{n}@example.com"), "name": format!("U {n}") }))
        .collect();
    world.fake.with_tenant(|tenant| {
        for member in &members {
            tenant.push("roles/rol_123/users", member.clone());
        }
    });
    world.job(
        "admins",
        "every = \"1h\"\nendpoint = \"roles/rol_123/users\"\nparams = { take = 2 }\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(world.latest_records("admins"), members);
    let sent = requests(&world, "/api/v2/roles/rol_123/users");
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(sent[0], "/api/v2/roles/rol_123/users?take=2");
    // The fake's `next` values hold `*`, `+`, `/` and `=`, as Auth0's hold `*`: each goes
    // back as `from` percent-encoded, `*` as %2A as the SDKs send it.
    for later in &sent[1..] {
        assert!(later.contains("from=Fe26.2%2A"), "{later}");
        assert!(!later.contains('*'), "{later}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_members_of_an_organization_are_a_known_endpoint_too() {
    let world = World::start(config(empty_sizes())).await;
    world.fake.with_tenant(|tenant| {
        for n in 1..=3 {
            tenant.push(
                "organizations/org_1/members",
                json!({ "user_id": format!("auth0|m{n}"), "email": format!("m{n}@example.com") }),
            );
        }
    });
    world.job(
        "members",
        "every = \"1h\"\nendpoint = \"/api/v2/organizations/org_1/members\"\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        field(&world.latest_records("members"), "user_id"),
        ["auth0|m1", "auth0|m2", "auth0|m3"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_id_with_a_bar_is_sent_percent_encoded_in_the_path() {
    let world = World::start(config(empty_sizes())).await;
    world.fake.with_tenant(|tenant| {
        tenant.push(
            "users/auth0|123/roles",
            json!({ "id": "rol_1", "name": "admin", "description": "Admins" }),
        );
    });
    world.job(
        "roles-of-one-user",
        "every = \"1h\"\nendpoint = \"users/auth0|123/roles\"\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        field(&world.latest_records("roles-of-one-user"), "id"),
        ["rol_1"]
    );
    let sent = requests(&world, "/api/v2/users/");
    assert!(!sent.is_empty());
    for request in &sent {
        assert!(
            request.starts_with("/api/v2/users/auth0%7C123/roles?"),
            "{request}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_active_user_count_is_a_snapshot_of_one_record() {
    let world = World::start(config(empty_sizes())).await;
    world
        .fake
        .with_tenant(|tenant| tenant.push("stats/active-users", json!(87)));
    world.job(
        "active-users",
        "every = \"1d\"\nendpoint = \"stats/active-users\"\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"value\"]\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        world.latest_records("active-users"),
        [json!({ "value": 87 })]
    );
    assert_eq!(world.read("active-users", "latest.csv"), "value\n87\n");
    assert_eq!(requests(&world, "/api/v2/stats").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn mfa_policies_a_list_of_strings_are_records_of_one_field() {
    let world = World::start(config(empty_sizes())).await;
    world.fake.with_tenant(|tenant| {
        tenant.push("guardian/policies", json!("all-applications"));
        tenant.push("guardian/policies", json!("confidence-score"));
    });
    world.job(
        "mfa-policies",
        "every = \"1d\"\nendpoint = \"guardian/policies\"\n[output]\nformat = \"ndjson\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        world.read("mfa-policies", "latest.ndjson"),
        "{\"value\":\"all-applications\"}\n{\"value\":\"confidence-score\"}\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_grants_are_paged_by_checkpoint_as_the_definition_says() {
    let world = World::start(config(Sizes {
        clients: 3,
        resource_servers: 2,
        client_grants: 12,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "grants",
        "every = \"1h\"\nendpoint = \"client-grants\"\nparams = { take = 5 }\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        field(&world.latest_records("grants"), "id"),
        field(&world.served("client-grants"), "id")
    );
    let sent = requests(&world, "/api/v2/client-grants");
    assert_eq!(sent.len(), 3, "{sent:?}");
    for request in &sent {
        assert!(request.contains("take=5"), "{request}");
        assert!(
            !request.contains("page=") && !request.contains("include_totals"),
            "{request}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn actions_are_paged_without_include_totals_which_auth0_does_not_define_there() {
    let world = World::start(config(empty_sizes())).await;
    world.fake.with_tenant(|tenant| {
        for n in 1..=5 {
            tenant.push(
                "actions/actions",
                json!({ "id": format!("act_{n}"), "name": format!("action-{n}"), "runtime": "node22" }),
            );
        }
    });
    world.job(
        "actions",
        "every = \"1h\"\nendpoint = \"actions/actions\"\nparams = { per_page = 2 }\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        field(&world.latest_records("actions"), "id"),
        ["act_1", "act_2", "act_3", "act_4", "act_5"]
    );
    let sent = requests(&world, "/api/v2/actions/actions");
    assert!(sent.len() >= 3, "{sent:?}");
    assert!(
        sent.iter()
            .all(|request| !request.contains("include_totals")),
        "{sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_size_above_the_endpoint_maximum_is_refused_at_load_time() {
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "accounts",
        "every = \"1h\"\nendpoint = \"users/auth0|1/connected-accounts\"\nparams = { take = 50 }\n",
    );
    let run = world.a0snap(&["validate"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(
        run.stderr
            .contains("params.take: 50 is above the 20 records a page this endpoint gives"),
        "{}",
        run.all_output()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a0snap_endpoints_lists_every_known_endpoint_with_its_paging_key_and_scope() {
    let world = World::start(config(empty_sizes())).await;
    let run = common::run_binary(&["endpoints"], &[], world.dir.path()).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let lines: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        lines[0],
        ["ENDPOINT", "PAGINATION", "KEY", "SCOPE", "MAX PAGE"]
    );
    assert_eq!(lines.len(), a0snap::endpoint::KNOWN.len() + 1);
    for row in [
        vec!["clients", "offset", "clients", "read:clients", "100"],
        vec![
            "client-grants",
            "checkpoint",
            "client_grants",
            "read:client_grants",
            "100",
        ],
        vec![
            "actions/actions",
            "offset, no totals",
            "actions",
            "read:actions",
            "100",
        ],
        vec![
            "roles/{id}/users",
            "checkpoint",
            "users",
            "read:users",
            "100",
        ],
        vec![
            "users/{id}/connected-accounts",
            "checkpoint",
            "connected_accounts",
            "read:users",
            "20",
        ],
        vec![
            "stats/active-users",
            "none",
            "(bare array or value)",
            "read:stats",
            "-",
        ],
    ] {
        assert!(lines.contains(&row), "no line {row:?} in:\n{}", run.stdout);
    }
}
