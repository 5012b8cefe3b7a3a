//! Stopping: SIGTERM lets a run finish within the grace period, aborts it after, and never
//! leaves a partial file; SIGINT stops like SIGTERM; exit codes as the contract says.

use std::time::Duration;

use fake_auth0::{Fault, FaultRule, Sizes};

use super::EVERY_SECOND;
use super::process::Daemon;
use crate::common::{World, config, empty_sizes};

/// 120 clients: three pages of 50.
fn three_pages() -> Sizes {
    Sizes {
        clients: 120,
        ..empty_sizes()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_slow_export_aborts_it_after_the_grace_period_and_keeps_latest() {
    let world = World::start(config(three_pages())).await;
    world.job("apps", EVERY_SECOND);
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let before = world.files("apps");
    let latest = world.read("apps", "latest.json");
    world.fake.reset_counters();
    // The daemon's first page comes at once, so records reach a temporary file; the second
    // page would take a minute.
    world.fake.inject(FaultRule::nth(
        Some("clients"),
        2,
        Fault::Delay(Duration::from_secs(60)),
    ));
    let daemon = Daemon::daemon(&world, &[("A0SNAP_GRACE_PERIOD", "1s")]).await;
    daemon.wait_for_requests(&world, 2).await;
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    println!("DEBUGLOG\n{log}");
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("the grace period ran out"), "{log}");
    assert!(log.contains("job aborted"), "{log}");
    assert_eq!(world.temporary_files("apps"), Vec::<String>::new());
    assert_eq!(world.files("apps"), before, "{log}");
    assert_eq!(world.read("apps", "latest.json"), latest);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aborted_daemon_says_which_jobs_it_aborted_and_how_to_give_them_more_time() {
    let world = World::start(config(three_pages())).await;
    world.job("apps", EVERY_SECOND);
    world.fake.inject(FaultRule::always(
        Some("clients"),
        Fault::Delay(Duration::from_secs(60)),
    ));
    let daemon = Daemon::daemon(&world, &[("A0SNAP_GRACE_PERIOD", "1s")]).await;
    daemon.wait_for_requests(&world, 1).await;
    daemon.signal("INT");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("a0snap: aborted apps when the grace period (1s) ran out"),
        "{log}"
    );
    assert!(log.contains("A0SNAP_GRACE_PERIOD"), "{log}");
    assert!(world.snapshot_files("apps", ".json").is_empty());
    assert_eq!(world.temporary_files("apps"), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_an_export_lets_it_finish_within_the_grace_period_and_exits_0() {
    let world = World::start(config(three_pages())).await;
    world.job("apps", EVERY_SECOND);
    world.fake.inject(FaultRule::nth(
        Some("clients"),
        2,
        Fault::Delay(Duration::from_millis(1_500)),
    ));
    let daemon = Daemon::daemon(&world, &[]).await;
    daemon.wait_for_requests(&world, 2).await;
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("waiting for the running jobs"), "{log}");
    assert_eq!(world.snapshot_files("apps", ".json").len(), 1, "{log}");
    let exported: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("apps", "latest.json")).unwrap();
    assert_eq!(exported.len(), 120);
    assert_eq!(world.temporary_files("apps"), Vec::<String>::new());
    // No run started after the signal.
    assert_eq!(world.fake.counters().api_requests, 3, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_stops_an_idle_daemon_with_exit_code_0() {
    let world = World::start(config(three_pages())).await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let daemon = Daemon::daemon(&world, &[]).await;
    daemon.signal("INT");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("daemon stopped"), "{log}");
    assert_eq!(world.fake.counters().api_requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_job_file_at_start_is_a_configuration_error() {
    let world = World::start(config(three_pages())).await;
    world.job(
        "apps",
        "every = \"soon\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["daemon"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("apps.toml"), "{}", run.stderr);
}
