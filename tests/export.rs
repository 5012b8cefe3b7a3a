//! `a0snap run` against the fake tenant: every pagination kind, each output format, and the
//! promise that a failed run changes nothing visible.

use crate::common;

use common::{World, config, empty_sizes};
use fake_auth0::{Fault, FaultRule, Sizes};
use serde_json::{Value, json};

fn read_json(world: &World, job: &str, name: &str) -> Vec<Value> {
    serde_json::from_str(&world.read(job, name)).expect("snapshot is JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_pagination_kind_exports_exactly_the_served_records_in_order_with_one_token() {
    let world = World::start(config(Sizes {
        clients: 120,
        organizations: 130,
        logs: 230,
        ..empty_sizes()
    }))
    .await;
    world
        .job("apps", "every = \"1h\"\nendpoint = \"clients\"\nredact = false\n[output]\nformat = \"json\"\n")
        .job("orgs", "every = \"1h\"\nendpoint = \"organizations\"\n[output]\nformat = \"json\"\n")
        .job("logs", "every = \"1h\"\nendpoint = \"logs\"\nparams = { take = 100 }\n[output]\nformat = \"json\"\n");

    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());

    for (job, endpoint) in [
        ("apps", "clients"),
        ("orgs", "organizations"),
        ("logs", "logs"),
    ] {
        assert_eq!(
            read_json(&world, job, "latest.json"),
            world.served(endpoint),
            "{job}"
        );
    }
    let counters = world.fake.counters();
    assert_eq!(counters.token_requests, 1);
    // 120 clients at 50 a page: 3 pages and no extra empty one.
    assert_eq!(counters.requests_by_path.get("/api/v2/clients"), Some(&3));
    assert_eq!(
        counters.requests_by_path.get("/api/v2/organizations"),
        Some(&3)
    );
    // The oldest event (sort=date:1, per_page=1), the other 229 at 100 a page, then the empty
    // page that ends the walk.
    assert_eq!(counters.requests_by_path.get("/api/v2/logs"), Some(&5));
    assert!(
        run.stdout.contains("3 jobs: 3 succeeded, 0 failed"),
        "{}",
        run.stdout
    );
    world.assert_no_secrets(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_paging_parameter_is_ever_sent_twice() {
    let world = World::start(config(Sizes {
        users: 70,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "users",
        "every = \"1h\"\nendpoint = \"users\"\nparams = { per_page = 30, q = \"email:*\" }\n[output]\nformat = \"ndjson\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let requests = world.fake.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    for request in requests {
        let query = request.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let mut names: Vec<&str> = query
            .split('&')
            .map(|pair| pair.split('=').next().unwrap_or(""))
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a parameter was sent twice: {request}");
        assert!(
            query.contains("per_page=30") && query.contains("include_totals=true"),
            "{request}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ndjson_holds_one_served_record_per_line_and_secrets_are_redacted() {
    let world = World::start(config(Sizes {
        clients: 7,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = [\"ndjson\", \"json\"]\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let served = world.served("clients");
    let text = world.read("apps", "latest.ndjson");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("line"))
        .collect();
    assert_eq!(lines.len(), served.len());
    for (line, record) in lines.iter().zip(&served) {
        assert_eq!(line["client_id"], record["client_id"]);
        assert_eq!(line["client_secret"], json!("[REDACTED]"));
        assert!(
            record["client_secret"].is_string(),
            "the fake serves a secret to redact"
        );
        // Field order survives redaction.
        let line_keys: Vec<&String> = line.as_object().expect("object").keys().collect();
        let served_keys: Vec<&String> = record.as_object().expect("object").keys().collect();
        assert_eq!(line_keys, served_keys);
    }
    for record in &served {
        let secret = record["client_secret"].as_str().expect("secret");
        assert!(!text.contains(secret) && !world.read("apps", "latest.json").contains(secret));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_has_the_chosen_columns_with_json_cells_and_neutralised_formulas() {
    let world = World::start(config(empty_sizes())).await;
    world.fake.with_tenant(|tenant| {
        tenant.push(
            "clients",
            json!({"client_id": "c1", "name": "=HYPERLINK(\"x\")", "app_type": "spa",
                   "jwt_configuration": {"alg": "RS256"}, "callbacks": ["https://a", "https://b"],
                   "description": "line one\nline \"two\", three", "is_first_party": true}),
        );
        tenant.push(
            "clients",
            json!({"client_id": "c2", "name": "-2+3", "logo_uri": null}),
        );
    });
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"csv\"\ncolumns = [\"client_id\", \"name\", \"jwt_configuration.alg\", \"callbacks\", \"description\", \"is_first_party\", \"logo_uri\"]\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let text = world.read("apps", "latest.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "client_id",
            "name",
            "jwt_configuration.alg",
            "callbacks",
            "description",
            "is_first_party",
            "logo_uri"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|row| row.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "c1",
            "'=HYPERLINK(\"x\")",
            "RS256",
            "[\"https://a\",\"https://b\"]",
            "line one\nline \"two\", three",
            "true",
            ""
        ]
    );
    assert_eq!(rows[1], ["c2", "'-2+3", "", "", "", "", ""]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_mid_export_leaves_no_partial_file_and_keeps_latest() {
    let world = World::start(config(Sizes {
        clients: 150,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"client_id\"]\n");
    let first = world.a0snap(&["run"]).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    let before = world.files("apps");
    let latest_before = world.read("apps", "latest.json");

    world
        .fake
        .with_tenant(|tenant| tenant.push("clients", json!({"client_id": "new-one"})));
    world.fake.inject(FaultRule {
        path_prefix: Some("/api/v2/clients".into()),
        nth: 3,
        times: 1,
        // Not a 403: a 403 to the cached token is renewed and retried (tests/tokens.rs).
        action: Fault::Status(404),
    });
    let second = world.a0snap(&["run"]).await;
    assert_eq!(second.code, 1, "{}", second.all_output());
    assert!(
        second.stdout.contains("FAILED") && second.stdout.contains("404"),
        "{}",
        second.stdout
    );
    assert_eq!(
        world.files("apps"),
        before,
        "a failed run changed the folder"
    );
    assert_eq!(world.read("apps", "latest.json"), latest_before);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_failing_job_does_not_stop_the_others_and_the_exit_code_tells() {
    let world = World::start(config(Sizes {
        clients: 3,
        roles: 3,
        ..empty_sizes()
    }))
    .await;
    world
        .job(
            "apps",
            "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
        )
        .job(
            "roles",
            "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n",
        );
    world.fake.inject(FaultRule {
        path_prefix: Some("/api/v2/roles".into()),
        nth: 1,
        times: 1,
        action: Fault::Status(404),
    });
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout.contains("2 jobs: 1 succeeded, 1 failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("GET /api/v2/roles answered 404"),
        "{}",
        run.stdout
    );
    assert_eq!(world.snapshot_files("apps", ".json").len(), 1);
    assert!(world.snapshot_files("roles", ".json").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn users_beyond_the_offset_cap_fail_with_a_reason_and_write_nothing() {
    let world = World::start(config(Sizes {
        users: 1200,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "users",
        "every = \"1h\"\nendpoint = \"users\"\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("1200 records but offset paging stops at 1000"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("mode = \"export\""), "{}", run.stdout);
    assert!(world.snapshot_files("users", ".json").is_empty());
    assert_eq!(
        world.fake.counters().requests_by_path.get("/api/v2/users"),
        Some(&1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_meta_file_describes_the_snapshot() {
    let world = World::start(config(Sizes {
        roles: 60,
        ..empty_sizes()
    }))
    .await;
    world.job("roles", "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"id\", \"name\"]\n");
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let meta_name = world
        .files("roles")
        .into_iter()
        .find(|name| name.ends_with(".meta.json") && name.starts_with("roles-"))
        .expect("meta");
    let meta: Value = serde_json::from_str(&world.read("roles", &meta_name)).expect("meta JSON");
    assert_eq!(meta["job"], "roles");
    assert_eq!(meta["endpoint"], "/api/v2/roles");
    assert_eq!(meta["records"], 60);
    assert_eq!(meta["pages"], 2);
    assert_eq!(meta["total"], 60);
    let files = meta["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    for file in files {
        let name = file["name"].as_str().expect("name");
        let bytes = std::fs::read(world.out_dir().join("roles").join(name)).expect("file");
        assert_eq!(file["bytes"], bytes.len());
        assert_eq!(file["sha256"].as_str().map(str::len), Some(64));
    }
    assert!(
        meta["a0snap_version"].is_string()
            && meta["started_at"].is_string()
            && meta["finished_at"].is_string()
    );
}
