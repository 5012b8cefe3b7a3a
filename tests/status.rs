//! `a0snap status`: exit codes for fresh, stale, failed and never-run jobs, `--format json`,
//! configuration errors, and the `last-run.json` trace a failed run leaves beside untouched
//! snapshots.

use fake_auth0::{Fault, FaultRule, Sizes};

use crate::common::{World, config, empty_sizes};

fn tenant() -> Sizes {
    Sizes {
        clients: 3,
        roles: 2,
        ..empty_sizes()
    }
}

#[tokio::test]
async fn a_fresh_job_is_ok_and_status_exits_0() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    world.run_ok().await;
    let status = world.a0snap(&["status"]).await;
    assert_eq!(status.code, 0, "{}", status.all_output());
    let line = status.stdout.lines().next().unwrap_or_default();
    assert!(line.starts_with("apps  ok"), "{}", status.stdout);
    assert!(line.contains("3 records"), "{line}");
    assert!(line.contains("last run succeeded"), "{line}");
    assert!(
        status.stdout.contains("1 job: 1 ok, 0 not ok"),
        "{}",
        status.stdout
    );
}

#[tokio::test]
async fn a_job_never_run_is_not_ok_and_status_exits_1() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    let status = world.a0snap(&["status"]).await;
    assert_eq!(status.code, 1, "{}", status.all_output());
    assert!(status.stdout.contains("NEVER RUN"), "{}", status.stdout);
    assert!(
        status.stdout.contains("no successful snapshot"),
        "{}",
        status.stdout
    );
    assert!(status.stderr.trim().is_empty(), "{}", status.stderr);
}

#[tokio::test]
async fn a_job_without_a_success_within_two_periods_is_stale() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1s\"\n");
    world.run_ok().await;
    // Two periods of one second pass without a run.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let status = world.a0snap(&["status"]).await;
    assert_eq!(status.code, 1, "{}", status.all_output());
    assert!(status.stdout.contains("STALE"), "{}", status.stdout);
    assert!(
        status.stdout.contains("nothing newer than 2s"),
        "{}",
        status.stdout
    );
    // A longer limit on the command line makes the same job ok.
    let relaxed = world.a0snap(&["status", "--stale-after", "1h"]).await;
    assert_eq!(relaxed.code, 0, "{}", relaxed.all_output());
}

#[tokio::test]
async fn a_failed_run_leaves_its_error_in_last_run_json_and_never_touches_the_snapshots() {
    let world = World::start(config(tenant())).await;
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    world.run_ok().await;
    let before = world.files("roles");
    let latest = world.read("roles", "latest.json");
    world
        .fake
        .inject(FaultRule::always(Some("roles"), Fault::Status(403)));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());

    assert_eq!(world.files("roles"), before, "no file appeared or went");
    assert_eq!(world.read("roles", "latest.json"), latest);
    let trace: serde_json::Value =
        serde_json::from_str(&world.read("roles", "last-run.json")).expect("JSON");
    assert_eq!(trace["outcome"], "failure");
    assert_eq!(trace["job"], "roles");
    assert_eq!(trace["snapshot"], serde_json::Value::Null);
    let error = trace["error"].as_str().expect("an error message");
    assert!(error.contains("403"), "{error}");
    assert!(trace["started"].as_str().is_some() && trace["finished"].as_str().is_some());

    let status = world.a0snap(&["status"]).await;
    assert_eq!(status.code, 1, "{}", status.all_output());
    assert!(status.stdout.contains("FAILED"), "{}", status.stdout);
    assert!(status.stdout.contains(error), "{}", status.stdout);
    assert!(status.stdout.contains("2 records"), "{}", status.stdout);
    world.assert_no_secrets(&status.all_output());
}

#[tokio::test]
async fn the_json_format_gives_each_job_its_status_last_success_and_last_run() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nschedule = \"0 * * * *\"\n");
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    let run = world.a0snap(&["run", "--job", "apps"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let status = world.a0snap(&["status", "--format", "json"]).await;
    assert_eq!(status.code, 1, "{}", status.all_output());
    let doc: serde_json::Value = serde_json::from_str(&status.stdout).expect("one JSON document");
    assert_eq!(doc["ok"], false);
    let apps = &doc["jobs"][0];
    assert_eq!(apps["job"], "apps");
    assert_eq!(apps["status"], "ok");
    assert_eq!(apps["stale"], false);
    // An hourly cron schedule: stale after two hours.
    assert_eq!(apps["stale_after_seconds"], 7200);
    assert_eq!(apps["last_success"]["records"], 3);
    assert!(apps["last_success"]["age_seconds"].as_u64().is_some());
    assert_eq!(apps["last_run"]["outcome"], "success");
    assert_eq!(apps["last_run"]["records"], 3);
    assert_eq!(apps["last_run"]["pages"], 1);
    let roles = &doc["jobs"][1];
    assert_eq!(roles["status"], "never_run");
    assert_eq!(roles["last_success"], serde_json::Value::Null);
    assert_eq!(roles["last_run"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_bad_stale_after_or_jobs_folder_is_a_configuration_error_exiting_2() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    let bad = world.a0snap(&["status", "--stale-after", "soon"]).await;
    assert_eq!(bad.code, 2, "{}", bad.all_output());
    assert!(bad.stderr.contains("--stale-after"), "{}", bad.stderr);
    world.job("broken", "endpoint = \"nothing-like-it\"\n");
    let broken = world.a0snap(&["status"]).await;
    assert_eq!(broken.code, 2, "{}", broken.all_output());
    assert!(broken.stderr.contains("broken"), "{}", broken.stderr);
}

#[tokio::test]
async fn retention_never_removes_last_run_json() {
    let world = World::start(config(tenant())).await;
    world.job(
        "apps",
        "endpoint = \"clients\"\nevery = \"1h\"\n[output]\nkeep = 1\n",
    );
    for _ in 0..3 {
        world.run_ok().await;
    }
    assert_eq!(world.snapshot_files("apps", ".json").len(), 1);
    assert!(world.files("apps").contains(&"last-run.json".to_owned()));
}
