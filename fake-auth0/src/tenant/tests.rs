use serde_json::{Value, json};

use super::*;

fn ids<'a>(tenant: &'a Tenant, endpoint: &str, field: &str) -> Vec<&'a str> {
    tenant
        .records(endpoint)
        .iter()
        .filter_map(|r| r[field].as_str())
        .collect()
}

#[test]
fn the_same_seed_generates_the_same_tenant() {
    let sizes = Sizes {
        clients: 5,
        users: 7,
        logs: 9,
        ..Sizes::default()
    };
    let (a, b) = (Tenant::generate(&sizes, 11), Tenant::generate(&sizes, 11));
    assert_eq!(a.records("clients"), b.records("clients"));
    assert_eq!(a.records("logs"), b.records("logs"));
    assert_ne!(
        a.records("clients"),
        Tenant::generate(&sizes, 12).records("clients")
    );
}

#[test]
fn generated_ids_look_like_auth0_ids() {
    let tenant = Tenant::generate(&Sizes::SAMPLE, 1);
    assert!(
        ids(&tenant, "clients", "client_id")
            .iter()
            .all(|id| id.len() == 32)
    );
    assert!(
        ids(&tenant, "users", "user_id")
            .iter()
            .all(|id| id.starts_with("auth0|") || id.starts_with("google-oauth2|"))
    );
    assert!(
        ids(&tenant, "roles", "id")
            .iter()
            .all(|id| id.starts_with("rol_"))
    );
    assert!(
        ids(&tenant, "organizations", "id")
            .iter()
            .all(|id| id.starts_with("org_"))
    );
    assert!(
        ids(&tenant, "connections", "id")
            .iter()
            .all(|id| id.starts_with("con_"))
    );
    assert!(
        ids(&tenant, "client-grants", "id")
            .iter()
            .all(|id| id.starts_with("cgr_"))
    );
    assert_eq!(tenant.records("users").len(), 120);
    assert_eq!(tenant.records("logs").len(), 500);
}

#[test]
fn clients_and_a_social_connection_carry_secrets() {
    let tenant = Tenant::generate(
        &Sizes {
            clients: 2,
            connections: 3,
            ..Sizes::default()
        },
        5,
    );
    let client = &tenant.records("clients")[0];
    assert!(
        client["client_secret"]
            .as_str()
            .is_some_and(|s| s.len() == 64)
    );
    assert!(client["signing_keys"][0]["cert"].as_str().is_some());
    let social = &tenant.records("connections")[1];
    assert_eq!(social["strategy"], "google-oauth2");
    assert!(social["options"]["client_secret"].as_str().is_some());
}

#[test]
fn appended_logs_come_after_the_existing_ones() {
    let mut tenant = Tenant::generate(
        &Sizes {
            users: 3,
            clients: 2,
            logs: 20,
            ..Sizes::default()
        },
        9,
    );
    let last = ids(&tenant, "logs", "log_id")
        .last()
        .map(|s| (*s).to_owned());
    let last_date = tenant.records("logs")[19]["date"]
        .as_str()
        .map(str::to_owned);
    tenant.append_logs(5);
    let logs = tenant.records("logs");
    assert_eq!(logs.len(), 25);
    assert!(logs[20]["log_id"].as_str() > last.as_deref());
    assert!(logs[20]["date"].as_str() > last_date.as_deref());
}

#[test]
fn records_can_be_pushed_updated_and_removed_by_identity() {
    let mut tenant = Tenant::generate(
        &Sizes {
            clients: 3,
            ..Sizes::default()
        },
        2,
    );
    let id = ids(&tenant, "clients", "client_id")[1].to_owned();
    assert!(tenant.update("/api/v2/clients", &id, "name", json!("Renamed")));
    assert_eq!(
        tenant.find("clients", &id).map(|c| c["name"].clone()),
        Some(json!("Renamed"))
    );
    assert!(tenant.remove("clients", &id));
    assert!(!tenant.remove("clients", &id));
    tenant.push("clients", json!({ "client_id": "new", "name": "New" }));
    assert_eq!(tenant.records("clients").len(), 3);
    assert!(!tenant.update("clients", "missing", "name", Value::Null));
}

#[test]
fn the_sample_fills_every_endpoint() {
    let tenant = Tenant::sample();
    // Child lists are stored per parent, so only top-level endpoints are filled.
    for spec in crate::endpoints::SPECS {
        if !spec.name.contains('{') {
            assert!(!tenant.records(spec.name).is_empty(), "{}", spec.name);
        }
    }
    assert!(format!("{tenant:?}").contains("users"));
}

#[test]
fn role_users_and_members_are_drawn_from_the_users_and_go_with_their_parent() {
    let sizes = Sizes {
        users: 10,
        roles: 3,
        organizations: 2,
        ..Sizes::default()
    };
    let mut tenant = Tenant::generate(&sizes, 5);
    tenant.assign_members("roles", "users", |index| [12, 3, 0][index]);
    let roles: Vec<String> = ids(&tenant, "roles", "id")
        .iter()
        .map(|s| s.to_string())
        .collect();
    let members = tenant.records(&format!("roles/{}/users", roles[0]));
    // At most every user once, each as {user_id, email, picture, name} of a real user.
    assert_eq!(members.len(), 10);
    let keys: Vec<&str> = members[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["user_id", "email", "picture", "name"]);
    let user = tenant
        .find("users", members[0]["user_id"].as_str().expect("id"))
        .expect("a user");
    assert_eq!(user["email"], members[0]["email"]);
    assert_eq!(
        tenant.records(&format!("roles/{}/users", roles[1])).len(),
        3
    );
    assert!(!tenant.parent_missing(&format!("roles/{}/users", roles[2])));
    assert_eq!(
        Tenant::generate(&sizes, 5).records("organizations").len(),
        2
    );

    assert!(tenant.remove_at("roles", 1));
    let gone = format!("roles/{}/users", roles[1]);
    assert!(tenant.records(&gone).is_empty());
    assert!(tenant.parent_missing(&gone));
    assert!(tenant.parent_missing("roles/rol_nope/users"));
    // A child list stored without its parent list is served as it is.
    let mut bare = Tenant::empty();
    bare.push("users/auth0|1/roles", json!({"id": "rol_1"}));
    assert!(!bare.parent_missing("users/auth0|1/roles"));
    assert!(!bare.parent_missing("users/auth0|2/roles"));
}
