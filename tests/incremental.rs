//! Incremental log exports against the fake tenant: runs with new events between them export
//! each event once, a failed run keeps the checkpoint, a rejected checkpoint says how to reset
//! it, and `since` bounds the first run.

use crate::common;

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use common::{Run, World, config, empty_sizes};
use fake_auth0::{Fault, FaultRule, Sizes};
use serde_json::Value;

const JOB: &str = "every = \"1h\"\nendpoint = \"logs\"\nincremental = true\nparams = { take = 100 }\n[output]\nformat = [\"ndjson\", \"json\"]\n";

async fn logs_world(events: usize) -> World {
    let world = World::start(config(Sizes {
        clients: 3,
        users: 5,
        logs: events,
        ..empty_sizes()
    }))
    .await;
    world.job("logs", JOB);
    world
}

/// The NDJSON snapshot a successful run names in its summary line.
fn written_events(run: &Run) -> Vec<Value> {
    let path = run
        .stdout
        .split([' ', ',', '\n'])
        .find(|word| word.ends_with(".ndjson"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no ndjson file in the summary:\n{}", run.stdout));
    std::fs::read_to_string(&path)
        .expect("snapshot")
        .lines()
        .map(|line| serde_json::from_str(line).expect("an event"))
        .collect()
}

/// The job's one checkpoint file, `state/checkpoints/logs-{key}.json`.
fn checkpoint_path(world: &World) -> PathBuf {
    let dir = world.state_dir().join("checkpoints");
    let names: Vec<String> = common::list(&dir)
        .into_iter()
        .filter(|name| name.starts_with("logs-") && name.ends_with(".json"))
        .collect();
    assert_eq!(names.len(), 1, "one checkpoint: {names:?}");
    dir.join(&names[0])
}

#[tokio::test(flavor = "multi_thread")]
async fn three_runs_with_new_events_between_them_export_the_served_log_once() {
    let world = logs_world(230).await;
    let mut exported = written_events(&world.run_ok().await);
    assert_eq!(exported.len(), 230);
    world.fake.with_tenant(|tenant| tenant.append_logs(57));
    exported.extend(written_events(&world.run_ok().await));
    world.fake.with_tenant(|tenant| tenant.append_logs(141));
    let third = world.run_ok().await;
    exported.extend(written_events(&third));

    assert_eq!(
        exported,
        world.served("logs"),
        "the union is the served log, in order"
    );
    let ids: HashSet<&str> = exported
        .iter()
        .filter_map(|e| e["log_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 428, "no event twice");
    assert!(third.stdout.contains("141 records"), "{}", third.stdout);
    // Each later run starts after the checkpoint: no request without `from` after the first run.
    let from_scratch = world.log_walks_from_the_start();
    assert_eq!(from_scratch, 1);
    let latest: Vec<Value> =
        serde_json::from_str(&world.read("logs", "latest.json")).expect("json");
    assert_eq!(latest.len(), 141, "latest is the newest delta");
    let checkpoint: Value = serde_json::from_str(
        &std::fs::read_to_string(checkpoint_path(&world)).expect("checkpoint"),
    )
    .expect("json");
    assert_eq!(checkpoint["log_id"], exported[427]["log_id"]);
    let mode = std::fs::metadata(checkpoint_path(&world))
        .expect("checkpoint")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    world.assert_no_secrets(&third.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_off_run_into_another_folder_does_not_move_the_daemons_checkpoint() {
    let world = logs_world(80).await;
    assert_eq!(written_events(&world.run_ok().await).len(), 80);
    world.fake.with_tenant(|tenant| tenant.append_logs(30));
    let elsewhere = world.dir.path().join("one-off");
    let elsewhere_arg = elsewhere.display().to_string();
    let one_off = world
        .a0snap(&["run", "--out", &elsewhere_arg, "--job", "logs"])
        .await;
    assert_eq!(one_off.code, 0, "{}", one_off.all_output());
    assert_eq!(
        written_events(&one_off),
        world.served("logs"),
        "a folder of its own starts afresh"
    );

    let daemon_side = written_events(&world.run_ok().await);
    assert_eq!(
        daemon_side,
        world.served("logs")[80..].to_vec(),
        "the usual folder still gets the events after its own last run"
    );
    let checkpoints = common::list(&world.state_dir().join("checkpoints"));
    assert_eq!(checkpoints.len(), 2, "{checkpoints:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_without_new_events_commits_nothing_and_says_so() {
    let world = logs_world(40).await;
    world.run_ok().await;
    let before = std::fs::read(checkpoint_path(&world)).expect("checkpoint");
    let files_before = world.files("logs");
    let latest_before = world.read("logs", "latest.json");
    let run = world.run_ok().await;
    assert!(
        run.stdout
            .contains("0 records, no new events since the last run, 1 page, ")
            && run.stdout.contains("-> nothing written"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("nothing written, latest and the checkpoint unchanged"),
        "{}",
        run.stderr
    );
    assert_eq!(
        world.files("logs"),
        files_before,
        "no data file, no meta file"
    );
    assert_eq!(world.read("logs", "latest.json"), latest_before);
    assert_eq!(
        std::fs::read(checkpoint_path(&world)).expect("checkpoint"),
        before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_run_does_not_advance_the_checkpoint_and_the_next_run_catches_up() {
    let world = logs_world(120).await;
    world.run_ok().await;
    let before = std::fs::read(checkpoint_path(&world)).expect("checkpoint");
    let files_before = world.files("logs");
    world.fake.with_tenant(|tenant| tenant.append_logs(250));
    world
        .fake
        // Not a 403: a 403 to the cached token is renewed and retried (tests/tokens.rs).
        .inject(FaultRule::nth(Some("/api/v2/logs"), 2, Fault::Status(404)));

    let failed = world.a0snap(&["run"]).await;
    assert_eq!(failed.code, 1, "{}", failed.all_output());
    assert_eq!(
        std::fs::read(checkpoint_path(&world)).expect("checkpoint"),
        before
    );
    assert_eq!(world.files("logs"), files_before, "nothing new is visible");

    world.fake.clear_faults();
    let caught_up = written_events(&world.run_ok().await);
    assert_eq!(caught_up, world.served("logs")[120..].to_vec());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_the_api_no_longer_accepts_names_the_file_to_delete() {
    let world = logs_world(60).await;
    world.run_ok().await;
    let checkpoint: Value = serde_json::from_str(
        &std::fs::read_to_string(checkpoint_path(&world)).expect("checkpoint"),
    )
    .expect("json");
    let log_id = checkpoint["log_id"].as_str().expect("log id").to_owned();
    // The event passed the tenant's retention: the API no longer knows it.
    assert!(
        world
            .fake
            .with_tenant(|tenant| tenant.remove("logs", &log_id))
    );

    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    let path = checkpoint_path(&world).display().to_string();
    assert!(
        run.stdout
            .contains("no longer accepts the checkpoint of job logs")
            && run.stdout.contains(&log_id)
            && run
                .stdout
                .contains(&format!("delete {path} and run the job again")),
        "{}",
        run.stdout
    );

    std::fs::remove_file(checkpoint_path(&world)).expect("reset");
    let restarted = written_events(&world.run_ok().await);
    assert_eq!(
        restarted,
        world.served("logs"),
        "a reset starts from the oldest event held"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn since_leaves_out_older_events_on_the_first_run_only() {
    let world = logs_world(150).await;
    let served = world.served("logs");
    let since = served[100]["date"].as_str().expect("date").to_owned();
    world.job(
        "logs",
        &JOB.replace("[output]", &format!("since = \"{since}\"\n[output]")),
    );

    let first = world.run_ok().await;
    let kept: Vec<Value> = served
        .iter()
        .filter(|event| event["date"].as_str() >= Some(since.as_str()))
        .cloned()
        .collect();
    assert_eq!(written_events(&first), kept);
    assert!(kept.len() < served.len());
    let meta: Value = serde_json::from_str(&world.read("logs", "latest.meta.json")).expect("meta");
    assert_eq!(
        meta["incremental"]["skipped_before_since"],
        served.len() - kept.len()
    );

    world.fake.with_tenant(|tenant| tenant.append_logs(10));
    let second = world.run_ok().await;
    assert_eq!(
        written_events(&second),
        world.served("logs")[150..].to_vec()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_left_half_written_is_swept_by_the_next_run_and_other_jobs_are_kept() {
    let world = logs_world(5).await;
    world.run_ok().await;
    let checkpoint = checkpoint_path(&world);
    let dir = checkpoint.parent().expect("checkpoints").to_owned();
    let name = checkpoint
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    // As a run killed between staging the checkpoint and committing its snapshot leaves it.
    let ours = dir.join(format!(".a0snap-tmp-{name}.k1ll3d00"));
    let other_job = dir.join(".a0snap-tmp-audit-0123456789ab.json.k1ll3d00");
    std::fs::write(&ours, "{}").expect("leftover");
    std::fs::write(&other_job, "{}").expect("other job's checkpoint in progress");

    world.run_ok().await;
    assert!(!ours.exists(), "left: {:?}", common::list(&dir));
    assert!(other_job.exists(), "another job's checkpoint was removed");
}
