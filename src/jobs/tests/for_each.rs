//! `for_each` jobs: what a good one turns into, and how a wrong one is refused.

use super::{bad, good};

#[test]
fn a_for_each_job_reads_its_parent_and_names_the_parent_field() {
    let job = good(
        "every = \"1h\"\nendpoint = \"roles/{id}/users\"\nfor_each = \"/api/v2/roles\"\nchanges = true\n",
    );
    assert_eq!(job.endpoint.path, "/api/v2/roles/{id}/users");
    let for_each = job.for_each.expect("a parent");
    assert_eq!(for_each.parent.path, "/api/v2/roles");
    assert_eq!(for_each.parent.identity.as_deref(), Some("id"));
    assert_eq!(for_each.field, "role_id");
    assert_eq!(for_each.parent_page_size, 50);
    // Each child is known by (parent, child) in change reports; the walk checks the child's.
    assert_eq!(job.output.changes(), Some("role_id,user_id"));
    assert_eq!(job.endpoint.identity.as_deref(), Some("user_id"));
}

#[test]
fn an_identity_written_in_the_job_wins_over_the_pair() {
    let job = good(
        "every = \"1h\"\nendpoint = \"users/{id}/roles\"\nfor_each = \"users\"\nchanges = true\nidentity = \"name\"\n",
    );
    assert_eq!(job.for_each.map(|f| f.field).as_deref(), Some("user_id"));
    assert_eq!(job.output.changes(), Some("name"));
}

#[test]
fn a_job_without_for_each_has_no_parent() {
    assert!(
        good("every = \"1h\"\nendpoint = \"roles/rol_1/users\"\n")
            .for_each
            .is_none()
    );
}

#[test]
fn for_each_of_the_wrong_type_or_on_an_export_is_refused() {
    assert_eq!(
        bad("every = \"1h\"\nendpoint = \"roles/{id}/users\"\nfor_each = 3\n"),
        [
            "jobs/apps.toml: for_each: expected a string, found an integer; write it as in for_each = \"roles\""
        ]
    );
    let problems = bad(
        "every = \"1h\"\nendpoint = \"roles/{id}/users\"\nfor_each = \"roles\"\nmode = \"export\"\n",
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("mode: \"export\" only works with the users endpoint")),
        "{problems:?}"
    );
}

#[test]
fn a_parent_whose_records_have_no_identity_is_refused() {
    let problems = bad(
        "every = \"1h\"\nendpoint = \"guardian/policies/{id}/x\"\npagination = \"checkpoint\"\nitems = \"x\"\nfor_each = \"guardian/policies\"\n",
    );
    assert_eq!(
        problems,
        [
            "jobs/apps.toml: for_each: the records of \"guardian/policies\" have no single identity field a0snap knows, so it cannot fill the placeholder; write one parent's id in its place instead"
        ]
    );
}
