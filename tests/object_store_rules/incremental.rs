//! Incremental logs from pods: every run starts with an empty disk (no state folder, tokens in
//! memory, an empty HOME) and the output in a bucket, so the only checkpoint is the newest
//! delta's meta object.

use std::path::Path;

use serde_json::Value;

use crate::common::s3::S3Server;
use crate::common::{Run, World, config, empty_sizes, run_binary};

const JOB: &str = "every = \"15m\"\nendpoint = \"logs\"\nincremental = true\nparams = { take = 100 }\n[output]\nformat = [\"ndjson\"]\n";

/// Runs `a0snap run` as a fresh pod would: the world's tenant and jobs, the output in the
/// bucket, tokens in memory, no `A0SNAP_STATE_DIR`, and HOME (and the working folder) an
/// empty folder of its own, which must still be empty afterwards.
async fn pod_run(world: &World, s3: &S3Server) -> Run {
    let disk = tempfile::tempdir().expect("the pod's disk");
    let mut env: Vec<(String, String)> = world
        .env()
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "A0SNAP_STATE_DIR" | "HOME" | "A0SNAP_OUTPUT_DIR"
            )
        })
        .collect();
    env.extend(s3.output_env("out"));
    env.push(("A0SNAP_TOKEN_CACHE".into(), "memory".into()));
    env.push(("HOME".into(), disk.path().display().to_string()));
    let run = run_binary(&["run"], &env, disk.path()).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        everything_in(disk.path()),
        Vec::<String>::new(),
        "the pod's disk stays empty"
    );
    run
}

/// Every path below `dir`, folders included.
fn everything_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
        found.push(entry.path().display().to_string());
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            found.extend(everything_in(&entry.path()));
        }
    }
    found
}

/// `(stamp, sequence)` of a stem `logs-{YYYYMMDDTHHMMSSZ}[-N]`: the order snapshots were taken.
fn order(meta_key: &str) -> (String, u64) {
    let stem = meta_key
        .rsplit('/')
        .next()
        .and_then(|name| name.strip_suffix(".meta.json"))
        .and_then(|name| name.strip_prefix("logs-"))
        .unwrap_or_else(|| panic!("a delta's meta object: {meta_key}"));
    match stem.split_once('-') {
        Some((stamp, sequence)) => (stamp.to_owned(), sequence.parse().expect("a sequence")),
        None => (stem.to_owned(), 1),
    }
}

/// The deltas in the bucket, oldest first: each meta object with its NDJSON events.
async fn deltas(s3: &S3Server) -> Vec<(Value, Vec<Value>)> {
    let keys = s3.bucket().keys("out/logs").await;
    let mut metas = super::committed(&keys, "logs");
    metas.sort_by_key(|key| order(key));
    let mut deltas = Vec::new();
    for key in metas {
        let meta: Value =
            serde_json::from_slice(&s3.bucket().read(&key).await).expect("a meta object");
        let data = key.replace(".meta.json", ".ndjson");
        let events = s3
            .bucket()
            .read_string(&data)
            .await
            .lines()
            .map(|line| serde_json::from_str(line).expect("an event"))
            .collect();
        deltas.push((meta, events));
    }
    deltas
}

#[tokio::test(flavor = "multi_thread")]
async fn three_pods_with_empty_disks_export_every_event_once_resuming_from_the_last_deltas_meta() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = World::start(config(fake_auth0::Sizes {
        clients: 3,
        users: 5,
        logs: 230,
        ..empty_sizes()
    }))
    .await;
    world.job("logs", JOB);

    pod_run(&world, &s3).await;
    world.fake.with_tenant(|tenant| tenant.append_logs(57));
    pod_run(&world, &s3).await;
    world.fake.with_tenant(|tenant| tenant.append_logs(141));
    let third = pod_run(&world, &s3).await;
    assert!(third.stdout.contains("141 records"), "{}", third.stdout);
    world.assert_no_secrets(&third.all_output());
    assert_eq!(
        world.fake.counters().token_requests,
        3,
        "one token per pod, none kept between them"
    );

    let deltas = deltas(&s3).await;
    let sizes: Vec<usize> = deltas.iter().map(|(_, events)| events.len()).collect();
    assert_eq!(sizes, [230, 57, 141]);
    let union: Vec<Value> = deltas
        .iter()
        .flat_map(|(_, events)| events.iter().cloned())
        .collect();
    assert_eq!(
        union,
        world.served("logs"),
        "every served event exactly once, in order"
    );
    assert_eq!(
        deltas[0].0["incremental"]["after"],
        Value::Null,
        "{}",
        deltas[0].0
    );
    for pair in deltas.windows(2) {
        let (previous, next) = (&pair[0], &pair[1]);
        assert_eq!(
            next.0["incremental"]["after"], previous.0["incremental"]["last_log_id"],
            "each delta starts after the previous one's last event"
        );
        assert_eq!(
            previous.0["incremental"]["last_log_id"],
            previous.1.last().expect("events")["log_id"]
        );
    }
    // The later pods asked the tenant for events after the store's checkpoint, never from
    // the start again.
    let from_scratch = world.log_walks_from_the_start();
    assert_eq!(from_scratch, 1, "{:?}", world.fake.requests());

    // A quiet pod: nothing new at the tenant, nothing committed.
    let before: Vec<String> = super::committed(&s3.bucket().keys("out/logs").await, "logs");
    let latest_before = s3.bucket().read("out/logs/latest.meta.json").await;
    let quiet = pod_run(&world, &s3).await;
    assert!(quiet.stdout.contains("nothing written"), "{}", quiet.stdout);
    assert_eq!(
        super::committed(&s3.bucket().keys("out/logs").await, "logs"),
        before
    );
    assert_eq!(
        s3.bucket().read("out/logs/latest.meta.json").await,
        latest_before
    );
    let keys = s3.bucket().keys("out/logs").await;
    assert_eq!(
        keys.iter().filter(|key| key.ends_with(".ndjson")).count(),
        4,
        "three deltas and latest.ndjson: {keys:?}"
    );
    assert!(!keys.iter().any(|key| key.ends_with("/.lock")), "{keys:?}");
}
