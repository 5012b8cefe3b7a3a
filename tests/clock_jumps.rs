//! Wall-clock steps seen by the real binary: each run is started under `faketime` (Debian
//! package `faketime`, which `.ci/run` installs) with its wall clock moved and its monotonic
//! clock left alone (`FAKETIME_DONT_FAKE_MONOTONIC=1`), as an NTP step or a resumed VM does.
//! A cached token is renewed after a step either way; a step back never overwrites a snapshot
//! and `latest` always names the snapshot committed last. The daemon runs with libfaketime
//! preloaded and reading its offset from a file the test rewrites, so its wall clock steps
//! while it runs: one catch-up run after a forward step, no stall after a backward one.
//! Without `faketime` every test prints why and passes without checking anything.

use std::path::Path;
use std::time::Duration;

use fake_auth0::Sizes;

use crate::background::Process;
use crate::common::{self, Run, World, config, empty_sizes};

/// Exports the clients as JSON.
const APPS: &str = "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n";

fn tenant() -> Sizes {
    Sizes {
        clients: 120,
        ..empty_sizes()
    }
}

/// Whether `faketime` can be run; says so on stdout when it cannot.
fn faketime_present(test: &str) -> bool {
    let found = std::process::Command::new("faketime")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        println!(
            "SKIPPED {test}: `faketime` is not installed (apt-get install -y faketime); the wall-clock jump is not tested here"
        );
    }
    found
}

/// Runs `a0snap run` under `faketime -f SPEC` (`+2h`, `-2h`, `@2026-01-01 00:00:00`).
async fn run_at(world: &World, spec: &str) -> Run {
    let output = tokio::process::Command::new("faketime")
        .args(["-f", spec, env!("CARGO_BIN_EXE_a0snap"), "run"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .envs(world.env())
        .current_dir(world.dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("faketime runs a0snap");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The stems of `job`'s snapshots, sorted by name.
fn stems(world: &World, job: &str) -> Vec<String> {
    let mut stems: Vec<String> = world
        .files(job)
        .into_iter()
        .filter_map(|name| name.strip_suffix(".meta.json").map(str::to_owned))
        .filter(|stem| stem != "latest")
        .collect();
    stems.sort();
    stems
}

/// The stem `latest.meta.json` names, checked against `latest.json`'s bytes.
fn latest_stem(world: &World, job: &str) -> String {
    let meta: serde_json::Value =
        serde_json::from_str(&world.read(job, "latest.meta.json")).expect("latest meta parses");
    let name = meta["files"][0]["name"]
        .as_str()
        .expect("latest meta names its file")
        .to_owned();
    assert_eq!(
        world.read(job, "latest.json"),
        world.read(job, &name),
        "latest.json is not the file latest.meta.json names"
    );
    name.strip_suffix(".json").expect("a json file").to_owned()
}

fn assert_ok(run: &Run) {
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_cached_before_a_two_hour_forward_step_is_renewed_not_used() {
    if !faketime_present("a_token_cached_before_a_two_hour_forward_step_is_renewed_not_used") {
        return;
    }
    let mut tenant = config(tenant());
    tenant.token_lifetime = Duration::from_secs(3_600);
    let world = World::start(tenant).await;
    world.job("apps", APPS);
    assert_ok(&world.a0snap(&["run"]).await);
    assert_eq!(world.fake.counters().token_requests, 1);
    world.fake.reset_counters();
    // The token file says it expires in an hour; two hours later by the wall clock it is gone.
    assert_ok(&run_at(&world, "+2h").await);
    assert_eq!(
        world.fake.counters().token_requests,
        1,
        "the cached token was used"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_cached_before_a_two_hour_backward_step_is_renewed_not_trusted() {
    if !faketime_present("a_token_cached_before_a_two_hour_backward_step_is_renewed_not_trusted") {
        return;
    }
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    assert_ok(&world.a0snap(&["run"]).await);
    world.fake.reset_counters();
    assert_ok(&run_at(&world, "-2h").await);
    assert_eq!(
        world.fake.counters().token_requests,
        1,
        "the cached token was trusted"
    );
    // The token issued on the stepped-back clock is good for the next run at the same time.
    world.fake.reset_counters();
    assert_ok(&run_at(&world, "-2h").await);
    assert_eq!(world.fake.counters().token_requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backward_step_adds_a_snapshot_and_latest_names_the_one_committed_last() {
    if !faketime_present("a_backward_step_adds_a_snapshot_and_latest_names_the_one_committed_last")
    {
        return;
    }
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    assert_ok(&world.a0snap(&["run"]).await);
    let first = stems(&world, "apps");
    assert_eq!(first.len(), 1);
    let first_data = world.read("apps", &format!("{}.json", first[0]));
    let stepped = run_at(&world, "-2h").await;
    assert_ok(&stepped);
    let after = stems(&world, "apps");
    assert_eq!(after.len(), 2, "{after:?}");
    let newest = after
        .iter()
        .find(|stem| **stem != first[0])
        .expect("a new stem");
    assert!(
        newest < &first[0],
        "the new name should sort first on a stepped-back clock: {after:?}"
    );
    assert_eq!(latest_stem(&world, "apps"), *newest);
    assert_eq!(
        world.read("apps", &format!("{}.json", first[0])),
        first_data,
        "the older snapshot was touched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_at_the_same_wall_second_never_overwrite_each_other() {
    if !faketime_present("runs_at_the_same_wall_second_never_overwrite_each_other") {
        return;
    }
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    // Each run starts at the same wall second, its clock slowed a hundredfold so that the
    // run stays within it.
    for _ in 0..3 {
        assert_ok(&run_at(&world, "@2026-01-01 00:00:00 x0.01").await);
    }
    assert_eq!(
        stems(&world, "apps"),
        [
            "apps-20260101T000000Z",
            "apps-20260101T000000Z-2",
            "apps-20260101T000000Z-3"
        ]
    );
    assert_eq!(latest_stem(&world, "apps"), "apps-20260101T000000Z-3");
    assert!(
        !common::list(&world.out_dir().join("apps"))
            .iter()
            .any(|name| name.starts_with(".a0snap-tmp-")),
        "a temporary file was left"
    );
}

/// Debian's thread-safe libfaketime, preloaded by hand so the offset can come from a file.
fn libfaketime() -> Option<std::path::PathBuf> {
    let lib = std::fs::read_dir("/usr/lib")
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("faketime/libfaketimeMT.so.1"))
        .chain([std::path::PathBuf::from(
            "/usr/lib/faketime/libfaketimeMT.so.1",
        )])
        .find(|path| path.is_file());
    if lib.is_none() {
        println!(
            "SKIPPED: libfaketimeMT.so.1 not found; the daemon's clock steps are not tested here"
        );
    }
    lib
}

/// Starts the daemon with its wall clock at the offset in `offset_file` (re-read at every
/// look, the monotonic clock left alone).
async fn daemon_with_steppable_clock(world: &World, lib: &Path, offset_file: &Path) -> Process {
    std::fs::write(offset_file, "+0\n").expect("offset file");
    let daemon = Process::start(
        world,
        &["daemon"],
        &[
            ("LD_PRELOAD", &lib.display().to_string()),
            (
                "FAKETIME_TIMESTAMP_FILE",
                &offset_file.display().to_string(),
            ),
            ("FAKETIME_NO_CACHE", "1"),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
        ],
    );
    daemon.wait_for_lines("daemon started", 1).await;
    daemon
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_forward_step_the_daemon_runs_each_job_once_not_every_missed_time() {
    if !faketime_present("after_a_forward_step_the_daemon_runs_each_job_once_not_every_missed_time")
    {
        return;
    }
    let Some(lib) = libfaketime() else { return };
    let world = World::start(config(tenant())).await;
    world.job(
        "apps",
        "every = \"10m\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let offset = world.dir.path().join("faketime.rc");
    let daemon = daemon_with_steppable_clock(&world, &lib, &offset).await;
    // Two hours on: twelve fire times passed; the alarm still sleeps its ten minutes.
    std::fs::write(&offset, "+2h\n").expect("offset file");
    daemon
        .wait_for_lines("the wall clock stepped forward by", 1)
        .await;
    daemon.wait_for_lines("job finished", 1).await;
    // Give a burst every chance to show (three clock checks), then stop.
    tokio::time::sleep(Duration::from_secs(3)).await;
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert_eq!(log.matches("\"job started\"").count(), 1, "{log}");
    assert_eq!(stems(&world, "apps").len(), 1, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_backward_step_the_daemon_keeps_its_period_instead_of_stalling() {
    if !faketime_present("after_a_backward_step_the_daemon_keeps_its_period_instead_of_stalling") {
        return;
    }
    let Some(lib) = libfaketime() else { return };
    let world = World::start(config(tenant())).await;
    world.job(
        "apps",
        "every = \"1s\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let offset = world.dir.path().join("faketime.rc");
    let daemon = daemon_with_steppable_clock(&world, &lib, &offset).await;
    daemon.wait_for_lines("job finished", 1).await;
    std::fs::write(&offset, "-2h\n").expect("offset file");
    daemon
        .wait_for_lines("the wall clock stepped back by", 1)
        .await;
    // Two more runs, a second apart on the stepped-back clock, not two hours.
    daemon.wait_for_lines("job finished", 3).await;
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    let stems = stems(&world, "apps");
    assert!(stems.len() >= 3, "{stems:?}\n{log}");
    // `latest` names the snapshot committed last, though an earlier one's name sorts after it.
    let last_committed = log
        .lines()
        .filter(|line| line.contains("\"job finished\""))
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|line| line["snapshot"].as_str().map(str::to_owned))
        .next_back()
        .expect("a finished run names its snapshot");
    assert_eq!(latest_stem(&world, "apps"), last_committed, "{log}");
    assert_ne!(stems.last(), Some(&last_committed), "{stems:?}");
}
