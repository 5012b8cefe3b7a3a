//! `mode = "export"` against the fake tenant: Auth0's bulk user export, polled, downloaded
//! without the token and written through the usual writers.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Run, World, config, empty_sizes};
use fake_auth0::{ExportBehaviour, Sizes};
use serde_json::Value;

fn export_job(extra: &str, output: &str) -> String {
    format!(
        "every = \"1d\"\nendpoint = \"users\"\nmode = \"export\"\n{extra}\n[output]\n{output}\n"
    )
}

/// Runs `a0snap ARGS` like `World::a0snap`, sampling the child's peak resident memory
/// (`VmHWM`, in KiB) from /proc while it runs.
async fn run_measuring_peak(world: &World, args: &[&str]) -> (Run, u64) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_a0snap"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(world.env())
        .current_dir(world.dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("a0snap starts");
    let status_file = format!("/proc/{}/status", child.id().expect("pid"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let collect = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut out, mut err) = (String::new(), String::new());
        let _ = tokio::join!(
            stdout.read_to_string(&mut out),
            stderr.read_to_string(&mut err)
        );
        (out, err)
    });
    let mut peak_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if let Some(kib) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|text| vm_hwm_kib(&text))
        {
            peak_kib = peak_kib.max(kib);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let (stdout, stderr) = collect.await.expect("output");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    };
    (run, peak_kib)
}

/// The `user_id` of an exported user's line, found without parsing the whole line (which
/// would take seconds for 50,000 users in a debug build): the fake's ids hold no escapes, and
/// the top-level `user_id` comes first, before the one inside `identities` (a0snap asks for it
/// first, and an export writes the fields in the order asked).
fn user_id(line: &str) -> String {
    let start = line.find("\"user_id\":\"").expect("a user_id") + "\"user_id\":\"".len();
    let length = line[start..].find('"').expect("the end of the user_id");
    line[start..start + length].to_owned()
}

fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_50000_user_export_has_every_user_once_in_bounded_memory() {
    let world = World::start(config(Sizes {
        users: 50_000,
        ..empty_sizes()
    }))
    .await;
    world
        .job("users", &export_job("", "format = \"ndjson\""))
        .job("baseline", "every = \"1d\"\nendpoint = \"roles\"\n");
    // The same binary writing an empty snapshot: what a run needs before any data.
    let (baseline, baseline_kib) = run_measuring_peak(&world, &["run", "--job", "baseline"]).await;
    assert_eq!(baseline.code, 0, "{}", baseline.all_output());
    world.fake.reset_counters();
    let (run, peak_kib) = run_measuring_peak(&world, &["run", "--job", "users"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stdout.contains("50000 records, users export job_"),
        "{}",
        run.stdout
    );

    let text = world.read("users", "latest.ndjson");
    let mut ids = HashSet::new();
    let mut lines = 0;
    for line in text.lines() {
        ids.insert(user_id(line));
        lines += 1;
    }
    let served: HashSet<String> = world.fake.with_tenant(|tenant| {
        tenant
            .records("users")
            .iter()
            .filter_map(|user| user["user_id"].as_str().map(str::to_owned))
            .collect()
    });
    assert_eq!(lines, 50_000, "every user once");
    assert_eq!(ids.len(), served.len());
    assert!(
        ids == served,
        "{} exported ids are not served",
        ids.difference(&served).count()
    );

    // The decompressed export is over 30 MB: a client that held it, or its records, would
    // peak that much above a run that writes an empty snapshot. Streaming, the difference measured a few MB.
    let text_mb = text.len() as u64 / 1_000_000;
    assert!(
        text_mb > 30,
        "the export is big enough to tell: {text_mb} MB"
    );
    assert!(baseline_kib > 0, "the peak could not be read");
    assert!(
        peak_kib < baseline_kib + 16 * 1024,
        "a0snap peaked at {peak_kib} KiB exporting {text_mb} MB, {baseline_kib} KiB writing an empty snapshot"
    );
    eprintln!(
        "resident peak: {baseline_kib} KiB for an empty snapshot, {peak_kib} KiB for 50,000 users"
    );

    let requests = world.fake.requests();
    assert!(
        requests.iter().all(|r| r.starts_with("/api/v2/jobs/")),
        "{requests:?}"
    );
    assert!(!requests.iter().any(|r| r.starts_with("/api/v2/users")));
    let downloads = world.fake.downloads();
    assert_eq!(downloads.len(), 1);
    assert!(
        downloads.iter().all(|download| !download.authorization),
        "the token went to the download location"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_columns_of_an_export_read_like_those_of_paged_users() {
    let world = World::start(config(Sizes {
        users: 45,
        ..empty_sizes()
    }))
    .await;
    let output = "format = [\"csv\", \"json\"]\ncolumns = [\"user_id\", \"email\", \"identities.0.connection\", \"app_metadata.plan\", \"blocked\"]";
    world.job("exported", &export_job("", output)).job(
        "paged",
        &format!("every = \"1d\"\nendpoint = \"users\"\n[output]\n{output}\n"),
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        header_and_sorted_rows(&world.read("exported", "latest.csv")),
        header_and_sorted_rows(&world.read("paged", "latest.csv"))
    );
    let exported: Vec<Value> =
        serde_json::from_str(&world.read("exported", "latest.json")).expect("json");
    assert_eq!(exported, world.served("users"));
    let meta: Value =
        serde_json::from_str(&world.read("exported", "latest.meta.json")).expect("meta");
    assert_eq!(meta["pagination"], "export");
    assert!(
        meta["export"]["job_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("job_"))
    );
    world.assert_no_secrets(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_job_params_choose_the_fields_and_the_limit() {
    let world = World::start(config(Sizes {
        users: 30,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "users",
        &export_job(
            "params = { fields = \"email\", limit = 7 }",
            "format = \"ndjson\"",
        ),
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let users: Vec<Value> = world
        .read("users", "latest.ndjson")
        .lines()
        .map(|line| serde_json::from_str(line).expect("user"))
        .collect();
    let served = world.served("users");
    assert_eq!(users.len(), 7);
    for (user, served) in users.iter().zip(&served) {
        let keys: Vec<&String> = user.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["user_id", "email"], "user_id is always asked for");
        assert_eq!(user["email"], served["email"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_export_job_fails_the_run_with_auth0s_reason_and_writes_nothing() {
    let world = World::start(config(Sizes {
        users: 10,
        ..empty_sizes()
    }))
    .await;
    world.fake.set_export_behaviour(ExportBehaviour {
        polls_until_done: 1,
        fail_with: Some("Internal error while generating the export".to_owned()),
        ..ExportBehaviour::default()
    });
    world.job("users", &export_job("", "format = \"json\""));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout.contains("Auth0's users export job_")
            && run.stdout.contains(
                "failed: Internal error while generating the export; run the job again later"
            ),
        "{}",
        run.stdout
    );
    let visible = world.visible_files("users");
    assert!(visible.is_empty(), "{visible:?}");
    assert!(world.fake.downloads().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_read_users_is_told_which_scope_to_grant() {
    let mut config = config(Sizes {
        users: 3,
        ..empty_sizes()
    });
    config.scopes.retain(|scope| scope != "read:users");
    let world = World::start(config).await;
    world.job("users", &export_job("", "format = \"json\""));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("POST /api/v2/jobs/users-exports answered 403")
            && run.stdout.contains("grant read:users"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_records_a_token_sent_to_a_download_location() {
    // The check above means something only if the fake notices a header when there is one.
    let world = World::start(config(empty_sizes())).await;
    let url = format!("{}/downloads/job_none.json.gz", world.fake.base_url());
    let answer = reqwest::Client::new()
        .get(&url)
        .bearer_auth("some-token")
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 403);
    let downloads = world.fake.downloads();
    assert_eq!(downloads.len(), 1);
    assert!(downloads[0].authorization);
}

/// The CSV rows of `text` as cells, header first.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_export_without_fields_asks_for_its_columns_so_every_row_has_its_plan() {
    let world = World::start(config(Sizes {
        users: 40,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "users",
        &export_job(
            "",
            "format = \"csv\"\ncolumns = [\"user_id\", \"email\", \"app_metadata.plan\"]",
        ),
    );
    let validate = world.a0snap(&["validate"]).await;
    assert!(
        validate
            .stdout
            .contains("bulk export of 3 fields (user_id, email, app_metadata.plan)"),
        "{}",
        validate.all_output()
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows = csv_rows(&world.read("users", "latest.csv"));
    assert_eq!(rows[0], ["user_id", "email", "app_metadata.plan"]);
    let served = world.served("users");
    assert_eq!(rows.len() - 1, served.len());
    for (row, user) in rows[1..].iter().zip(&served) {
        let plan = user["app_metadata"]["plan"].as_str().expect("a plan");
        assert_eq!(
            row,
            &[
                user["user_id"].as_str().expect("an id"),
                user["email"].as_str().expect("an email"),
                plan
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_file_with_flat_dotted_keys_reads_into_the_same_csv_as_paged_users() {
    let world = World::start(config(Sizes {
        users: 25,
        ..empty_sizes()
    }))
    .await;
    world.fake.set_export_behaviour(ExportBehaviour {
        flat_keys: true,
        ..ExportBehaviour::default()
    });
    let output = "format = \"csv\"\ncolumns = [\"user_id\", \"app_metadata.plan\", \"user_metadata.locale\", \"identities[0].connection\"]";
    world.job("exported", &export_job("", output)).job(
        "paged",
        &format!("every = \"1d\"\nendpoint = \"users\"\n[output]\n{output}\n"),
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let exported = world.read("exported", "latest.csv");
    assert_eq!(
        header_and_sorted_rows(&exported),
        header_and_sorted_rows(&world.read("paged", "latest.csv"))
    );
    let rows = csv_rows(&exported);
    assert_eq!(rows.len(), 26);
    assert!(
        rows[1..]
            .iter()
            .all(|row| row.iter().all(|cell| !cell.is_empty())),
        "{exported}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn more_than_30_export_columns_fail_validation_naming_the_file_the_key_and_the_fix() {
    let world = World::start(config(empty_sizes())).await;
    let columns: Vec<String> = (1..=30).map(|n| format!("\"app_metadata.f{n}\"")).collect();
    world.job(
        "wide",
        &export_job(
            "",
            &format!("format = \"csv\"\ncolumns = [{}]", columns.join(", ")),
        ),
    );
    let validate = world.a0snap(&["validate"]).await;
    assert_eq!(validate.code, 2, "{}", validate.all_output());
    let file = world.jobs_dir().join("wide.toml");
    let expected = format!(
        "{}: output.columns: needs 31 export fields with user_id, but Auth0 exports at most 30 per job, so \"app_metadata.f30\" and the fields after it would be refused; drop columns",
        file.display()
    );
    assert!(
        validate.all_output().contains(&expected),
        "{}",
        validate.all_output()
    );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(
        world.fake.requests().is_empty(),
        "{:?}",
        world.fake.requests()
    );
}

/// A CSV's header, then its rows sorted: paged users come sorted by `user_id` (Auth0's default
/// order is not stable between requests), an export in the tenant's order, and the rows must
/// be the same, each written the same way.
fn header_and_sorted_rows(csv: &str) -> Vec<String> {
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    if lines.len() > 1 {
        lines[1..].sort();
    }
    lines
}

fn jobs_reads(world: &World) -> usize {
    world
        .fake
        .requests()
        .iter()
        .filter(|request| request.starts_with("/api/v2/jobs/job_"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_download_link_is_replaced_by_reading_the_job_once_and_the_export_completes() {
    let world = World::start(config(Sizes {
        users: 25,
        ..empty_sizes()
    }))
    .await;
    world.fake.set_export_behaviour(ExportBehaviour {
        polls_until_done: 1,
        expired_locations: 1,
        ..ExportBehaviour::default()
    });
    world.job("users", &export_job("", "format = \"json\""));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let users: Vec<Value> =
        serde_json::from_str(&world.read("users", "latest.json")).expect("json");
    assert_eq!(users.len(), 25);
    // Two polls to completion, then one more read for the fresh link.
    assert_eq!(jobs_reads(&world), 3, "{:?}", world.fake.requests());
    let downloads = world.fake.downloads();
    assert_eq!(downloads.len(), 2, "{downloads:?}");
    assert!(downloads.iter().all(|download| !download.authorization));
    let meta_name = world
        .files("users")
        .into_iter()
        .find(|name| name.ends_with(".meta.json"))
        .expect("meta file");
    let meta: Value = serde_json::from_str(&world.read("users", &meta_name)).expect("meta");
    assert_eq!(meta["export"]["polls"], 3);
    assert!(!run.all_output().contains("X-Amz-Signature"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_link_that_has_expired_too_fails_the_run_once_naming_the_expiry_and_writes_nothing()
{
    let world = World::start(config(Sizes {
        users: 5,
        ..empty_sizes()
    }))
    .await;
    world.fake.set_export_behaviour(ExportBehaviour {
        polls_until_done: 0,
        expired_locations: 5,
        ..ExportBehaviour::default()
    });
    world.job("users", &export_job("", "format = \"json\""));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("the link had expired, and so had the fresh one")
            && run.stdout.contains("valid for 60 s"),
        "{}",
        run.stdout
    );
    assert!(!run.all_output().contains("X-Amz-Signature"));
    assert_eq!(jobs_reads(&world), 2, "{:?}", world.fake.requests());
    assert_eq!(world.fake.downloads().len(), 2);
    let visible = world.visible_files("users");
    assert!(visible.is_empty(), "{visible:?}");
}
