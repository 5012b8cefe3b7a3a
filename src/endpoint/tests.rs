use serde::Deserialize;

use super::*;

/// One line of `tests/fixtures/management-api/list-endpoints.json`.
#[derive(Debug, Deserialize)]
struct Defined {
    path: String,
    pagination: String,
    items: Option<String>,
    identity: Option<String>,
    scope: Option<String>,
    include_totals: bool,
    page_size_max: Option<u32>,
}

#[derive(Deserialize)]
struct Definition {
    endpoints: Vec<Defined>,
}

fn definition() -> Vec<Defined> {
    let text = include_str!("../../tests/fixtures/management-api/list-endpoints.json");
    serde_json::from_str::<Definition>(text)
        .expect("the extract is valid JSON")
        .endpoints
}

/// What the table must hold for one endpoint of the definition.
fn expected(defined: &Defined) -> KnownEndpoint {
    let pagination = Pagination::from_name(&defined.pagination).expect("a known kind");
    let name: &'static str = Box::leak(defined.path.clone().into_boxed_str());
    let leak = |text: &Option<String>| {
        text.clone()
            .map(|text| -> &'static str { Box::leak(text.into_boxed_str()) })
    };
    KnownEndpoint {
        name,
        pagination,
        // The log stream reads bare arrays (`from`/`take`), not the `logs` envelope.
        items: if pagination == Pagination::LogStream {
            None
        } else {
            leak(&defined.items)
        },
        identity: leak(&defined.identity),
        scope: leak(&defined.scope).unwrap_or(""),
        include_totals: defined.include_totals,
        max_page_size: defined
            .page_size_max
            .unwrap_or(MAX_PAGE_SIZE)
            .min(MAX_PAGE_SIZE),
        offset_cap: None,
        sort: None,
    }
}

#[test]
fn the_table_is_the_list_endpoints_of_the_committed_definition() {
    let defined = definition();
    let mut problems = Vec::new();
    for entry in &defined {
        let want = expected(entry);
        match KNOWN.iter().find(|known| known.name == entry.path) {
            None => problems.push(format!("missing: {want:?}")),
            Some(known) => {
                let have = KnownEndpoint {
                    offset_cap: None,
                    sort: None,
                    ..*known
                };
                if have != want {
                    problems.push(format!(
                        "differs:\n    table      {have:?}\n    definition {want:?}"
                    ));
                }
            }
        }
    }
    for known in KNOWN {
        if !defined.iter().any(|entry| entry.path == known.name) {
            problems.push(format!("not in the definition: {}", known.name));
        }
    }
    assert!(
        problems.is_empty(),
        "src/endpoint/table.rs and tests/fixtures/management-api/list-endpoints.json disagree:\n  {}",
        problems.join("\n  ")
    );
    assert!(KNOWN.len() >= 90, "{} endpoints", KNOWN.len());
}

#[test]
fn client_grants_page_by_checkpoint_and_actions_do_not_ask_for_totals() {
    let grants = lookup("client-grants").expect("known");
    assert_eq!(grants.pagination, Pagination::Checkpoint);
    let actions = lookup("actions/actions").expect("known");
    assert_eq!(actions.pagination, Pagination::Offset);
    assert!(!actions.include_totals);
    assert!(lookup("clients").expect("known").include_totals);
}

#[test]
fn both_spellings_of_a_known_endpoint_resolve_to_it() {
    assert_eq!(lookup("clients").map(|e| e.name), Some("clients"));
    assert_eq!(lookup("/api/v2/clients").map(|e| e.name), Some("clients"));
    assert_eq!(
        lookup("/api/v2/resource-servers/").map(|e| e.items),
        Some(Some("resource_servers"))
    );
    assert!(lookup("nope").is_none());
}

#[test]
fn a_path_under_a_parent_is_its_template_and_literal_segments_win() {
    assert_eq!(
        lookup("roles/rol_123/users").map(|e| e.name),
        Some("roles/{id}/users")
    );
    assert_eq!(
        lookup("/api/v2/organizations/org_1/members").map(|e| (e.name, e.items)),
        Some(("organizations/{id}/members", Some("members")))
    );
    assert_eq!(
        lookup("user-attribute-profiles/templates").map(|e| e.name),
        Some("user-attribute-profiles/templates")
    );
    assert!(lookup("roles//users").is_none());
    assert!(lookup("roles/rol_1/users/extra").is_none());
}

#[test]
fn ids_in_a_path_are_percent_encoded_once() {
    let known = lookup("users/auth0|123/roles").expect("known");
    let endpoint = Endpoint::from_known(known, "users/auth0|123/roles");
    assert_eq!(endpoint.path, "/api/v2/users/auth0%7C123/roles");
    let again = Endpoint::from_known(known, "users/auth0%7C123/roles");
    assert_eq!(again.path, "/api/v2/users/auth0%7C123/roles");
    let star = Endpoint::from_known(known, "users/a*b c/roles");
    assert_eq!(star.path, "/api/v2/users/a%2Ab%20c/roles");
    let slash = Endpoint::from_known(known, "users/auth0%2F123/roles");
    assert_eq!(slash.path, "/api/v2/users/auth0%2F123/roles");
    let mixed = Endpoint::from_known(known, "users/a%2Fb%7Cc/roles");
    assert_eq!(mixed.path, "/api/v2/users/a%2Fb%7Cc/roles");
    let raw_byte = Endpoint::from_known(known, "users/x%FF/roles");
    assert_eq!(raw_byte.path, "/api/v2/users/x%FF/roles");
}

#[test]
fn page_sizes_default_to_fifty_or_the_endpoint_maximum() {
    assert_eq!(lookup("clients").expect("known").default_page_size(), 50);
    let accounts = lookup("users/u1/connected-accounts").expect("known");
    assert_eq!(accounts.max_page_size, 20);
    assert_eq!(accounts.default_page_size(), 20);
    assert_eq!(
        lookup("connection-profiles").expect("known").max_page_size,
        10
    );
}

#[test]
fn the_required_endpoints_are_known_with_their_paging() {
    for (name, kind) in [
        ("clients", Pagination::Offset),
        ("users", Pagination::Offset),
        ("roles", Pagination::Offset),
        ("connections", Pagination::Checkpoint),
        ("resource-servers", Pagination::Offset),
        ("client-grants", Pagination::Checkpoint),
        ("organizations", Pagination::Checkpoint),
        ("logs", Pagination::LogStream),
        ("roles/{id}/users", Pagination::Checkpoint),
        ("stats/active-users", Pagination::None),
    ] {
        assert_eq!(lookup(name).map(|e| e.pagination), Some(kind), "{name}");
    }
}

#[test]
fn a_resolved_endpoint_has_the_full_path() {
    let endpoint = Endpoint::from_known(lookup("users").expect("known"), "users");
    assert_eq!(endpoint.path, "/api/v2/users");
    assert_eq!(endpoint.name(), "users");
    assert_eq!(endpoint.offset_cap, Some(1000));
}

#[test]
fn a_template_keeps_its_placeholder_and_names_its_parent() {
    let known = lookup("roles/{id}/users").expect("known");
    let template = Endpoint::from_known(known, "roles/{id}/users");
    assert_eq!(template.path, "/api/v2/roles/{id}/users");
    assert_eq!(template.placeholders(), ["{id}"]);
    assert_eq!(template.parent_name().as_deref(), Some("roles"));
    let plain = Endpoint::from_known(known, "roles/rol_1/users");
    assert!(plain.placeholders().is_empty());
    assert_eq!(plain.parent_name(), None);
}

#[test]
fn a_parent_id_fills_the_placeholder_percent_encoded() {
    let known = lookup("users/{id}/roles").expect("known");
    let template = Endpoint::from_known(known, "users/{id}/roles");
    let child = template.for_parent("auth0|12/3");
    assert_eq!(child.path, "/api/v2/users/auth0%7C12%2F3/roles");
    assert_eq!(child.items, template.items);
    assert_eq!(child.identity.as_deref(), Some("id"));
}

#[test]
fn the_parent_field_is_the_parent_list_made_singular_with_id() {
    assert_eq!(parent_field("roles"), "role_id");
    assert_eq!(parent_field("/api/v2/organizations"), "organization_id");
    assert_eq!(parent_field("users"), "user_id");
    assert_eq!(parent_field("resource-servers"), "resource_server_id");
    assert_eq!(parent_field("actions/modules"), "module_id");
}
