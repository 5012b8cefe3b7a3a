//! The token cache seen from outside: by the fake tenant's counters, across processes.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::{World, config, empty_sizes};
use fake_auth0::{Fault, FaultRule, Sizes};

fn small_tenant() -> fake_auth0::Config {
    config(Sizes {
        clients: 120,
        roles: 5,
        ..empty_sizes()
    })
}

const APPS: &str = "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n";

fn token_files(world: &World) -> Vec<std::path::PathBuf> {
    let dir = world.state_dir().join("tokens");
    common::list(&dir)
        .into_iter()
        .filter(|name| name.ends_with(".json"))
        .map(|name| dir.join(name))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_runs_in_a_row_make_exactly_one_token_request() {
    let world = World::start(small_tenant()).await;
    world.job("apps", APPS);
    for _ in 0..10 {
        let run = world.a0snap(&["run"]).await;
        assert_eq!(run.code, 0, "{}", run.all_output());
    }
    assert_eq!(world.fake.counters().token_requests, 1);
    let files = token_files(&world);
    assert_eq!(files.len(), 1);
    let mode = std::fs::metadata(&files[0])
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(world.state_dir().join("tokens"))
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let text = std::fs::read_to_string(&files[0]).expect("cache file");
    assert!(!text.contains(common::CLIENT_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_after_the_token_expired_makes_exactly_one_new_request() {
    let mut tenant = small_tenant();
    tenant.token_lifetime = Duration::from_secs(3);
    let world = World::start(tenant).await;
    world.job("apps", APPS);
    assert_eq!(world.a0snap(&["run"]).await.code, 0);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(world.fake.counters().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_jobs_at_once_with_an_empty_cache_make_one_request() {
    let world = World::start(small_tenant()).await;
    for index in 0..8 {
        world.job(&format!("apps-{index}"), APPS);
    }
    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_JOB_CONCURRENCY", "8")])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(world.fake.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_started_together_make_one_request() {
    let mut tenant = small_tenant();
    tenant.token_latency = Duration::from_millis(300);
    let world = World::start(tenant).await;
    world.job("apps", APPS).job(
        "roles",
        "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n",
    );
    let (first, second) = tokio::join!(
        world.a0snap(&["run", "--job", "apps"]),
        world.a0snap(&["run", "--job", "roles"])
    );
    assert_eq!(first.code, 0, "{}", first.all_output());
    assert_eq!(second.code, 0, "{}", second.all_output());
    assert_eq!(world.fake.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_mid_export_is_renewed_once_and_the_snapshot_is_complete() {
    let world = World::start(small_tenant()).await;
    world.job("apps", APPS);
    world.fake.inject(FaultRule {
        path_prefix: Some("/api/v2/clients".into()),
        nth: 2,
        times: 1,
        action: Fault::RevokeToken,
    });
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let counters = world.fake.counters();
    assert_eq!(counters.token_requests, 2);
    // Pages 2 and 3 are requested together, so the one beside the revocation may be refused
    // too; either way the token is renewed once.
    assert!((1..=2).contains(&counters.unauthorized), "{counters:?}");
    let written: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("apps", "latest.json")).expect("json");
    assert_eq!(written.len(), 120);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_world_readable_or_corrupt_cache_file_is_replaced_with_a_warning() {
    let world = World::start(small_tenant()).await;
    world.job("apps", APPS);
    assert_eq!(world.a0snap(&["run"]).await.code, 0);
    let file = token_files(&world).remove(0);

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stderr.contains("WARN"), "no warning:\n{}", run.stderr);
    assert_eq!(world.fake.counters().token_requests, 2);
    assert_eq!(
        std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777,
        0o600
    );

    std::fs::write(&file, "{not json").expect("corrupt");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stderr.contains("WARN"), "no warning:\n{}", run.stderr);
    assert_eq!(world.fake.counters().token_requests, 3);
    world.assert_no_secrets(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_printed_token_is_accepted_as_a_bearer_token_and_info_hides_it() {
    let world = World::start(small_tenant()).await;
    let run = world.a0snap(&["token"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let token = run.stdout.trim().to_owned();
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "stdout must hold the token alone"
    );
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v2/clients", world.fake.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), 200);

    let info = world.a0snap(&["token", "--info"]).await;
    assert_eq!(info.code, 0, "{}", info.all_output());
    assert!(!info.stdout.contains(&token));
    let facts: serde_json::Value = serde_json::from_str(info.stdout.trim()).expect("JSON");
    assert_eq!(facts["source"], "file");
    assert!(
        facts["expires_in"]
            .as_i64()
            .is_some_and(|left| left > 86_000)
    );
    assert!(facts["expires_at"].is_string());
    assert_eq!(world.fake.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_fails_with_a_message_naming_the_client_and_no_secret() {
    let world = World::start(small_tenant()).await;
    world.job("apps", APPS);
    let run = world
        .a0snap_with(&["token"], &[("AUTH0_CLIENT_SECRET", "wrong-secret-value")])
        .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stderr.contains(common::CLIENT_ID), "{}", run.stderr);
    assert!(!run.all_output().contains("wrong-secret-value"));
    let run = world
        .a0snap_with(&["run"], &[("AUTH0_CLIENT_SECRET", "wrong-secret-value")])
        .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(!run.all_output().contains("wrong-secret-value"));
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_printed_at_trace_level_contains_the_secret_or_a_token() {
    let world = World::start(small_tenant()).await;
    world.job("apps", APPS);
    world.fake.inject(FaultRule {
        path_prefix: None,
        nth: 2,
        times: 1,
        action: Fault::RevokeToken,
    });
    let mut printed = String::new();
    for args in [&["run"][..], &["token", "--info"][..], &["validate"][..]] {
        let run = world.a0snap_with(args, &[("RUST_LOG", "trace")]).await;
        printed.push_str(&run.all_output());
    }
    assert!(
        printed.contains("TRACE") || printed.contains("DEBUG"),
        "trace logging was not on"
    );
    world.assert_no_secrets(&printed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_request_slower_than_a0snap_request_timeout_is_asked_again() {
    let world = World::start(small_tenant()).await;
    world.fake.inject(FaultRule::nth(
        Some("/oauth/token"),
        1,
        Fault::Delay(Duration::from_secs(5)),
    ));
    let run = world
        .a0snap_with(&["token"], &[("A0SNAP_REQUEST_TIMEOUT", "1")])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(world.fake.counters().token_requests, 2);
}

/// The default grant without `read:roles`.
fn scopes_without_read_roles() -> Vec<&'static str> {
    fake_auth0::DEFAULT_SCOPES
        .iter()
        .copied()
        .filter(|scope| *scope != "read:roles")
        .collect()
}

const ROLES: &str = "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n";

/// Moves the cached token's `issued_at` back by `minutes`, as if an earlier run had fetched it
/// that long ago (its expiry is left as it is).
fn age_cached_token(world: &World, minutes: i64) {
    for path in token_files(world) {
        let text = std::fs::read_to_string(&path).expect("token file");
        let mut file: serde_json::Value = serde_json::from_str(&text).expect("token json");
        let issued: jiff::Timestamp = file["issued_at"]
            .as_str()
            .and_then(|at| at.parse().ok())
            .expect("issued_at");
        let older = issued - jiff::SignedDuration::from_mins(minutes);
        file["issued_at"] = older.to_string().into();
        std::fs::write(&path, file.to_string()).expect("write token file");
    }
}

fn roles_requests(world: &World) -> usize {
    world
        .fake
        .requests()
        .iter()
        .filter(|request| request.starts_with("/api/v2/roles"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scope_granted_after_the_token_was_cached_is_used_by_the_next_run_with_one_new_token() {
    let world = World::start(small_tenant()).await;
    world.fake.set_scopes(&scopes_without_read_roles());
    world.job("apps", APPS).job("roles", ROLES);

    let refused = world.a0snap(&["run"]).await;
    assert_eq!(refused.code, 1, "{}", refused.all_output());
    assert!(
        refused.all_output().contains("grant read:roles"),
        "{}",
        refused.all_output()
    );
    // The token was fetched in this very run: a 403 does not ask for another one.
    assert_eq!(world.fake.counters().token_requests, 1);
    assert_eq!(roles_requests(&world), 1);

    world.fake.set_scopes(fake_auth0::DEFAULT_SCOPES);
    // The grant is picked up once the cached token is older than the recheck interval.
    age_cached_token(&world, 11);
    let granted = world.a0snap(&["run"]).await;
    assert_eq!(granted.code, 0, "{}", granted.all_output());
    assert_eq!(world.fake.counters().token_requests, 2);
    let roles: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("roles", "latest.json")).expect("json");
    assert_eq!(roles.len(), 5);

    let again = world.a0snap(&["run"]).await;
    assert_eq!(again.code, 0, "{}", again.all_output());
    assert_eq!(world.fake.counters().token_requests, 2);
    world.assert_no_secrets(&format!(
        "{}{}{}",
        refused.all_output(),
        granted.all_output(),
        again.all_output()
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scope_still_missing_after_one_renewal_fails_every_job_naming_it_with_one_new_token() {
    let world = World::start(small_tenant()).await;
    world.fake.set_scopes(&scopes_without_read_roles());
    world.job("apps", APPS);
    assert_eq!(world.a0snap(&["run"]).await.code, 0);
    assert_eq!(world.fake.counters().token_requests, 1);

    world.job("roles", ROLES).job("roles-again", ROLES);
    age_cached_token(&world, 11);
    let run = world
        .a0snap_with(
            &["run", "--job", "roles", "--job", "roles-again"],
            &[("A0SNAP_JOB_CONCURRENCY", "2")],
        )
        .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    // The cached token is renewed once for both jobs; the fresh one lacks the scope too.
    assert_eq!(world.fake.counters().token_requests, 2);
    let output = run.all_output();
    assert!(
        output.matches("grant read:roles").count() >= 2,
        "both jobs fail naming the scope:\n{output}"
    );
    // Each job: the refused request, then one retry with the fresh token.
    assert!(
        (3..=4).contains(&roles_requests(&world)),
        "{:?}",
        world.fake.requests()
    );
    assert!(
        world
            .files("roles")
            .iter()
            .all(|name| !name.contains("latest"))
    );
    world.assert_no_secrets(&output);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scope_missing_run_after_run_costs_no_token_request_per_run() {
    let world = World::start(small_tenant()).await;
    world.fake.set_scopes(&scopes_without_read_roles());
    world.job("apps", APPS).job("roles", ROLES);
    for run in 0..5 {
        let refused = world.a0snap(&["run"]).await;
        assert_eq!(refused.code, 1, "run {run}: {}", refused.all_output());
        assert!(refused.all_output().contains("grant read:roles"));
    }
    // As cron would run it: the token of the first run serves every later one, since a token
    // younger than the recheck interval is not renewed for a missing scope.
    assert_eq!(world.fake.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_file_left_half_written_is_swept_by_the_next_run_and_other_keys_are_kept() {
    let world = World::start(small_tenant()).await;
    world.job("apps", APPS);
    let first = world.a0snap(&["run"]).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    let files = token_files(&world);
    assert_eq!(files.len(), 1);
    let dir = world.state_dir().join("tokens");
    let name = files[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    // As a process killed between writing and renaming leaves them.
    let ours = dir.join(format!(".a0snap-tmp-{name}.k1ll3d00"));
    let other_key = dir.join(".a0snap-tmp-0123456789abcdef.json.k1ll3d00");
    std::fs::write(&ours, "{}").expect("leftover");
    std::fs::write(&other_key, "{}").expect("other key's file in progress");

    let second = world.a0snap(&["run"]).await;
    assert_eq!(second.code, 0, "{}", second.all_output());
    assert!(!ours.exists(), "left: {:?}", common::list(&dir));
    assert!(other_key.exists(), "another key's file was removed");
    assert_eq!(world.fake.counters().token_requests, 1);
}
