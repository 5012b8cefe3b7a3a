//! Runs the store refuses: a bucket that does not exist, credentials that may not write. Each
//! fails the job (exit 1) with a message naming what to fix, and loses nothing already there.

use std::time::Duration;

use object_store::ObjectStore;
use object_store::path::Path;

use super::{a0snap, assert_no_secrets, clients_world, committed, contents, with};
use crate::common::s3::{MISSING_BUCKET, S3Server};

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_bucket_fails_the_run_naming_it_and_leaves_the_real_bucket_and_no_new_one() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = clients_world(3, Duration::ZERO).await;
    let first = a0snap(&world, &["run"], &s3.output_env("out")).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    let before = contents(s3.bucket(), "").await;
    assert_eq!(
        committed(&s3.bucket().keys("out").await, "clients").len(),
        1
    );

    let missing = s3.missing_bucket_url("out");
    let run = a0snap(
        &world,
        &["run"],
        &with(s3.env(), "A0SNAP_OUTPUT_DIR", &missing),
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    let output = run.all_output();
    assert!(
        output.contains("the bucket (or container) does not exist"),
        "{output}"
    );
    assert!(output.contains(&format!("{missing}/clients")), "{output}");
    assert!(run.stdout.contains("failed"), "{}", run.stdout);
    assert!(!output.contains("cannot create the folder"), "{output}");
    assert_no_secrets(&world, &s3, &output);

    assert_eq!(contents(s3.bucket(), "").await, before, "nothing lost");
    let listed = s3
        .client(MISSING_BUCKET, s3.admin())
        .list_with_delimiter(Some(&Path::from("out")))
        .await;
    assert!(
        listed.is_err_and(|error| error.to_string().contains("NoSuchBucket")),
        "a0snap never creates a bucket"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_credentials_fail_the_run_naming_s3_put_object_and_change_nothing() {
    let Some(s3) = S3Server::start_with_iam().await else {
        return;
    };
    let world = clients_world(3, Duration::ZERO).await;
    let first = a0snap(&world, &["run"], &s3.output_env("out")).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    // The tenant changed: a run that could write would make a second snapshot.
    assert!(
        world
            .fake
            .with_tenant(|tenant| tenant.remove_at("clients", 0))
    );
    let before = contents(s3.bucket(), "").await;

    let env = with(s3.read_only_env(), "A0SNAP_OUTPUT_DIR", &s3.url("out"));
    let run = a0snap(&world, &["run"], &env).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    let output = run.all_output();
    assert!(output.contains("access denied"), "{output}");
    assert!(output.contains("s3:PutObject"), "{output}");
    assert!(output.contains("s3://a0snap-test/out/clients"), "{output}");
    assert_no_secrets(&world, &s3, &output);

    assert_eq!(contents(s3.bucket(), "").await, before, "nothing lost");
    assert_eq!(s3.multipart_uploads("").await, []);
}
