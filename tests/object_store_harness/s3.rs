//! moto's S3 server: round trip, conditional writes, multipart uploads, a missing bucket and
//! IAM-restricted users.

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use crate::common::pairs;
use crate::common::s3::{BUCKET, MISSING_BUCKET, S3Server};

#[tokio::test]
async fn moto_starts_with_an_empty_bucket_and_answers_on_loopback() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    println!("moto answered after {:?}", s3.startup());
    assert!(s3.endpoint().starts_with("http://127.0.0.1:"));
    assert_eq!(s3.url("out"), format!("s3://{BUCKET}/out"));
    assert_eq!(s3.bucket().keys("").await, Vec::<String>::new());
    let env = s3.env();
    for name in [
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ] {
        assert!(env.iter().any(|(key, _)| key == name), "{name} in {env:?}");
    }
    assert!(!env.iter().any(|(key, _)| key == "AWS_ALLOW_HTTP"));
    let output = s3.output_env("out");
    assert!(pairs(&output).contains(&("A0SNAP_OUTPUT_DIR", "s3://a0snap-test/out")));

    // Dropped, the server is gone: nothing is left listening.
    let endpoint = s3.endpoint();
    drop(s3);
    let after = reqwest::get(&endpoint).await;
    assert!(after.is_err(), "{after:?}");
}

#[tokio::test]
async fn an_object_is_listed_under_its_prefix_read_back_and_gone_once_deleted() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let bucket = s3.bucket();
    bucket.put("out/users/users-1.json", "[1]").await;
    bucket.put("out/users/users-1.meta.json", "{}").await;
    bucket.put("out/users-archive/old.json", "[0]").await;

    assert_eq!(
        bucket.keys("out/users").await,
        ["out/users/users-1.json", "out/users/users-1.meta.json"],
        "a prefix is whole path segments"
    );
    assert_eq!(bucket.read_string("out/users/users-1.json").await, "[1]");

    bucket.delete("out/users/users-1.json").await;
    assert!(!bucket.exists("out/users/users-1.json").await);
    assert_eq!(
        bucket.keys("").await,
        ["out/users-archive/old.json", "out/users/users-1.meta.json"]
    );
    let missing = bucket
        .store()
        .get(&Path::from("out/users/users-1.json"))
        .await;
    assert!(
        matches!(missing, Err(object_store::Error::NotFound { .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn a_conditional_create_is_refused_the_second_time_and_the_first_body_stays() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let store = s3.bucket().store();
    let lease = Path::from("out/users/.lease");
    let create = || PutOptions::from(PutMode::Create);

    let first = store
        .put_opts(&lease, PutPayload::from("holder-1"), create())
        .await
        .expect("the first create succeeds");
    let second = store
        .put_opts(&lease, PutPayload::from("holder-2"), create())
        .await;
    assert!(
        matches!(second, Err(object_store::Error::AlreadyExists { .. })),
        "{second:?}"
    );
    assert_eq!(
        s3.bucket().read_string("out/users/.lease").await,
        "holder-1"
    );

    // Compare-and-swap: an update against the current ETag wins, one against a stale ETag is
    // refused as a precondition failure.
    let current = UpdateVersion::from(first);
    let swapped = store
        .put_opts(
            &lease,
            PutPayload::from("holder-1-renewed"),
            PutOptions::from(PutMode::Update(current.clone())),
        )
        .await;
    assert!(swapped.is_ok(), "{swapped:?}");
    let stale = store
        .put_opts(
            &lease,
            PutPayload::from("holder-3"),
            PutOptions::from(PutMode::Update(current)),
        )
        .await;
    assert!(
        matches!(stale, Err(object_store::Error::Precondition { .. })),
        "{stale:?}"
    );
    assert_eq!(
        s3.bucket().read_string("out/users/.lease").await,
        "holder-1-renewed"
    );
}

#[tokio::test]
async fn a_multipart_upload_is_listed_while_in_progress_and_the_object_appears_only_on_completion()
{
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let store = s3.bucket().store();
    let key = Path::from("out/logs/logs-1.ndjson");
    let mut upload = store.put_multipart(&key).await.expect("an upload starts");
    // Every part but the last must be at least 5 MiB on S3; moto checks that too.
    upload
        .put_part(PutPayload::from(vec![b'a'; 5 * 1024 * 1024]))
        .await
        .expect("part 1");
    upload
        .put_part(PutPayload::from("tail\n"))
        .await
        .expect("part 2");

    let in_progress = s3.multipart_uploads("out/logs").await;
    assert_eq!(in_progress.len(), 1, "{in_progress:?}");
    assert_eq!(in_progress[0].key, "out/logs/logs-1.ndjson");
    assert!(!in_progress[0].upload_id.is_empty());
    assert!(!s3.bucket().exists("out/logs/logs-1.ndjson").await);
    assert_eq!(s3.multipart_uploads("out/users").await, []);

    upload.complete().await.expect("the upload completes");
    assert_eq!(s3.multipart_uploads("").await, []);
    let body = s3.bucket().read("out/logs/logs-1.ndjson").await;
    assert_eq!(body.len(), 5 * 1024 * 1024 + 5);
    assert!(body.ends_with(b"tail\n"));

    // An aborted upload leaves neither an object nor an upload.
    let mut aborted = store
        .put_multipart(&Path::from("out/logs/logs-2.ndjson"))
        .await
        .expect("an upload starts");
    aborted
        .put_part(PutPayload::from("x"))
        .await
        .expect("a part");
    assert_eq!(s3.multipart_uploads("out/logs").await.len(), 1);
    aborted.abort().await.expect("the upload is aborted");
    assert_eq!(s3.multipart_uploads("out/logs").await, []);
    assert_eq!(
        s3.bucket().keys("out/logs").await,
        ["out/logs/logs-1.ndjson"]
    );
}

#[tokio::test]
async fn a_bucket_that_does_not_exist_is_not_found_on_put_and_a_generic_no_such_bucket_on_list() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let store = s3.client(MISSING_BUCKET, s3.admin());
    let put = store
        .put(
            &Path::from("out/users/users-1.json"),
            PutPayload::from("[]"),
        )
        .await;
    assert!(
        matches!(put, Err(object_store::Error::NotFound { .. })),
        "{put:?}"
    );
    // A listing error is not mapped to a kind by object_store: only its text says why.
    let list = store.list_with_delimiter(Some(&Path::from("out"))).await;
    match list {
        Err(error @ object_store::Error::Generic { .. }) => {
            let message = error.to_string();
            assert!(message.contains("NoSuchBucket"), "{message}");
            assert!(message.contains("404"), "{message}");
        }
        other => panic!("expected a generic error, got {other:?}"),
    }
    assert!(
        s3.missing_bucket_url("out")
            .starts_with(&format!("s3://{MISSING_BUCKET}/"))
    );
}

#[tokio::test]
async fn a_read_only_user_may_list_and_read_but_a_put_is_refused_and_changes_nothing() {
    let Some(s3) = S3Server::start_with_iam().await else {
        return;
    };
    s3.bucket().put("out/users/latest.json", "[1]").await;
    let reader = s3.client(BUCKET, s3.reader());

    let listed = reader
        .list_with_delimiter(Some(&Path::from("out/users")))
        .await;
    assert_eq!(listed.expect("the reader may list").objects.len(), 1);
    let read = reader.get(&Path::from("out/users/latest.json")).await;
    let body = read
        .expect("the reader may read")
        .bytes()
        .await
        .expect("a body");
    assert_eq!(&body[..], b"[1]");

    let put = reader
        .put(
            &Path::from("out/users/latest.json"),
            PutPayload::from("[2]"),
        )
        .await;
    assert!(
        matches!(put, Err(object_store::Error::PermissionDenied { .. })),
        "{put:?}"
    );
    let multipart = reader
        .put_multipart(&Path::from("out/users/users-2.json"))
        .await
        .map(|_| ());
    assert!(
        matches!(multipart, Err(object_store::Error::PermissionDenied { .. })),
        "{multipart:?}"
    );
    // object_store deletes through the bulk DeleteObjects call, whose per-key refusal comes
    // back as a generic error carrying S3's code.
    let delete = reader.delete(&Path::from("out/users/latest.json")).await;
    match delete {
        Err(error @ object_store::Error::Generic { .. }) => {
            assert!(error.to_string().contains("AccessDenied"), "{error}");
        }
        other => panic!("expected a generic AccessDenied, got {other:?}"),
    }
    assert_eq!(s3.bucket().keys("").await, ["out/users/latest.json"]);
    assert_eq!(
        s3.bucket().read_string("out/users/latest.json").await,
        "[1]"
    );
    assert_eq!(s3.multipart_uploads("").await, []);

    // A user who may write but not list: the listing is refused, as a generic error.
    let writer = s3.client(BUCKET, s3.writer());
    let list = writer.list_with_delimiter(Some(&Path::from("out"))).await;
    match list {
        Err(error @ object_store::Error::Generic { .. }) => {
            let message = error.to_string();
            assert!(message.contains("AccessDenied"), "{message}");
            assert!(message.contains("403"), "{message}");
        }
        other => panic!("expected a generic AccessDenied, got {other:?}"),
    }
    writer
        .put(
            &Path::from("out/users/written.json"),
            PutPayload::from("[3]"),
        )
        .await
        .expect("the writer may put");

    // A key moto never issued is refused too.
    let stranger = s3.client(
        BUCKET,
        &crate::common::s3::Credentials {
            access_key_id: "AKIANOBODY".into(),
            secret_access_key: "not-a-secret".into(),
        },
    );
    let list = stranger.list_with_delimiter(None).await;
    match list {
        Err(error @ object_store::Error::Generic { .. }) => {
            assert!(error.to_string().contains("InvalidAccessKeyId"), "{error}");
        }
        other => panic!("expected a generic InvalidAccessKeyId, got {other:?}"),
    }
    let put = stranger
        .put(&Path::from("out/users/x.json"), PutPayload::from("[]"))
        .await;
    println!("unknown key: put -> {put:?}");
    assert!(
        matches!(put, Err(object_store::Error::PermissionDenied { .. })),
        "{put:?}"
    );
}
