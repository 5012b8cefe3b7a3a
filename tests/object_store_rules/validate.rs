//! `a0snap validate` with the output in a bucket: a probe object written (twice, the second
//! time refused by its condition), read and removed; or exit 2 naming the permission or the
//! bucket that is missing.

use std::time::Duration;

use super::{a0snap, assert_no_secrets, clients_world, with};
use crate::common::s3::S3Server;

/// The probe's writes in moto's request log: `PUT /{bucket}/out/.a0snap-probe-…` lines.
fn probe_puts(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| line.contains("\"PUT /a0snap-test/out/.a0snap-probe-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_writes_and_removes_a_probe_or_names_the_missing_permission_or_bucket() {
    let Some(s3) = S3Server::start_with_iam().await else {
        return;
    };
    let world = clients_world(1, Duration::ZERO).await;
    let url = s3.url("out");

    let good = a0snap(&world, &["validate"], &s3.output_env("out")).await;
    assert_eq!(good.code, 0, "{}", good.all_output());
    assert!(
        good.stdout.contains(&format!(
            "output {url}: reachable, and a probe object was written, read and removed"
        )),
        "{}",
        good.stdout
    );
    assert!(
        good.stdout.contains("clients"),
        "the jobs too: {}",
        good.stdout
    );
    assert_eq!(
        s3.bucket().keys("").await,
        Vec::<String>::new(),
        "no probe left"
    );
    let log = s3.log();
    let puts = probe_puts(&log);
    assert_eq!(
        puts.len(),
        2,
        "created, then refused as already there: {puts:?}"
    );
    assert!(puts[0].contains("\" 200"), "{puts:?}");
    assert!(puts[1].contains("\" 412"), "{puts:?}");
    assert_eq!(
        world.fake.counters().api_requests,
        0,
        "validate reads no tenant data"
    );

    let read_only = a0snap(
        &world,
        &["validate"],
        &with(s3.read_only_env(), "A0SNAP_OUTPUT_DIR", &url),
    )
    .await;
    assert_eq!(read_only.code, 2, "{}", read_only.all_output());
    let output = read_only.all_output();
    assert!(output.contains("access denied"), "{output}");
    assert!(output.contains("s3:PutObject"), "{output}");
    assert!(
        !output.contains("s3:ListBucket"),
        "listing is allowed: {output}"
    );
    assert_no_secrets(&world, &s3, &output);

    let write_only = a0snap(
        &world,
        &["validate"],
        &with(s3.write_only_env(), "A0SNAP_OUTPUT_DIR", &url),
    )
    .await;
    assert_eq!(write_only.code, 2, "{}", write_only.all_output());
    let output = write_only.all_output();
    assert!(output.contains("access denied"), "{output}");
    assert!(output.contains("s3:ListBucket"), "{output}");
    assert_no_secrets(&world, &s3, &output);

    let missing = s3.missing_bucket_url("out");
    let no_bucket = a0snap(
        &world,
        &["validate"],
        &with(s3.env(), "A0SNAP_OUTPUT_DIR", &missing),
    )
    .await;
    assert_eq!(no_bucket.code, 2, "{}", no_bucket.all_output());
    let output = no_bucket.all_output();
    assert!(
        output.contains("the bucket (or container) does not exist"),
        "{output}"
    );
    assert!(output.contains(&missing), "{output}");
    assert_no_secrets(&world, &s3, &output);

    assert_eq!(s3.bucket().keys("").await, Vec::<String>::new());
    assert_eq!(s3.multipart_uploads("").await, []);
}
