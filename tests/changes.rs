//! Change reports against the fake tenant: the records a test adds, removes and modifies
//! between two runs, and nothing else, by the endpoint's identity field.

use crate::common;

use common::{World, config, empty_sizes};
use fake_auth0::Sizes;
use serde_json::{Value, json};

const JOB: &str = "every = \"1h\"\nendpoint = \"clients\"\nchanges = true\n[output]\nformat = [\"csv\", \"ndjson\"]\ncolumns = [\"client_id\", \"name\"]\n";

fn reports(world: &World) -> Vec<String> {
    world
        .files("apps")
        .into_iter()
        .filter(|name| name.ends_with(".changes.json"))
        .collect()
}

fn json_file(world: &World, name: &str) -> Value {
    serde_json::from_str(&world.read("apps", name)).expect("json")
}

fn sorted_fields(changed: &Value) -> Vec<(String, Vec<String>)> {
    let mut entries: Vec<(String, Vec<String>)> = changed
        .as_array()
        .expect("changed")
        .iter()
        .map(|entry| {
            let mut fields: Vec<String> = entry["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| f.as_str().expect("name").to_owned())
                .collect();
            fields.sort();
            (entry["id"].as_str().expect("id").to_owned(), fields)
        })
        .collect();
    entries.sort();
    entries
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_report_lists_exactly_the_records_added_removed_and_modified() {
    let world = World::start(config(Sizes {
        clients: 20,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", JOB);
    let first = world.run_ok().await;
    assert!(
        first
            .stdout
            .contains("20 records, no previous snapshot to compare"),
        "{}",
        first.stdout
    );
    assert!(reports(&world).is_empty());
    let first_meta = json_file(&world, "latest.meta.json");
    let first_stem = first_meta["files"][0]["name"]
        .as_str()
        .and_then(|name| name.strip_suffix(".csv"))
        .expect("stem")
        .to_owned();

    let served = world.served("clients");
    let id = |index: usize| served[index]["client_id"].as_str().expect("id").to_owned();
    world.fake.with_tenant(|tenant| {
        tenant.push("clients", json!({"client_id": "new-1", "name": "New one"}));
        tenant.push("clients", json!({"client_id": "new-2", "name": "New two"}));
        assert!(tenant.remove("clients", &id(3)));
        assert!(tenant.update("clients", &id(5), "name", json!("Renamed")));
        assert!(tenant.update(
            "clients",
            &id(8),
            "callbacks",
            json!(["https://changed.example/cb"])
        ));
        assert!(tenant.update("clients", &id(8), "description", json!("now described")));
    });

    let second = world.run_ok().await;
    assert!(
        second.stdout.contains("21 records, +2 -1 ~2"),
        "{}",
        second.stdout
    );
    let names = reports(&world);
    assert_eq!(names.len(), 1, "{names:?}");
    let report = json_file(&world, &names[0]);
    assert_eq!(report["previous"], first_stem.as_str());
    assert_eq!(report["identity"], "client_id");
    assert_eq!(report["added"], json!(["new-1", "new-2"]));
    assert_eq!(report["removed"], json!([id(3)]));
    let mut expected = vec![
        (id(5), vec!["name".to_owned()]),
        (
            id(8),
            vec!["callbacks".to_owned(), "description".to_owned()],
        ),
    ];
    expected.sort();
    assert_eq!(sorted_fields(&report["changed"]), expected);
    let meta = json_file(&world, "latest.meta.json");
    assert_eq!(
        (
            &meta["changes"]["added"],
            &meta["changes"]["removed"],
            &meta["changes"]["changed"]
        ),
        (&json!(2), &json!(1), &json!(2))
    );
    assert_eq!(meta["changes"]["file"], names[0].as_str());

    // Nothing changed since: an empty report against the second snapshot.
    let third = world.run_ok().await;
    assert!(
        third.stdout.contains("21 records, +0 -0 ~0"),
        "{}",
        third.stdout
    );
    let newest = reports(&world)
        .into_iter()
        .find(|name| *name != names[0])
        .expect("a third report");
    let report = json_file(&world, &newest);
    assert_eq!(
        report["previous"],
        names[0].trim_end_matches(".changes.json")
    );
    for list in ["added", "removed", "changed"] {
        assert_eq!(report[list], json!([]), "{list}");
    }
    world.assert_no_secrets(&third.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_report_on_a_job_without_json_or_ndjson_is_a_configuration_error() {
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\nchanges = true\n[output]\nformat = \"csv\"\ncolumns = [\"client_id\"]\n",
    );
    let run = world.a0snap(&["validate"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(
        run.stderr.contains("changes: the change report compares against the previous json or ndjson snapshot; add \"ndjson\""),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_report_gives_each_changed_path_with_its_values_and_a_rotated_secret_without_them()
{
    let world = World::start(config(Sizes {
        clients: 6,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\nchanges = true\n[output]\nformat = \"json\"\n",
    );
    world.run_ok().await;

    let served = world.served("clients");
    let id = |index: usize| served[index]["client_id"].as_str().expect("id").to_owned();
    let old_secret = served[2]["client_secret"]
        .as_str()
        .expect("a client secret")
        .to_owned();
    let new_secret = "rotated-Zq81bX0vKpW3nM7s";
    let mut jwt = served[0]["jwt_configuration"].clone();
    let old_lifetime = jwt["lifetime_in_seconds"].clone();
    jwt["lifetime_in_seconds"] = json!(7200);
    let old_callbacks = served[1]["callbacks"].clone();
    let new_callbacks = json!(["https://one.example/cb", "https://two.example/cb"]);
    world.fake.with_tenant(|tenant| {
        assert!(tenant.update("clients", &id(0), "jwt_configuration", jwt));
        assert!(tenant.update("clients", &id(1), "callbacks", new_callbacks.clone()));
        assert!(tenant.update("clients", &id(2), "client_secret", json!(new_secret)));
    });

    let second = world.run_ok().await;
    assert!(
        second.stdout.contains(
            "changes: 0 added, 0 removed, 3 changed: callbacks, client_secret, jwt_configuration"
        ),
        "{}",
        second.stdout
    );
    assert!(
        second
            .stderr
            .contains("0 added, 0 removed, 3 changed: callbacks, client_secret, jwt_configuration"),
        "the log has the summary line too:\n{}",
        second.stderr
    );
    let names = reports(&world);
    assert_eq!(names.len(), 1, "{names:?}");
    let report = json_file(&world, &names[0]);
    let mut changed: Vec<Value> = report["changed"].as_array().expect("changed").clone();
    changed.sort_by_key(|entry| entry["id"].as_str().map(str::to_owned));
    let mut expected = vec![
        json!({"id": id(0), "fields": ["jwt_configuration"], "changes": [
            {"path": "jwt_configuration.lifetime_in_seconds", "old": old_lifetime, "new": 7200}
        ]}),
        json!({"id": id(1), "fields": ["callbacks"], "changes": [
            {"path": "callbacks", "old": old_callbacks, "new": new_callbacks}
        ]}),
        json!({"id": id(2), "fields": ["client_secret"], "changes": [
            {"path": "client_secret", "secret": true}
        ]}),
    ];
    expected.sort_by_key(|entry| entry["id"].as_str().map(str::to_owned));
    assert_eq!(changed, expected);
    assert_eq!(report["counts"]["changed"], 3);

    // Neither secret is in any file of the job, nor in what the run printed.
    for name in world.files("apps") {
        let text = world.read("apps", &name);
        for secret in [old_secret.as_str(), new_secret] {
            assert!(!text.contains(secret), "{name} holds a client secret");
        }
    }
    for secret in [old_secret.as_str(), new_secret] {
        assert!(!second.all_output().contains(secret));
    }
    world.assert_no_secrets(&second.all_output());
    assert!(world.temporary_files("apps").is_empty());
}
