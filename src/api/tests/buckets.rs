//! Families and the mirror each one draws on, driven with explicit instants.

use std::time::Duration;

use super::*;

fn state(limit: u64, remaining: u64, reset_ms: u64) -> Option<RateLimitState> {
    Some(RateLimitState {
        limit,
        remaining,
        reset_in: Duration::from_millis(reset_ms),
    })
}

fn go(grant: Grant) -> u64 {
    match grant {
        Grant::Go(seq) => seq,
        other => panic!("expected to go, got {other:?}"),
    }
}

#[test]
fn a_family_is_the_endpoint_name_with_ids_as_placeholders() {
    assert_eq!(family("/api/v2/clients"), "clients");
    assert_eq!(family("/api/v2/roles/rol_0aB1/users"), "roles/{id}/users");
    // Known from the endpoint table, so an id of plain letters is still an id.
    assert_eq!(family("/api/v2/roles/admins/users"), "roles/{id}/users");
    assert_eq!(
        family("/api/v2/users/auth0%7C5f1e/organizations"),
        "users/{id}/organizations"
    );
    assert_eq!(
        family("/api/v2/organizations/org_W1XIEmdWgNvBNmEW/enabled_connections"),
        "organizations/{id}/enabled_connections"
    );
    assert_eq!(family("/api/v2/jobs/users-exports"), "jobs/users-exports");
    assert_eq!(family("/api/v2/jobs/job_8Xk2"), "jobs/{id}");
}

#[test]
fn each_family_probes_on_its_own_until_an_answer_places_it() {
    let now = Instant::now();
    let mut buckets = Buckets::default();
    let clients = buckets.key_of("clients");
    let users = buckets.key_of("users");
    go(buckets.reserve(&clients, now));
    let probe = go(buckets.reserve(&clients, now));
    assert_eq!(buckets.reserve(&clients, now), Grant::WaitForProbe);
    // Waiting for the clients probes holds back no users request.
    go(buckets.reserve(&users, now));
    buckets.observe(
        "clients",
        &clients,
        probe,
        state(5, 4, 600),
        Answer::Success,
        now,
    );
    assert_eq!(buckets.key_of("clients"), BucketKey::Size(5));
    assert_eq!(buckets.key_of("users"), users);
}

#[test]
fn families_whose_answers_report_the_same_size_draw_on_one_mirror() {
    let now = Instant::now();
    let mut buckets = Buckets::default();
    for family in ["clients", "users"] {
        let key = buckets.key_of(family);
        let seq = go(buckets.reserve(&key, now));
        buckets.observe(family, &key, seq, state(2, 1, 500), Answer::Success, now);
    }
    assert_eq!(buckets.key_of("clients"), buckets.key_of("users"));
    let key = buckets.key_of("users");
    // The later answer said 1 left: one request, then the shared mirror is spent.
    go(buckets.reserve(&key, now));
    assert!(matches!(
        buckets.reserve(&key, now),
        Grant::WaitUntil { .. }
    ));
}

#[test]
fn a_429_from_another_bucket_moves_the_family_there() {
    let now = Instant::now();
    let mut buckets = Buckets::default();
    let key = buckets.key_of("clients");
    let seq = go(buckets.reserve(&key, now));
    buckets.observe("clients", &key, seq, state(5, 4, 600), Answer::Success, now);
    let own = buckets.key_of("clients");
    let seq = go(buckets.reserve(&own, now));
    // Refused by the global bucket of 50: the family waits for that one now.
    buckets.observe(
        "clients",
        &own,
        seq,
        state(50, 0, 1000),
        Answer::RateLimited,
        now,
    );
    assert_eq!(buckets.key_of("clients"), BucketKey::Size(50));
    assert!(matches!(
        buckets.reserve(&BucketKey::Size(50), now),
        Grant::WaitUntil { .. }
    ));
}
