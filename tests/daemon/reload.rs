//! SIGHUP: the jobs folder is read again; a bad set is refused and the old one keeps running.

use fake_auth0::Sizes;

use super::EVERY_SECOND;
use super::process::Daemon;
use crate::common::{World, config, empty_sizes};

#[tokio::test(flavor = "multi_thread")]
async fn sighup_refuses_a_bad_job_set_keeps_the_old_one_and_loads_a_good_one() {
    let world = World::start(config(Sizes {
        clients: 3,
        roles: 3,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", EVERY_SECOND);
    let daemon = Daemon::daemon(&world, &[]).await;
    daemon
        .wait_until("a first snapshot", || {
            !world.snapshot_files("apps", ".json").is_empty()
        })
        .await;

    world.job(
        "roles",
        "every = \"1s\"\nendpoint = \"roles\"\nformat = \"json\"\n",
    );
    daemon.signal("HUP");
    let refused = daemon.wait_for_log("refused the new job set").await;
    assert!(refused.contains("roles.toml"), "{refused}");
    assert!(refused.contains("ERROR"), "{refused}");
    let count = world.snapshot_files("apps", ".json").len();
    daemon
        .wait_until("two more apps snapshots", || {
            world.snapshot_files("apps", ".json").len() >= count + 2
        })
        .await;

    world.job(
        "roles",
        "every = \"1s\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n",
    );
    daemon.signal("HUP");
    daemon.wait_for_log("reloaded the jobs folder").await;
    daemon
        .wait_until("a roles snapshot", || {
            !world.snapshot_files("roles", ".json").is_empty()
        })
        .await;
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert_eq!(world.fake.counters().token_requests, 1, "{log}");
}
