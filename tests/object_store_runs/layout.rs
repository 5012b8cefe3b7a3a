//! S3: a full export in every format, a failed run, and a run killed with SIGKILL while its
//! upload is under way.

use std::time::{Duration, Instant};

use fake_auth0::{Config, Fault, FaultRule, Sizes};

use super::{
    Expected, assert_complete_export, assert_only_complete_snapshots, assert_snapshot_complete,
    latest, names,
};
use crate::common::s3::S3Server;
use crate::common::{World, config, empty_sizes, pairs};

const APPS: &str = "every = \"1h\"\nendpoint = \"clients\"\nparams = { per_page = 5 }\n[output]\nformat = [\"json\", \"ndjson\", \"csv\"]\ncolumns = [\"client_id\", \"name\", \"app_type\"]\n";
const PEOPLE: &str = "every = \"1h\"\nendpoint = \"users\"\n[output]\nformat = \"ndjson\"\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_full_export_in_every_format_lands_in_the_bucket_with_the_folder_layout() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = World::start(config(Sizes {
        clients: 12,
        users: 30,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", APPS).job("people", PEOPLE);
    let env = s3.output_env("snapshots");

    let run = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.contains("2 jobs: 2 succeeded"), "{}", run.stdout);
    let bucket = s3.bucket();
    assert_complete_export(
        bucket,
        "snapshots",
        &Expected {
            job: "apps",
            formats: &["csv", "json", "ndjson"],
            records: &world.served("clients"),
            columns: &["client_id", "name", "app_type"],
        },
    )
    .await;
    assert_complete_export(
        bucket,
        "snapshots",
        &Expected {
            job: "people",
            formats: &["ndjson"],
            records: &world.served("users"),
            columns: &[],
        },
    )
    .await;
    // Nothing outside the prefix, nothing in the local output folder.
    for key in bucket.keys("").await {
        assert!(key.starts_with("snapshots/"), "{key}");
    }
    assert!(world.files("apps").is_empty(), "{:?}", world.files("apps"));
    assert_eq!(s3.multipart_uploads("").await, []);
    world.assert_no_secrets(&run.all_output());
    assert!(
        !run.all_output().contains(&s3.admin().secret_access_key),
        "the AWS secret key leaked"
    );

    let status = world.a0snap_with(&["status"], &pairs(&env)).await;
    assert_eq!(status.code, 0, "{}", status.all_output());
    for job in ["apps", "people"] {
        let line = status
            .stdout
            .lines()
            .find(|line| line.starts_with(job))
            .unwrap_or_else(|| panic!("no {job} line in:\n{}", status.stdout));
        assert!(line.contains(" ok"), "{line}");
    }
    assert!(
        status.stdout.contains("2 jobs: 2 ok, 0 not ok"),
        "{}",
        status.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_run_keeps_latest_and_the_older_snapshot_and_the_next_run_leaves_no_orphan() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = World::start(config(Sizes {
        clients: 12,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", APPS);
    let env = s3.output_env("out");
    let bucket = s3.bucket();
    let first = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    let (old_stem, _) = latest(bucket, "out", "apps").await;
    let before: Vec<(String, bytes::Bytes)> = {
        let mut objects = Vec::new();
        for name in names(bucket, "out", "apps").await {
            if name != "last-run.json" {
                let body = bucket.read(&format!("out/apps/{name}")).await;
                objects.push((name, body));
            }
        }
        objects
    };

    // Every clients request after the first fails for good: by then the uploads have begun.
    world.fake.inject(FaultRule {
        times: u64::MAX,
        ..FaultRule::nth(Some("clients"), 2, Fault::Status(500))
    });
    let failed = world
        .a0snap_with(
            &["run"],
            &[pairs(&env), vec![("A0SNAP_MAX_RETRIES", "1")]].concat(),
        )
        .await;
    assert_eq!(failed.code, 1, "{}", failed.all_output());
    assert!(failed.stdout.contains("apps  FAILED"), "{}", failed.stdout);
    for (name, body) in &before {
        assert_eq!(
            &bucket.read(&format!("out/apps/{name}")).await,
            body,
            "{name} changed after a failed run"
        );
    }
    let mut after: Vec<String> = names(bucket, "out", "apps").await;
    after.retain(|name| name != "last-run.json");
    let unchanged: Vec<String> = before.iter().map(|(name, _)| name.clone()).collect();
    assert_eq!(after, unchanged, "the failed run left objects behind");
    assert_eq!(
        s3.multipart_uploads("out/").await,
        [],
        "an upload was not aborted"
    );
    let last_run = super::read_json(bucket, "out", "apps", "last-run.json").await;
    assert_eq!(last_run["outcome"], "failure", "{last_run}");

    world.fake.clear_faults();
    let next = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(next.code, 0, "{}", next.all_output());
    let stems = assert_only_complete_snapshots(bucket, "out", "apps").await;
    let (new_stem, _) = latest(bucket, "out", "apps").await;
    assert_eq!(stems.len(), 2, "{stems:?}");
    assert!(
        stems.contains(&old_stem) && stems.contains(&new_stem),
        "{stems:?}"
    );
    assert_ne!(old_stem, new_stem);
    assert_eq!(s3.multipart_uploads("").await, []);
    assert!(!bucket.exists("out/apps/.lock").await);
}

/// A logs job slow enough (25 pages, 30 ms each) that its upload is under way for most of a
/// second.
fn slow_logs_tenant() -> Config {
    Config {
        latency: Duration::from_millis(30),
        ..config(Sizes {
            logs: 2500,
            ..empty_sizes()
        })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_mid_upload_leaves_no_partial_snapshot_and_the_next_run_sweeps_its_orphans() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = World::start(slow_logs_tenant()).await;
    world.job(
        "logs",
        "every = \"1h\"\nendpoint = \"logs\"\nparams = { take = 100 }\n[output]\nformat = [\"ndjson\", \"json\"]\n",
    );
    let mut env = s3.output_env("out");
    env.push(("A0SNAP_LEASE_TTL".into(), "3s".into()));
    let bucket = s3.bucket();
    let t0 = Instant::now();
    let first = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    println!("a complete run: {:?}", t0.elapsed());
    let (good_stem, _) = latest(bucket, "out", "logs").await;

    // The same run again, killed once its upload is in progress.
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_a0snap"));
    let mut full = world.env();
    full.retain(|(name, _)| !env.iter().any(|(other, _)| other == name));
    full.extend(env.iter().cloned());
    command
        .arg("run")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(full)
        .current_dir(world.dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("a0snap starts");
    let pid = child.id().expect("a running child has an id");
    let started = Instant::now();
    let upload = loop {
        let uploads = s3.multipart_uploads("out/logs/").await;
        if let Some(upload) = uploads.into_iter().next() {
            break upload;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no upload began within 20 s"
        );
        assert!(
            child.try_wait().expect("the child").is_none(),
            "the run ended before its upload was seen"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.start_kill().expect("SIGKILL");
    let status = child.wait().await.expect("the child ends");
    assert_eq!(
        status.code(),
        None,
        "killed by a signal, not ended: {status:?}"
    );
    let killed_key = upload.key.clone();
    let left_by_kill = s3.multipart_uploads("out/logs/").await;
    assert!(left_by_kill.contains(&upload), "{left_by_kill:?}");
    println!(
        "killed after {:?} with {killed_key} uploading",
        started.elapsed()
    );

    // What a reader sees: the killed upload is not an object, latest names the good snapshot.
    let keys = bucket.keys("out/logs").await;
    assert!(
        !keys.contains(&killed_key),
        "{killed_key} is visible: {keys:?}"
    );
    assert_eq!(latest(bucket, "out", "logs").await.0, good_stem);
    assert_snapshot_complete(bucket, "out", "logs", &good_stem).await;
    assert_eq!(
        assert_only_complete_snapshots(bucket, "out", "logs").await,
        std::slice::from_ref(&good_stem)
    );
    assert!(
        bucket.exists("out/logs/.lock").await,
        "the killed run's lease"
    );

    // The lease is live: a run now skips the job.
    let busy = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(busy.code, 0, "{}", busy.all_output());
    assert!(
        busy.all_output()
            .contains("another a0snap process is writing this job"),
        "{}",
        busy.all_output()
    );

    // A run killed between its data objects and its meta object leaves data without meta:
    // one such object, as it would be, for the next run to sweep.
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let orphan = format!("out/logs/logs-{stamp}-7.ndjson");
    bucket.put(&orphan, "{\"log_id\":\"half\"}\n").await;

    // The lease is still the killed process's; the next run may take it once it expires.
    let lease = super::read_json(bucket, "out", "logs", ".lock").await;
    assert!(
        lease["holder"]
            .as_str()
            .is_some_and(|holder| holder.ends_with(&format!(":{pid}"))),
        "{lease} is not process {pid}'s"
    );
    let expires: jiff::Timestamp = lease["expires_at"]
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("no expiry in {lease}"));
    let left = expires.duration_since(jiff::Timestamp::now());
    assert!(
        left.as_secs_f64() <= 3.0,
        "{lease} outlives A0SNAP_LEASE_TTL"
    );
    println!("before the wait: {:?}, {left:?} left", t0.elapsed());
    if let Ok(left) = Duration::try_from(left) {
        tokio::time::sleep(left + Duration::from_millis(200)).await;
    }
    let next = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(next.code, 0, "{}", next.all_output());
    assert!(!bucket.exists(&orphan).await, "the orphan was not swept");
    println!("after the run that sweeps: {:?}", t0.elapsed());
    let stems = assert_only_complete_snapshots(bucket, "out", "logs").await;
    assert_eq!(stems.len(), 2, "{stems:?}");
    let (new_stem, meta) = latest(bucket, "out", "logs").await;
    assert_ne!(new_stem, good_stem);
    assert_eq!(meta["records"], 2500);
    assert!(!bucket.exists("out/logs/.lock").await);
    // The killed run's upload stays in progress (a lifecycle rule aborts it), never visible.
    let uploads = s3.multipart_uploads("out/logs/").await;
    assert_eq!(
        uploads, left_by_kill,
        "only the killed run's uploads are left"
    );
    let keys = bucket.keys("out/logs").await;
    for upload in &uploads {
        assert!(!keys.contains(&upload.key), "{} is visible", upload.key);
    }
}
