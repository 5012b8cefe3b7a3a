//! Object-storage settings refused before anything runs (exit 2, naming the variable and the
//! fix): a URL without a bucket, a plain-http endpoint off loopback, and `a0snap report`, which
//! writes only into a local folder. No store is needed, and none is reached.

use std::time::Duration;

use super::{a0snap, clients_world, with};
use crate::common::{Run, World};

/// A secret access key that must never be printed, for the cases without a server.
const AWS_SECRET: &str = "aws-secret-Vq3Lm8Xw2Rk9";

/// The environment of a user who set an S3 output and keys, but no server.
fn s3_env(output: &str) -> Vec<(String, String)> {
    vec![
        ("A0SNAP_OUTPUT_DIR".into(), output.into()),
        ("AWS_ACCESS_KEY_ID".into(), "AKIAA0SNAPCONFIG".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), AWS_SECRET.into()),
        ("AWS_REGION".into(), "us-east-1".into()),
    ]
}

/// Asserts `run` stopped at its configuration: exit 2, no request to the tenant, no secret.
fn assert_refused_before_running(world: &World, run: &Run) {
    assert_eq!(run.code, 2, "{}", run.all_output());
    let counters = world.fake.counters();
    assert_eq!(
        (counters.token_requests, counters.api_requests),
        (0, 0),
        "nothing reached the tenant"
    );
    let output = run.all_output();
    world.assert_no_secrets(&output);
    assert!(!output.contains(AWS_SECRET), "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_s3_url_without_a_bucket_is_refused_naming_the_variable_and_the_form_to_write() {
    let world = clients_world(1, Duration::ZERO).await;
    for command in ["run", "validate"] {
        let run = a0snap(&world, &[command], &s3_env("s3:///x")).await;
        assert_refused_before_running(&world, &run);
        let output = run.all_output();
        assert!(output.contains("A0SNAP_OUTPUT_DIR"), "{command}: {output}");
        assert!(output.contains("names no bucket"), "{command}: {output}");
        assert!(output.contains("s3://BUCKET/PREFIX"), "{command}: {output}");
    }
    assert!(
        std::fs::read_dir(world.out_dir())
            .expect("out")
            .next()
            .is_none(),
        "no local folder is written instead"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_http_endpoint_off_loopback_is_refused_and_never_contacted() {
    let world = clients_world(1, Duration::ZERO).await;
    let env = with(
        s3_env("s3://acme-snapshots/a0snap"),
        "AWS_ENDPOINT_URL",
        "http://example.com",
    );
    for command in ["run", "validate"] {
        let run = a0snap(&world, &[command], &env).await;
        assert_refused_before_running(&world, &run);
        let output = run.all_output();
        assert!(output.contains("A0SNAP_OUTPUT_DIR"), "{command}: {output}");
        assert!(
            output.contains("AWS_ENDPOINT_URL http://example.com is not https"),
            "{command}: {output}"
        );
        assert!(
            output.contains("plain http is accepted only on loopback"),
            "{command}: {output}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn report_refuses_an_object_store_output_and_writes_no_index_anywhere() {
    let world = clients_world(1, Duration::ZERO).await;
    let run = a0snap(&world, &["report"], &s3_env("s3://acme-snapshots/a0snap")).await;
    assert_refused_before_running(&world, &run);
    let output = run.all_output();
    assert!(
        output.contains("a0snap report writes index.html into a local output folder"),
        "{output}"
    );
    assert!(output.contains("s3://acme-snapshots/a0snap"), "{output}");
    assert!(output.contains("--out"), "the fix: {output}");
    let written: Vec<_> = walk(world.dir.path())
        .into_iter()
        .filter(|path| path.ends_with("index.html"))
        .collect();
    assert_eq!(written, Vec::<String>::new());
}

/// Every file below `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            found.extend(walk(&entry.path()));
        } else {
            found.push(entry.path().display().to_string());
        }
    }
    found
}
