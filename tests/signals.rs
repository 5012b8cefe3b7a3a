//! Stop signals sent to the real binary while a job is mid-export against the fake tenant: a
//! repeated SIGTERM (what `timeout` or a process manager signalling the process group delivers)
//! does not shorten the grace period, the third one or SIGQUIT forces the stop and the message
//! says which signal did it; `a0snap run` stops starting jobs and names the aborted and
//! unstarted ones. Nothing partial is ever visible and `latest` stays intact.

use std::time::Duration;

use fake_auth0::{Fault, FaultRule, Sizes};

use crate::background::Process;
use crate::common::{self, World, config, empty_sizes};

/// Exports the clients as JSON every second (in the daemon) or once (with `run`).
const APPS: &str = "every = \"1s\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n";
/// Exports the roles as JSON.
const ROLES: &str = "every = \"1s\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n";

/// 120 clients (three pages of 50) and 30 roles.
fn tenant() -> Sizes {
    Sizes {
        clients: 120,
        roles: 30,
        ..empty_sizes()
    }
}

/// The data files of `job`'s snapshots (not `latest`, not the meta files).
fn snapshots(world: &World, job: &str) -> Vec<String> {
    world
        .files(job)
        .into_iter()
        .filter(|name| {
            name.starts_with(&format!("{job}-"))
                && name.ends_with(".json")
                && !name.ends_with(".meta.json")
        })
        .collect()
}

/// Files a run left half-done anywhere under `out/`: temporary names.
fn temporary_files(world: &World) -> Vec<String> {
    common::list(&world.out_dir())
        .iter()
        .flat_map(|job| world.temporary_files(job))
        .collect()
}

/// Asserts that the `apps` job's folder is as `committed_once` left it: the same files, the
/// same `latest.json`, and no temporary file anywhere.
fn assert_unchanged(world: &World, (before, latest): &(Vec<String>, String), log: &str) {
    assert_eq!(temporary_files(world), Vec::<String>::new(), "{log}");
    assert_eq!(&world.files("apps"), before, "{log}");
    assert_eq!(&world.read("apps", "latest.json"), latest, "{log}");
}

/// The second page of clients takes `delay`, so a job is mid-export when the signals come.
fn slow_second_page(world: &World, delay: Duration) {
    world
        .fake
        .inject(FaultRule::nth(Some("clients"), 2, Fault::Delay(delay)));
}

/// A first `run` so that `latest` exists; returns the files and `latest.json`'s text.
async fn committed_once(world: &World) -> (Vec<String>, String) {
    let run = world.a0snap(&["run", "--job", "apps"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    world.fake.reset_counters();
    (world.files("apps"), world.read("apps", "latest.json"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sigterms_a_few_milliseconds_apart_let_the_daemon_finish_its_run() {
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    slow_second_page(&world, Duration::from_millis(1_500));
    let daemon = Process::start(&world, &["daemon"], &[("A0SNAP_GRACE_PERIOD", "30s")]);
    daemon.wait_for_lines("daemon started", 1).await;
    daemon.wait_for_requests(&world, 2).await;
    // As GNU `timeout` does: the process, then its group.
    daemon.signal("TERM");
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("job aborted"), "{log}");
    assert_eq!(snapshots(&world, "apps").len(), 1, "{log}");
    let exported: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("apps", "latest.json")).unwrap();
    assert_eq!(exported.len(), 120);
    assert_eq!(temporary_files(&world), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_sigterm_is_logged_as_not_shortening_the_grace_period() {
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    slow_second_page(&world, Duration::from_millis(3_000));
    let daemon = Process::start(&world, &["daemon"], &[("A0SNAP_GRACE_PERIOD", "30s")]);
    daemon.wait_for_lines("daemon started", 1).await;
    daemon.wait_for_requests(&world, 2).await;
    daemon.signal("TERM");
    daemon.wait_for_lines("SIGTERM: stopping", 1).await;
    daemon.signal("INT");
    daemon
        .wait_for_lines("SIGINT again (stop signal number 2)", 1)
        .await;
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("the grace period is not shortened"), "{log}");
    assert_eq!(snapshots(&world, "apps").len(), 1, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_third_sigterm_aborts_the_daemon_run_and_the_message_names_it() {
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    let committed = committed_once(&world).await;
    slow_second_page(&world, Duration::from_secs(60));
    let daemon = Process::start(&world, &["daemon"], &[("A0SNAP_GRACE_PERIOD", "1h")]);
    daemon.wait_for_lines("daemon started", 1).await;
    daemon.wait_for_requests(&world, 2).await;
    // Each signal is sent only once the previous one was received: the kernel merges a
    // SIGTERM still pending with the next. "signal received" is the one line per signal (the
    // stop step's own line carries the same signal field).
    for nth in 1..=3 {
        daemon.signal("TERM");
        daemon
            .wait_for_lines("\"signal received\",\"signal\":\"SIGTERM\"", nth)
            .await;
    }
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains(
            "a0snap: aborted apps because stop signal number 3 (SIGTERM) forced the stop before the grace period (1h) ran out"
        ),
        "{log}"
    );
    assert!(!log.contains("the grace period ran out; aborting"), "{log}");
    assert_unchanged(&world, &committed, &log);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigquit_aborts_the_daemon_run_at_once_and_keeps_latest() {
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    let committed = committed_once(&world).await;
    slow_second_page(&world, Duration::from_secs(60));
    let daemon = Process::start(&world, &["daemon"], &[("A0SNAP_GRACE_PERIOD", "1h")]);
    daemon.wait_for_lines("daemon started", 1).await;
    daemon.wait_for_requests(&world, 2).await;
    daemon.signal("QUIT");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("a0snap: aborted apps because SIGQUIT forced the stop"),
        "{log}"
    );
    assert!(
        log.contains("job aborted: SIGQUIT forced the stop"),
        "{log}"
    );
    assert_unchanged(&world, &committed, &log);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_run_lets_the_running_job_finish_and_names_the_unstarted_one() {
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS).job("roles", ROLES);
    slow_second_page(&world, Duration::from_millis(1_500));
    // One job at a time, in name order: apps runs, roles waits.
    let run = Process::start(&world, &["run"], &[("A0SNAP_JOB_CONCURRENCY", "1")]);
    run.wait_for_requests(&world, 2).await;
    run.signal("TERM");
    run.signal("TERM");
    let (code, log) = run.exit().await;
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("a0snap: stopped by SIGTERM; did not start roles; run them again"),
        "{log}"
    );
    let exported: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("apps", "latest.json")).unwrap();
    assert_eq!(exported.len(), 120, "{log}");
    assert!(world.files("roles").is_empty(), "{log}");
    assert_eq!(temporary_files(&world), Vec::<String>::new());
    // No roles request: nothing started after the signal.
    assert_eq!(world.fake.counters().api_requests, 3, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_run_aborts_a_job_still_going_after_the_grace_period_and_keeps_latest() {
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    let committed = committed_once(&world).await;
    slow_second_page(&world, Duration::from_secs(60));
    let run = Process::start(&world, &["run"], &[("A0SNAP_GRACE_PERIOD", "1s")]);
    run.wait_for_requests(&world, 2).await;
    run.signal("TERM");
    let (code, log) = run.exit().await;
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("a0snap: stopped by SIGTERM; aborted apps when the grace period (1s) ran out"),
        "{log}"
    );
    assert_unchanged(&world, &committed, &log);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigquit_during_run_aborts_at_once_and_names_sigquit() {
    let world = World::start(config(tenant())).await;
    world.job("apps", APPS);
    slow_second_page(&world, Duration::from_secs(60));
    let run = Process::start(&world, &["run"], &[("A0SNAP_GRACE_PERIOD", "1h")]);
    run.wait_for_requests(&world, 2).await;
    run.signal("QUIT");
    let (code, log) = run.exit().await;
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains(
            "a0snap: stopped by SIGQUIT; aborted apps because SIGQUIT forced the stop before the grace period (1h) ran out"
        ),
        "{log}"
    );
    assert!(snapshots(&world, "apps").is_empty(), "{log}");
    assert_eq!(temporary_files(&world), Vec::<String>::new());
}
