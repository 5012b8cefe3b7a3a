//! `latest.*` caught "in transition": a run killed while it replaced the `latest` files leaves
//! no `latest.meta.json` (it is removed first and put back last), possibly beside `latest.*`
//! of two snapshots. `status` must still report the job (from `last-run.json` and the newest
//! committed snapshot's meta file), and the next run
//! must leave `latest.*` and `latest.meta.json` describing one snapshot again.

use crate::common::{World, config, empty_sizes};
use fake_auth0::Sizes;

fn tenant() -> Sizes {
    Sizes {
        clients: 3,
        ..empty_sizes()
    }
}

const JOB: &str = "endpoint = \"clients\"\nevery = \"1h\"\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"client_id\"]\n";

/// Takes one client away, so the next snapshot differs from the last.
fn remove_one_client(world: &World) {
    let id = world.served("clients")[0]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    world
        .fake
        .with_tenant(|tenant| assert!(tenant.remove("clients", &id)));
}

/// The name of the CSV file `latest.meta.json` names.
fn latest_csv(world: &World) -> String {
    let meta: serde_json::Value =
        serde_json::from_str(&world.read("apps", "latest.meta.json")).unwrap();
    meta["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["format"] == "csv")
        .and_then(|file| file["name"].as_str())
        .unwrap()
        .to_owned()
}

/// The state a kill between two renames leaves: `latest.meta.json` gone, `latest.csv` from
/// the older snapshot, `latest.json` from the newer.
fn leave_latest_in_transition(world: &World, older: &str) {
    let dir = world.out_dir().join("apps");
    std::fs::remove_file(dir.join("latest.meta.json")).unwrap();
    std::fs::remove_file(dir.join("latest.csv")).unwrap();
    std::fs::copy(dir.join(older), dir.join("latest.csv")).unwrap();
}

#[tokio::test]
async fn status_reports_a_job_whose_latest_is_in_transition_from_its_last_run_or_newest_snapshot() {
    let world = World::start(config(tenant())).await;
    world.job("apps", JOB);
    world.run_ok().await;
    let older = latest_csv(&world);
    remove_one_client(&world);
    world.run_ok().await;
    assert_ne!(latest_csv(&world), older);
    leave_latest_in_transition(&world, &older);

    let status = world.a0snap(&["status"]).await;

    assert_eq!(status.code, 0, "{}", status.all_output());
    assert!(status.stdout.starts_with("apps  ok"), "{}", status.stdout);
    assert!(status.stdout.contains("2 records"), "{}", status.stdout);

    // Without last-run.json either (the first run ever killed there, or a folder copied
    // without it), the newest committed snapshot's meta file still speaks for the job.
    std::fs::remove_file(world.out_dir().join("apps").join("last-run.json")).unwrap();
    let status = world.a0snap(&["status"]).await;

    assert_eq!(status.code, 0, "{}", status.all_output());
    assert!(status.stdout.starts_with("apps  ok"), "{}", status.stdout);
    assert!(status.stdout.contains("2 records"), "{}", status.stdout);
    assert!(!status.stdout.contains("NEVER RUN"), "{}", status.stdout);
}

#[tokio::test]
async fn the_next_run_leaves_every_latest_file_to_the_snapshot_its_meta_file_names() {
    let world = World::start(config(tenant())).await;
    world.job("apps", JOB);
    world.run_ok().await;
    let older = latest_csv(&world);
    remove_one_client(&world);
    world.run_ok().await;
    assert_ne!(latest_csv(&world), older);
    leave_latest_in_transition(&world, &older);

    world.run_ok().await;

    let meta: serde_json::Value =
        serde_json::from_str(&world.read("apps", "latest.meta.json")).unwrap();
    let files = meta["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{meta}");
    for file in files {
        let name = file["name"].as_str().unwrap();
        let ext = name.rsplit('.').next().unwrap();
        assert_eq!(
            world.read("apps", &format!("latest.{ext}")),
            world.read("apps", name),
            "latest.{ext} is not {name}"
        );
    }
    assert_eq!(world.latest_records("apps").len(), 2);
}

#[tokio::test]
async fn a_change_report_compares_with_the_newest_committed_snapshot_while_latest_is_away() {
    let world = World::start(config(tenant())).await;
    world.job(
        "apps",
        "endpoint = \"clients\"\nevery = \"1h\"\nchanges = true\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"client_id\"]\n",
    );
    world.run_ok().await;
    let older = latest_csv(&world);
    remove_one_client(&world);
    world.run_ok().await;
    leave_latest_in_transition(&world, &older);
    remove_one_client(&world);

    let run = world.run_ok().await;

    let reports: Vec<String> = world
        .files("apps")
        .into_iter()
        .filter(|name| name.ends_with(".changes.json"))
        .collect();
    assert_eq!(reports.len(), 2, "{reports:?}\n{}", run.all_output());
    let newest: serde_json::Value =
        serde_json::from_str(&world.read("apps", reports.last().unwrap())).unwrap();
    // Against the second snapshot (2 clients), not the first (3): one removed, none added.
    assert_eq!(
        newest["removed"].as_array().map(Vec::len),
        Some(1),
        "{newest}"
    );
    assert_eq!(
        newest["added"].as_array().map(Vec::len),
        Some(0),
        "{newest}"
    );
    assert!(
        !run.all_output().contains("no change report this time"),
        "{}",
        run.all_output()
    );
}
