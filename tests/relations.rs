//! Relations: `for_each` jobs that read a child list for every record of a parent list
//! (`roles/{id}/users` for each role, `organizations/{id}/members` for each organization),
//! checked against the fake tenant's own records: every child record once, in parent order,
//! its parent's identity first; change reports by (parent, child); a parent deleted mid-run;
//! a child list that keeps failing; and the job-file checks.

use crate::common;

use common::{World, config, empty_sizes};
use fake_auth0::{Fault, FaultRule, Sizes};
use serde_json::{Value, json};

const ROLE_USERS: &str = "every = \"1h\"\nendpoint = \"roles/{id}/users\"\nfor_each = \"roles\"\nchanges = true\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"role_id\", \"user_id\", \"email\"]\n";

const ORG_MEMBERS: &str =
    "every = \"1h\"\nendpoint = \"organizations/{id}/members\"\nfor_each = \"organizations\"\n";

async fn tenant() -> World {
    let world = World::start(config(Sizes {
        roles: 7,
        users: 90,
        organizations: 6,
        ..empty_sizes()
    }))
    .await;
    // The first role has 60 users (two child pages of 50), one has none.
    world.fake.with_tenant(|tenant| {
        tenant.assign_members("roles", "users", |index| match index {
            0 => 60,
            3 => 0,
            _ => index + 1,
        })
    });
    world
}

/// What the job should write: every child record of every parent, in parent order, with
/// `{field}` first.
fn expected(world: &World, parent: &str, child: &str, field: &str) -> Vec<Value> {
    let mut records = Vec::new();
    for parent_record in world.served(parent) {
        let id = parent_record["id"].as_str().expect("parent id").to_owned();
        for member in world.served(&format!("{parent}/{id}/{child}")) {
            let mut record = serde_json::Map::new();
            record.insert(field.to_owned(), Value::from(id.clone()));
            record.extend(member.as_object().expect("object").clone());
            records.push(Value::Object(record));
        }
    }
    records
}

fn first_keys(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r.as_object()
                .and_then(|o| o.keys().next())
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

fn meta(world: &World, job: &str) -> Value {
    serde_json::from_str(&world.read(job, "latest.meta.json")).expect("meta is JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn role_users_and_organization_members_are_exported_exactly_with_the_parent_first() {
    let world = tenant().await;
    world
        .job("role-users", ROLE_USERS)
        .job("org-members", ORG_MEMBERS);
    world.run_ok().await;

    let roles = expected(&world, "roles", "users", "role_id");
    assert_eq!(roles.len(), 60 + 2 + 3 + 5 + 6 + 7);
    let written = world.latest_records("role-users");
    assert_eq!(written, roles);
    assert!(first_keys(&written).iter().all(|key| key == "role_id"));
    let members = expected(&world, "organizations", "members", "organization_id");
    assert!(!members.is_empty());
    let written = world.latest_records("org-members");
    assert_eq!(written, members);
    assert!(
        first_keys(&written)
            .iter()
            .all(|key| key == "organization_id")
    );

    let csv = world.read("role-users", "latest.csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("role_id,user_id,email"));
    let first = &roles[0];
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "{},{},{}",
                first["role_id"].as_str().unwrap(),
                first["user_id"].as_str().unwrap(),
                first["email"].as_str().unwrap()
            )
            .as_str()
        )
    );
    assert_eq!(lines.count(), roles.len() - 1);

    let meta = meta(&world, "role-users");
    assert_eq!(
        meta["for_each"],
        json!({"parent": "roles", "field": "role_id", "parents": 7})
    );
    assert_eq!(meta["verified"]["identities_unique"], true);
    // One roles page, then the child pages: two for the first role, one for each other.
    let requests = world.fake.requests();
    let child_requests = requests
        .iter()
        .filter(|r| r.starts_with("/api/v2/roles/rol_"))
        .count();
    assert_eq!(child_requests, 8, "{requests:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_report_identifies_each_record_by_parent_and_child() {
    let world = tenant().await;
    world.job("role-users", ROLE_USERS);
    world.run_ok().await;
    let roles = world.served("roles");
    let role = |index: usize| roles[index]["id"].as_str().expect("id").to_owned();
    let (first, second) = (role(1), role(2));
    let moved = world.served(&format!("roles/{first}/users"))[0].clone();
    let renamed = world.served(&format!("roles/{second}/users"))[1].clone();
    let user = |record: &Value| record["user_id"].as_str().expect("user").to_owned();
    world.fake.with_tenant(|tenant| {
        // The same user leaves one role and joins another: one removal, one addition.
        assert!(tenant.remove(&format!("roles/{first}/users"), &user(&moved)));
        tenant.push(&format!("roles/{second}/users"), moved.clone());
        assert!(tenant.update(
            &format!("roles/{second}/users"),
            &user(&renamed),
            "name",
            json!("Renamed")
        ));
    });
    world.run_ok().await;
    let report = world
        .files("role-users")
        .into_iter()
        .find(|name| name.ends_with(".changes.json"))
        .expect("a change report");
    let report: Value = serde_json::from_str(&world.read("role-users", &report)).expect("json");
    assert_eq!(report["identity"], json!(["role_id", "user_id"]));
    assert_eq!(report["added"], json!([[second, user(&moved)]]));
    assert_eq!(report["removed"], json!([[first, user(&moved)]]));
    let changed = report["changed"].as_array().expect("changed");
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["id"], json!([second, user(&renamed)]));
    assert_eq!(changed[0]["fields"], json!(["name"]));
    assert_eq!(changed[0]["changes"][0]["new"], json!("Renamed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parent_deleted_mid_run_is_walked_again_and_the_snapshot_is_exact() {
    let world = tenant().await;
    world.job("role-users", ROLE_USERS);
    let gone = world.served("roles")[2]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The roles page is answered, then role 2 is deleted with its users: its child list
    // answers 404 as Auth0 does.
    world.fake.inject(FaultRule::nth(
        Some("/api/v2/roles"),
        1,
        Fault::RemoveAfter(2),
    ));
    let run = world.run_ok().await;
    let output = run.all_output();
    assert!(
        output.contains(&format!(
            "roles {gone} was deleted while its child list was read (404)"
        )),
        "{output}"
    );
    assert!(
        world
            .served("roles")
            .iter()
            .all(|r| r["id"] != gone.as_str())
    );
    assert_eq!(
        world.latest_records("role-users"),
        expected(&world, "roles", "users", "role_id")
    );
    assert_eq!(meta(&world, "role-users")["verified"]["rewalks"], 1);
    assert!(world.temporary_files("role-users").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_list_that_keeps_failing_fails_the_job_and_nothing_is_written() {
    let world = tenant().await;
    world.job("role-users", ROLE_USERS);
    world.run_ok().await;
    let latest = world.read("role-users", "latest.json");
    let snapshots = world.snapshot_files("role-users", ".json");
    let role = world.served("roles")[4]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // A 404 every time: the parent looks deleted in every walk.
    let path = format!("/api/v2/roles/{role}/users");
    world
        .fake
        .inject(FaultRule::always(Some(&path), Fault::Status(404)));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.all_output().contains(&format!(
            "{path} changed while it was read, in each of 3 walks: roles {role} was deleted"
        )),
        "{}",
        run.all_output()
    );
    assert_eq!(world.read("role-users", "latest.json"), latest);
    assert_eq!(world.snapshot_files("role-users", ".json"), snapshots);
    assert!(world.temporary_files("role-users").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_list_refused_fails_the_job_naming_it() {
    let world = tenant().await;
    world.job("role-users", ROLE_USERS);
    let role = world.served("roles")[5]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v2/roles/{role}/users");
    world
        .fake
        .inject(FaultRule::always(Some(&path), Fault::Status(403)));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.all_output()
            .contains(&format!("GET {path} answered 403")),
        "{}",
        run.all_output()
    );
    assert!(world.snapshot_files("role-users", "").is_empty());
    assert!(world.temporary_files("role-users").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_shows_the_parent_and_refuses_placeholders_and_parents_that_do_not_fit() {
    let world = World::start(config(empty_sizes())).await;
    world.job("role-users", ROLE_USERS);
    let run = world.a0snap(&["validate"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stdout.contains("role-users: /api/v2/roles/{id}/users for each of /api/v2/roles (role_id first in each record)"),
        "{}",
        run.stdout
    );

    world
        .job("no-parent", "every = \"1h\"\nendpoint = \"roles/{id}/users\"\n")
        .job("no-placeholder", "every = \"1h\"\nendpoint = \"roles/rol_1/users\"\nfor_each = \"roles\"\n")
        .job("wrong-parent", "every = \"1h\"\nendpoint = \"roles/{id}/users\"\nfor_each = \"clients\"\n")
        .job("unknown-parent", "every = \"1h\"\nendpoint = \"widgets/{id}/parts\"\npagination = \"checkpoint\"\nitems = \"parts\"\nfor_each = \"widgets\"\n")
        .job("two-placeholders", "every = \"1h\"\nendpoint = \"organizations/{id}/members/{user_id}/roles\"\nfor_each = \"organizations\"\n");
    let run = world.a0snap(&["validate"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    for expected in [
        "no-parent.toml: endpoint: \"roles/{id}/users\" has the placeholder {id} but no for_each; add for_each = \"roles\"",
        "no-placeholder.toml: for_each: only applies to an endpoint with a placeholder for the parent's id, and \"roles/rol_1/users\" has none; write the endpoint with the placeholder where the id goes, as in endpoint = \"roles/{id}/users\"",
        "wrong-parent.toml: for_each: \"clients\" is not the parent of \"roles/{id}/users\", whose placeholder takes an id of roles; write for_each = \"roles\"",
        "unknown-parent.toml: for_each: \"widgets\" is not a list endpoint a0snap knows",
        "two-placeholders.toml: endpoint: \"organizations/{id}/members/{user_id}/roles\" has 2 placeholders",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected}\nnot in:\n{}",
            run.stderr
        );
    }
    assert_eq!(world.fake.counters().token_requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn child_lists_overlap_within_the_in_flight_setting_and_write_what_one_at_a_time_writes() {
    let mut slow = config(Sizes {
        roles: 30,
        users: 40,
        ..empty_sizes()
    });
    slow.latency = std::time::Duration::from_millis(20);
    let world = World::start(slow).await;
    world.job("role-users", ROLE_USERS);
    let one_at_a_time = world
        .a0snap_with(&["run"], &[("A0SNAP_MAX_IN_FLIGHT", "1")])
        .await;
    assert_eq!(one_at_a_time.code, 0, "{}", one_at_a_time.all_output());
    assert_eq!(world.fake.counters().max_in_flight, 1);
    let sequential = world.read("role-users", "latest.json");
    world.fake.reset_counters();

    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_MAX_IN_FLIGHT", "4")])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let counters = world.fake.counters();
    assert!(
        (2..=4).contains(&counters.max_in_flight),
        "{} in flight with a limit of 4",
        counters.max_in_flight
    );
    // One roles page and one page of users per role, each asked once.
    assert_eq!(counters.api_requests, 31);
    assert_eq!(world.read("role-users", "latest.json"), sequential);
    assert_eq!(
        world.latest_records("role-users"),
        expected(&world, "roles", "users", "role_id")
    );
}
