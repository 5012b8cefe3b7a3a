//! S3: retention and change reports, which read back earlier snapshots from the bucket.

use fake_auth0::Sizes;
use serde_json::{Value, json};

use super::{assert_only_complete_snapshots, latest, names, read_json, stem_of};
use crate::common::s3::S3Server;
use crate::common::{World, config, empty_sizes, pairs};

const APPS: &str = "every = \"1h\"\nendpoint = \"clients\"\nchanges = true\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"client_id\", \"name\"]\nkeep = 2\n";

#[tokio::test(flavor = "multi_thread")]
async fn with_keep_2_the_third_run_removes_every_object_of_the_oldest_snapshot() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = World::start(config(Sizes {
        clients: 6,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", APPS);
    let env = s3.output_env("out");
    let bucket = s3.bucket();
    let mut stems = Vec::new();
    for run in 0..3 {
        // A change each time, so the second and third snapshots have a change report.
        world.fake.with_tenant(|tenant| {
            tenant.push(
                "clients",
                json!({"client_id": format!("added-{run}"), "name": "Added"}),
            );
        });
        let done = world.a0snap_with(&["run"], &pairs(&env)).await;
        assert_eq!(done.code, 0, "{}", done.all_output());
        stems.push(latest(bucket, "out", "apps").await.0);
        if run == 1 {
            // Before the third run: the second snapshot has a change report, the first none.
            let objects = names(bucket, "out", "apps").await;
            assert!(
                objects.contains(&format!("{}.changes.json", stems[1])),
                "{objects:?}"
            );
        }
    }
    let kept = assert_only_complete_snapshots(bucket, "out", "apps").await;
    let mut expected = vec![stems[1].clone(), stems[2].clone()];
    expected.sort();
    assert_eq!(kept, expected, "runs made {stems:?}");
    let objects = names(bucket, "out", "apps").await;
    assert!(
        !objects
            .iter()
            .any(|name| stem_of("apps", name).as_ref() == Some(&stems[0])),
        "the oldest snapshot's objects remain: {objects:?}"
    );
    for stem in &stems[1..] {
        for suffix in ["json", "csv", "meta.json", "changes.json"] {
            assert!(
                objects.contains(&format!("{stem}.{suffix}")),
                "{stem}.{suffix} in {objects:?}"
            );
        }
    }
    let records: Vec<Value> =
        serde_json::from_slice(&bucket.read("out/apps/latest.json").await).expect("JSON");
    assert_eq!(records.len(), 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_report_in_the_bucket_gives_the_changed_client_with_old_and_new_values() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = World::start(config(Sizes {
        clients: 8,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", APPS);
    let env = s3.output_env("team/a0snap");
    let bucket = s3.bucket();
    let first = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    let (first_stem, _) = latest(bucket, "team/a0snap", "apps").await;

    let served = world.served("clients");
    let id = served[4]["client_id"].as_str().expect("id").to_owned();
    let old_name = served[4]["name"].clone();
    let removed = served[6]["client_id"].as_str().expect("id").to_owned();
    world.fake.with_tenant(|tenant| {
        assert!(tenant.update("clients", &id, "name", json!("Renamed in the store")));
        assert!(tenant.remove("clients", &removed));
    });
    let second = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(second.code, 0, "{}", second.all_output());
    assert!(
        second.stdout.contains("7 records, +0 -1 ~1"),
        "{}",
        second.stdout
    );

    let (stem, meta) = latest(bucket, "team/a0snap", "apps").await;
    let report_name = format!("{stem}.changes.json");
    assert_eq!(meta["changes"]["file"], report_name.as_str(), "{meta}");
    assert_eq!(
        (
            &meta["changes"]["added"],
            &meta["changes"]["removed"],
            &meta["changes"]["changed"]
        ),
        (&json!(0), &json!(1), &json!(1)),
        "{meta}"
    );
    let report = read_json(bucket, "team/a0snap", "apps", &report_name).await;
    assert_eq!(report["previous"], first_stem.as_str());
    assert_eq!(report["added"], json!([]));
    assert_eq!(report["removed"], json!([removed]));
    assert_eq!(
        report["changed"],
        json!([{"id": id, "fields": ["name"], "changes": [
            {"path": "name", "old": old_name, "new": "Renamed in the store"}
        ]}])
    );
    assert_only_complete_snapshots(bucket, "team/a0snap", "apps").await;
}
