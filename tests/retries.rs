//! The one retry loop, seen from outside: the token request, the Management API client and the
//! export download retry the same answers, word a broken connection the same way, and the
//! download honours `Retry-After`, the retry settings and the job's time limit. Each test runs
//! the real binary against fake-auth0 with injected faults.

use crate::common;

use common::{Run, World, config, empty_sizes};
use fake_auth0::{ExportBehaviour, Fault, FaultRule, Sizes};
use serde_json::Value;

const ROLES: &str = "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n";
const EXPORT: &str =
    "every = \"1d\"\nendpoint = \"users\"\nmode = \"export\"\n[output]\nformat = \"json\"\n";

async fn roles_world() -> World {
    let world = World::start(config(Sizes {
        roles: 5,
        ..empty_sizes()
    }))
    .await;
    world.job("roles", ROLES);
    world
}

/// A tenant of 5 users whose export completes at the first poll.
async fn export_world() -> World {
    let world = World::start(config(Sizes {
        users: 5,
        ..empty_sizes()
    }))
    .await;
    world.fake.set_export_behaviour(ExportBehaviour {
        polls_until_done: 0,
        ..ExportBehaviour::default()
    });
    world.job("users", EXPORT);
    world
}

fn downloads(at: u64, times: u64, action: Fault) -> FaultRule {
    FaultRule {
        path_prefix: Some("/downloads/".into()),
        nth: at,
        times,
        action,
    }
}

fn exported_users(world: &World) -> usize {
    let users: Vec<Value> =
        serde_json::from_str(&world.read("users", "latest.json")).expect("json");
    users.len()
}

/// What the run says after "last: " (the API client) or after "attempt(s): " (the token
/// request), up to the hint that follows.
fn reason_after<'a>(run: &'a Run, marker: &str) -> &'a str {
    let start = run.stdout.find(marker).map(|at| at + marker.len());
    let tail = start.map_or("", |at| &run.stdout[at..]);
    tail.split(';').next().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_408_is_retried_by_the_api_client_as_by_the_token_request() {
    let world = roles_world().await;
    world
        .fake
        .inject(FaultRule::nth(Some("/oauth/token"), 1, Fault::Status(408)));
    world
        .fake
        .inject(FaultRule::nth(Some("roles"), 1, Fault::Status(408)));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let counters = world.fake.counters();
    assert_eq!(counters.token_requests, 2, "the token request was retried");
    assert_eq!(counters.api_requests, 2, "the page was asked again");
    let roles: Vec<Value> =
        serde_json::from_str(&world.read("roles", "latest.json")).expect("json");
    assert_eq!(roles.len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_is_worded_the_same_for_the_token_request_and_the_api() {
    let token_world = roles_world().await;
    token_world.fake.inject(FaultRule::always(
        Some("/oauth/token"),
        Fault::DropConnection,
    ));
    let api_world = roles_world().await;
    api_world
        .fake
        .inject(FaultRule::always(Some("roles"), Fault::DropConnection));
    let retries = [("A0SNAP_MAX_RETRIES", "1")];
    let token_run = token_world.a0snap_with(&["run"], &retries).await;
    let api_run = api_world.a0snap_with(&["run"], &retries).await;
    assert_eq!(token_run.code, 1, "{}", token_run.all_output());
    assert_eq!(api_run.code, 1, "{}", api_run.all_output());
    assert_eq!(token_world.fake.counters().token_requests, 2);
    assert_eq!(api_world.fake.counters().api_requests, 2);
    let by_token = reason_after(&token_run, "after 2 attempt(s): ");
    let by_api = reason_after(&api_run, "failed after 2 attempts, last: ");
    assert!(!by_api.is_empty(), "{}", api_run.stdout);
    let words = |reason: &str| reason.split(':').next().unwrap_or_default().to_owned();
    assert_eq!(
        words(by_token),
        words(by_api),
        "token: {by_token}\napi: {by_api}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_download_waits_for_retry_after_and_the_export_completes() {
    let world = export_world().await;
    world.fake.inject(downloads(
        1,
        1,
        Fault::RateLimited {
            reset_in_secs: 30,
            retry_after: Some(1),
        },
    ));
    let run = world
        .a0snap_with(&["run"], &[("RUST_LOG", "a0snap=debug")])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(world.fake.downloads().len(), 2);
    assert_eq!(exported_users(&world), 5);
    let printed = run.all_output();
    // One second, as Retry-After asked, not the 37.5 s the 30 s reset would give.
    assert!(
        printed.contains("waiting before retrying")
            && printed.contains("wait_ms=1000")
            && printed.contains("source=\"Retry-After\""),
        "{printed}"
    );
    assert!(!printed.contains("X-Amz-Signature"), "{printed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_asking_for_a_longer_wait_than_a0snap_waits_fails_and_says_so() {
    let world = export_world().await;
    world.fake.inject(downloads(
        1,
        u64::MAX,
        Fault::RateLimited {
            reset_in_secs: 0,
            retry_after: Some(3600),
        },
    ));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(
        world.fake.downloads().len(),
        1,
        "no retry after a wait refused"
    );
    assert!(
        run.stdout.contains("asked to wait 3600s (Retry-After)")
            && run.stdout.contains("A0SNAP_MAX_RETRY_WAIT"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn download_server_errors_are_retried_within_a0snap_max_retries() {
    let world = export_world().await;
    world.fake.inject(downloads(1, 2, Fault::Status(503)));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(world.fake.downloads().len(), 3);
    assert_eq!(exported_users(&world), 5);

    let world = export_world().await;
    world
        .fake
        .inject(downloads(1, u64::MAX, Fault::Status(503)));
    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_MAX_RETRIES", "3")])
        .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(
        world.fake.downloads().len(),
        4,
        "A0SNAP_MAX_RETRIES is the bound"
    );
    assert!(
        run.stdout.contains("503 Service Unavailable (4 attempts)"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_wait_that_would_pass_the_jobs_time_limit_ends_the_job_at_once() {
    let world = export_world().await;
    world.fake.inject(downloads(
        1,
        u64::MAX,
        Fault::RateLimited {
            reset_in_secs: 0,
            retry_after: Some(50),
        },
    ));
    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_JOB_TIMEOUT", "30s")])
        .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(world.fake.downloads().len(), 1);
    assert!(
        run.stdout
            .contains("did not finish within the job's time limit (A0SNAP_JOB_TIMEOUT)"),
        "{}",
        run.stdout
    );
}
