//! Runs on schedule: snapshots keep coming with one token, and a slow job never overlaps.

use std::time::Duration;

use super::EVERY_SECOND;
use super::process::Daemon;
use crate::common::{World, config, empty_sizes};
use fake_auth0::Sizes;

#[tokio::test(flavor = "multi_thread")]
async fn a_job_every_second_writes_a_snapshot_each_second_with_one_token_request() {
    let world = World::start(config(Sizes {
        clients: 3,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", EVERY_SECOND);
    let daemon = Daemon::daemon(&world, &[]).await;
    daemon
        .wait_until("four snapshots", || {
            world.snapshot_files("apps", ".json").len() >= 4
        })
        .await;
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert!(world.snapshot_files("apps", ".json").len() >= 4);
    assert_eq!(world.read("apps", "latest.json"), {
        let newest = world.snapshot_files("apps", ".json").pop().unwrap();
        world.read("apps", &newest)
    });
    assert_eq!(world.fake.counters().token_requests, 1, "{log}");
    world.assert_no_secrets(&log);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_slower_than_its_interval_never_runs_twice_at_once_and_its_skips_are_logged() {
    let mut config = config(Sizes {
        clients: 3,
        ..empty_sizes()
    });
    // Each run is one page that takes 1.5 s: longer than the 1 s period.
    config.latency = Duration::from_millis(1_500);
    let world = World::start(config).await;
    world.job("apps", EVERY_SECOND);
    let daemon = Daemon::daemon(&world, &[]).await;
    daemon.wait_for_lines("this run is skipped", 2).await;
    daemon.wait_for_lines("job finished", 2).await;
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    let counters = world.fake.counters();
    // One run is one request at a time; two runs at once would have made two.
    assert_eq!(counters.max_in_flight, 1, "{log}");
    let skip = log
        .lines()
        .find(|line| line.contains("this run is skipped"))
        .unwrap();
    assert!(skip.contains("skipped"), "{skip}");
    assert!(skip.contains("\"job\":\"apps\""), "{skip}");
    assert!(skip.contains("WARN"), "{skip}");
    assert!(world.snapshot_files("apps", ".json").len() >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_job_does_not_hold_back_a_fast_one() {
    let world = World::start(config(Sizes {
        clients: 3,
        roles: 3,
        ..empty_sizes()
    }))
    .await;
    world.fake.inject(fake_auth0::FaultRule::always(
        Some("clients"),
        fake_auth0::Fault::Delay(Duration::from_secs(4)),
    ));
    world.job("slow", EVERY_SECOND).job(
        "fast",
        "every = \"1s\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n",
    );
    let daemon = Daemon::daemon(&world, &[]).await;
    daemon
        .wait_until("three fast snapshots", || {
            world.snapshot_files("fast", ".json").len() >= 3
        })
        .await;
    assert!(world.snapshot_files("slow", ".json").is_empty());
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
}
