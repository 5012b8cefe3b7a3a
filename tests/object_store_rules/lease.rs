//! One writer per job in a bucket: the lease object `{prefix}/{job}/.lock`, held by a running
//! process and seen by a second one, left behind by a dead one and taken over once expired.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{a0snap, clients_world, committed, contents, with};
use crate::background::{PATIENCE, Process};
use crate::common::pairs;
use crate::common::s3::S3Server;

const LOCK: &str = "out/clients/.lock";
const BUSY: &str = "another a0snap process is writing this job";

/// Waits until `key` exists in the bucket (fails after [`PATIENCE`] with `process`'s log).
async fn wait_for_object(s3: &S3Server, key: &str, process: &Process) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !s3.bucket().exists(key).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{key} never appeared; the log:\n{}",
            process.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_processes_on_one_job_one_writes_and_the_other_skips_it_while_the_lease_names_the_first()
 {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    // Six pages of two applications, half a second each, one request at a time: the first
    // run lasts about 3 s.
    let world = clients_world(12, Duration::from_millis(500)).await;
    let env = s3.output_env("out");

    let env_a = with(
        with(env.clone(), "HOSTNAME", "pod-a"),
        "A0SNAP_MAX_IN_FLIGHT",
        "1",
    );
    let mut first = Process::start(&world, &["run"], &pairs(&env_a));
    wait_for_object(&s3, LOCK, &first).await;
    first.wait_for_requests(&world, 1).await;
    let lease: Value = serde_json::from_slice(&s3.bucket().read(LOCK).await).expect("JSON");
    assert_eq!(lease["holder"], format!("pod-a:{}", first.pid()), "{lease}");
    assert!(
        lease["token"]
            .as_str()
            .is_some_and(|token| !token.is_empty()),
        "{lease}"
    );
    let ahead = expires_at(&lease).duration_since(Timestamp::now());
    assert!(
        ahead > jiff::SignedDuration::from_secs(4 * 60)
            && ahead <= jiff::SignedDuration::from_secs(5 * 60),
        "the default lease lives 5 minutes: expires in {ahead:?}"
    );

    let second = a0snap(&world, &["run"], &with(env.clone(), "HOSTNAME", "pod-b")).await;
    assert!(first.is_running(), "the first run was still writing");
    assert_eq!(second.code, 0, "{}", second.all_output());
    assert!(
        second.stdout.contains("skipped") && second.stdout.contains(BUSY),
        "{}",
        second.stdout
    );
    assert!(second.stderr.contains(BUSY), "{}", second.stderr);
    let still: Value = serde_json::from_slice(&s3.bucket().read(LOCK).await).expect("JSON");
    assert_eq!(
        still["holder"], lease["holder"],
        "the skipped process left the first one's lease alone"
    );

    let (code, log) = first.exit().await;
    assert_eq!(code, 0, "{log}");
    assert!(
        !s3.bucket().exists(LOCK).await,
        "the lease is released at the end"
    );
    let keys = s3.bucket().keys("out").await;
    assert_eq!(
        committed(&keys, "clients").len(),
        1,
        "one snapshot: {keys:?}"
    );
    let stem = committed(&keys, "clients")[0]
        .trim_end_matches(".meta.json")
        .to_owned();
    assert_eq!(
        keys,
        [
            format!("{stem}.json"),
            format!("{stem}.meta.json"),
            "out/clients/last-run.json".to_owned(),
            "out/clients/latest.json".to_owned(),
            "out/clients/latest.meta.json".to_owned(),
        ]
    );
    let pages = world
        .fake
        .requests()
        .iter()
        .filter(|request| request.starts_with("/api/v2/clients"))
        .count();
    assert_eq!(pages, 6, "only the first process read the tenant");
    let latest: Vec<Value> =
        serde_json::from_slice(&s3.bucket().read("out/clients/latest.json").await).expect("JSON");
    assert_eq!(latest.len(), 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_holders_expired_lease_is_taken_over_and_a_live_one_makes_the_run_skip_the_job() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = clients_world(3, Duration::ZERO).await;
    let env = s3.output_env("out");

    // What a process killed an hour ago leaves: its lease, expired since.
    let dead = json!({
        "holder": "dead-pod:4242",
        "token": "0123456789abcdef",
        "expires_at": Timestamp::now().checked_sub(jiff::SignedDuration::from_secs(3600)).expect("a time").to_string(),
    });
    s3.bucket().put(LOCK, dead.to_string()).await;
    let run = a0snap(&world, &["run"], &env).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let warning = run
        .stderr
        .lines()
        .find(|line| line.contains("taking over an expired lease"))
        .unwrap_or_else(|| panic!("no take-over warning:\n{}", run.stderr));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("dead-pod:4242"), "{warning}");
    assert!(!run.stdout.contains(BUSY), "{}", run.stdout);
    let keys = s3.bucket().keys("out").await;
    assert_eq!(committed(&keys, "clients").len(), 1, "{keys:?}");
    assert!(!s3.bucket().exists(LOCK).await, "released at the end");

    // A lease that is still live: the run skips the job and touches nothing.
    let live = json!({
        "holder": "live-pod:77",
        "token": "fedcba9876543210",
        "expires_at": Timestamp::now().checked_add(jiff::SignedDuration::from_secs(3600)).expect("a time").to_string(),
    })
    .to_string();
    s3.bucket().put(LOCK, live.clone()).await;
    let before = contents(s3.bucket(), "out").await;
    let requests_before = world.fake.requests().len();
    let skipped = a0snap(&world, &["run"], &env).await;
    assert_eq!(skipped.code, 0, "{}", skipped.all_output());
    assert!(
        skipped.stdout.contains("skipped") && skipped.stdout.contains(BUSY),
        "{}",
        skipped.stdout
    );
    assert!(
        !skipped.stderr.contains("taking over"),
        "{}",
        skipped.stderr
    );
    assert_eq!(
        contents(s3.bucket(), "out").await,
        before,
        "no snapshot, no last-run.json, the live lease as it was"
    );
    assert_eq!(s3.bucket().read_string(LOCK).await, live);
    assert_eq!(
        world.fake.requests().len(),
        requests_before,
        "the skipped run read nothing from the tenant"
    );
}

/// The lease object's `expires_at`.
fn expires_at(lease: &Value) -> Timestamp {
    lease["expires_at"]
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("an RFC 3339 expires_at: {lease}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lease_renewed_past_its_ttl_keeps_the_job_and_a_killed_holders_lease_is_taken_over_once_expired()
 {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    // Ten pages, half a second each, one at a time: the first run lasts about 5 s, more than
    // twice its 2 s lease.
    let world = clients_world(20, Duration::from_millis(500)).await;
    let env = with(s3.output_env("out"), "A0SNAP_LEASE_TTL", "2s");
    let env_a = with(
        with(env.clone(), "HOSTNAME", "pod-a"),
        "A0SNAP_MAX_IN_FLIGHT",
        "1",
    );
    let mut first = Process::start(&world, &["run"], &pairs(&env_a));
    wait_for_object(&s3, LOCK, &first).await;
    let taken: Value = serde_json::from_slice(&s3.bucket().read(LOCK).await).expect("JSON");
    assert_eq!(taken["holder"], format!("pod-a:{}", first.pid()));

    // Past the time to live, the holder is still the writer: it renewed its lease.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let busy = a0snap(&world, &["run"], &env).await;
    assert!(first.is_running(), "the first run was still writing");
    assert_eq!(busy.code, 0, "{}", busy.all_output());
    assert!(busy.stdout.contains(BUSY), "{}", busy.stdout);
    let renewed: Value = serde_json::from_slice(&s3.bucket().read(LOCK).await).expect("JSON");
    assert_eq!(renewed["holder"], taken["holder"]);
    assert_eq!(renewed["token"], taken["token"], "the same taking, renewed");
    assert!(
        expires_at(&renewed) > expires_at(&taken) + jiff::SignedDuration::from_secs(1),
        "renewed: {taken} then {renewed}"
    );

    // Killed, it leaves its lease, which still keeps others out until it expires.
    first.signal("KILL");
    let (code, log) = first.exit().await;
    assert_eq!(code, -1, "killed: {log}");
    assert!(!log.contains("\"job finished\""), "killed mid-run: {log}");
    let left: Value = serde_json::from_slice(&s3.bucket().read(LOCK).await).expect("JSON");
    assert_eq!(
        left["holder"], taken["holder"],
        "the dead holder's lease stays"
    );
    // (Unless it is about to lapse, when the run could race its expiry: renewed every
    // two thirds of a second, it has about 1.3 s to 2 s left here.)
    if expires_at(&left) > Timestamp::now() + jiff::SignedDuration::from_millis(500) {
        let early = a0snap(&world, &["run"], &env).await;
        assert_eq!(early.code, 0, "{}", early.all_output());
        assert!(early.stdout.contains(BUSY), "{}", early.stdout);
    }
    while expires_at(&left) >= Timestamp::now() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        committed(&s3.bucket().keys("out").await, "clients").is_empty(),
        "nothing was committed yet"
    );

    let after = a0snap(&world, &["run"], &env).await;
    assert_eq!(after.code, 0, "{}", after.all_output());
    let warning = after
        .stderr
        .lines()
        .find(|line| line.contains("taking over an expired lease"))
        .unwrap_or_else(|| panic!("no take-over warning:\n{}", after.stderr));
    assert!(
        warning.contains(taken["holder"].as_str().expect("a holder")),
        "{warning}"
    );
    let keys = s3.bucket().keys("out").await;
    assert_eq!(committed(&keys, "clients").len(), 1, "{keys:?}");
    assert!(!s3.bucket().exists(LOCK).await, "released at the end");
    let latest: Vec<Value> =
        serde_json::from_slice(&s3.bucket().read("out/clients/latest.json").await).expect("JSON");
    assert_eq!(latest.len(), 20);
}
