//! Azurite's blob service: round trip, conditional writes, staged blocks and a missing
//! container.

use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMode, PutPayload, UpdateVersion};

use crate::common::azurite::Azurite;

#[tokio::test]
async fn azurite_serves_a_round_trip_a_conditional_create_and_a_staged_upload() {
    let Some(azurite) = Azurite::start().await else {
        return;
    };
    println!("Azurite answered after {:?}", azurite.startup());
    let container = azurite.container();
    let store = container.store();
    assert_eq!(container.keys("").await, Vec::<String>::new());

    container.put("out/users/users-1.json", "[1]").await;
    container.put("out/users-archive/old.json", "[0]").await;
    assert_eq!(
        container.keys("out/users").await,
        ["out/users/users-1.json"]
    );
    assert_eq!(container.read_string("out/users/users-1.json").await, "[1]");
    container.delete("out/users-archive/old.json").await;
    assert_eq!(container.keys("").await, ["out/users/users-1.json"]);

    let lease = Path::from("out/users/.lease");
    let first = store
        .put_opts(&lease, PutPayload::from("holder-1"), PutMode::Create.into())
        .await
        .expect("the first create succeeds");
    let second = store
        .put_opts(&lease, PutPayload::from("holder-2"), PutMode::Create.into())
        .await;
    assert!(
        matches!(second, Err(object_store::Error::AlreadyExists { .. })),
        "{second:?}\n{}",
        azurite.log()
    );
    let current = UpdateVersion::from(first);
    store
        .put_opts(
            &lease,
            PutPayload::from("holder-1-renewed"),
            PutMode::Update(current.clone()).into(),
        )
        .await
        .expect("an update against the current ETag");
    let stale = store
        .put_opts(
            &lease,
            PutPayload::from("holder-3"),
            PutMode::Update(current).into(),
        )
        .await;
    assert!(
        matches!(stale, Err(object_store::Error::Precondition { .. })),
        "{stale:?}"
    );
    assert_eq!(
        container.read_string("out/users/.lease").await,
        "holder-1-renewed"
    );

    let mut upload = store
        .put_multipart(&Path::from("out/logs/logs-1.ndjson"))
        .await
        .expect("an upload starts");
    upload
        .put_part(PutPayload::from(vec![b'a'; 5 * 1024 * 1024]))
        .await
        .expect("block 1");
    upload
        .put_part(PutPayload::from("tail\n"))
        .await
        .expect("block 2");
    assert_eq!(
        azurite.uncommitted_blobs("out/logs").await,
        ["out/logs/logs-1.ndjson"]
    );
    assert!(!container.exists("out/logs/logs-1.ndjson").await);
    upload
        .complete()
        .await
        .expect("the block list is committed");
    assert_eq!(azurite.uncommitted_blobs("").await, Vec::<String>::new());
    let body = container.read("out/logs/logs-1.ndjson").await;
    assert_eq!(body.len(), 5 * 1024 * 1024 + 5);
    assert!(body.ends_with(b"tail\n"));

    let missing = azurite
        .client("a0snap-missing")
        .put(&Path::from("x.json"), PutPayload::from("[]"))
        .await;
    println!("missing container: put -> {missing:?}");
    assert!(
        matches!(missing, Err(object_store::Error::NotFound { .. })),
        "{missing:?}"
    );
    let env = azurite.env();
    assert!(env.contains(&("AZURITE_BLOB_STORAGE_URL".into(), azurite.endpoint())));
    assert_eq!(azurite.url("out"), "az://a0snap-test/out");
}
