//! Azure Blob Storage through Azurite: a full export with the folder layout, and the lease
//! keeping a second process off a job the first is writing.

use std::time::{Duration, Instant};

use fake_auth0::{Config, Sizes};

use super::{Expected, assert_complete_export};
use crate::common::azurite::Azurite;
use crate::common::{World, config, empty_sizes, pairs};

const APPS: &str = "every = \"1h\"\nendpoint = \"clients\"\nparams = { per_page = 2 }\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"client_id\", \"name\", \"callbacks\"]\n";

#[tokio::test(flavor = "multi_thread")]
async fn an_export_to_azure_has_the_folder_layout_and_a_second_process_is_kept_off_the_job() {
    let Some(azurite) = Azurite::start().await else {
        return;
    };
    // Eight pages of 250 ms: the first run holds the job for two seconds, time enough for the
    // second process to start and find the lease.
    let world = World::start(Config {
        latency: Duration::from_millis(250),
        ..config(Sizes {
            clients: 15,
            ..empty_sizes()
        })
    })
    .await;
    world.job("apps", APPS);
    let mut env = azurite.output_env("snapshots");
    // One page at a time, so the pages' latency adds up.
    env.push(("A0SNAP_MAX_IN_FLIGHT".into(), "1".into()));
    let container = azurite.container();

    let first = {
        let world = &world;
        let env = &env;
        async move { world.a0snap_with(&["run"], &pairs(env)).await }
    };
    let second = async {
        let started = Instant::now();
        while !container.exists("snapshots/apps/.lock").await {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no lease within 20 s\n{}",
                azurite.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        world.a0snap_with(&["run"], &pairs(&env)).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.code, 0, "{}", first.all_output());
    assert_eq!(second.code, 0, "{}", second.all_output());
    assert!(
        second
            .all_output()
            .contains("another a0snap process is writing this job"),
        "{}",
        second.all_output()
    );
    assert!(
        !first
            .all_output()
            .contains("another a0snap process is writing this job"),
        "{}",
        first.all_output()
    );

    assert_complete_export(
        container,
        "snapshots",
        &Expected {
            job: "apps",
            formats: &["csv", "json"],
            records: &world.served("clients"),
            columns: &["client_id", "name", "callbacks"],
        },
    )
    .await;
    assert_eq!(azurite.uncommitted_blobs("").await, Vec::<String>::new());
    assert!(world.files("apps").is_empty());
}
