//! End-to-end tests of a snapshot: the files a user finds in the job folder.

use std::fs;
use std::path::Path;

use jiff::Timestamp;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::*;

mod latest;
#[cfg(unix)]
mod modes;
mod refused;

const APPS: [&str; 3] = [
    r#"{"client_id":"c1","name":"Default App","callbacks":["https://a.example/cb"],"jwt_configuration":{"alg":"RS256","lifetime_in_seconds":36000},"client_secret":"s3cr3t","signing_keys":[{"cert":"-----BEGIN CERTIFICATE-----"}]}"#,
    r#"{"client_id":"c2","name":"=HYPERLINK(\"x\")","callbacks":[],"app_type":"spa","price":1.50}"#,
    r#"{"client_id":"c3","name":"API Explorer, \"test\"","is_first_party":true,"options":{"nested":{"twilio_token":"t","keep":[1,2]}}}"#,
];

fn records(texts: &[&str]) -> Vec<Box<RawValue>> {
    texts
        .iter()
        .map(|text| RawValue::from_string((*text).to_owned()).unwrap())
        .collect()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn draft(formats: &[Format], columns: &[&str]) -> OutputDraft {
    OutputDraft {
        formats: formats.iter().copied().collect(),
        columns: columns.iter().map(|c| Column::parse(c).unwrap()).collect(),
        ..OutputDraft::default()
    }
}

fn spec(formats: &[Format], columns: &[&str]) -> OutputSpec {
    draft(formats, columns).check().unwrap()
}

fn all_formats_draft() -> OutputDraft {
    draft(
        &[Format::Json, Format::Ndjson, Format::Csv],
        &["client_id", "name", "jwt_configuration.alg", "callbacks"],
    )
}

fn all_formats() -> OutputSpec {
    all_formats_draft().check().unwrap()
}

fn export(dir: &Path, started: &str, spec: &OutputSpec, texts: &[&str]) -> Committed {
    let mut snapshot = Snapshot::begin(dir, "apps", at(started), spec).unwrap();
    let records = records(texts);
    snapshot
        .write_all(records.iter().map(|record| &**record))
        .unwrap();
    assert_eq!(snapshot.records(), texts.len() as u64);
    snapshot
        .commit(MetaInput::new("/api/v2/clients", at(started), 1))
        .unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn without_secrets_json_and_ndjson_hold_the_records_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let plain = [APPS[1], r#"{"a":{"b" : [1, 2.0e3]},"u":"caf\u00e9 \"q\""}"#];
    export(dir.path(), "2024-03-05T05:08:09Z", &all_formats(), &plain);
    assert_eq!(
        read(dir.path(), "apps-20240305T050809Z.json"),
        format!("[\n{}\n]\n", plain.join(",\n"))
    );
    assert_eq!(
        read(dir.path(), "apps-20240305T050809Z.ndjson"),
        format!("{}\n", plain.join("\n"))
    );
}

#[test]
fn a_commit_writes_every_format_the_meta_file_and_latest() {
    let dir = tempfile::tempdir().unwrap();
    let committed = export(dir.path(), "2024-03-05T05:08:09Z", &all_formats(), &APPS);
    let stem = "apps-20240305T050809Z";
    assert_eq!(committed.stem, stem);
    assert_eq!(committed.records, 3);
    assert_eq!(
        names(dir.path()),
        [
            "apps-20240305T050809Z.csv",
            "apps-20240305T050809Z.json",
            "apps-20240305T050809Z.meta.json",
            "apps-20240305T050809Z.ndjson",
            "latest.csv",
            "latest.json",
            "latest.meta.json",
            "latest.ndjson",
        ]
    );
    for suffix in ["json", "ndjson", "csv", "meta.json"] {
        assert_eq!(
            read(dir.path(), &format!("latest.{suffix}")),
            read(dir.path(), &format!("{stem}.{suffix}"))
        );
    }
    let meta: serde_json::Value =
        serde_json::from_str(&read(dir.path(), &format!("{stem}.meta.json"))).unwrap();
    assert_eq!(meta["job"], "apps");
    assert_eq!(meta["endpoint"], "/api/v2/clients");
    assert_eq!(meta["records"], 3);
    assert_eq!(meta["pages"], 1);
    let files = meta["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for (entry, written) in files.iter().zip(&committed.files) {
        let bytes = fs::read(&written.path).unwrap();
        assert_eq!(entry["name"], written.name.as_str());
        assert_eq!(entry["bytes"], bytes.len() as u64);
        assert_eq!(entry["sha256"], hex::encode(Sha256::digest(&bytes)));
    }
    assert_eq!(
        committed.meta_path,
        dir.path().join(format!("{stem}.meta.json"))
    );
}

#[test]
fn secrets_are_redacted_in_every_format_and_field_order_survives() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(
        &[Format::Json, Format::Ndjson, Format::Csv],
        &["client_id", "client_secret", "options"],
    );
    export(
        dir.path(),
        "2024-03-05T05:08:09Z",
        &spec,
        &[APPS[0], APPS[2]],
    );
    let json = read(dir.path(), "latest.json");
    assert!(
        !json.contains("s3cr3t") && !json.contains("BEGIN CERTIFICATE") && !json.contains("\"t\""),
        "{json}"
    );
    assert!(json.contains(r#"{"client_id":"c1","name":"Default App","callbacks":["https://a.example/cb"],"jwt_configuration":{"alg":"RS256","lifetime_in_seconds":36000},"client_secret":"[REDACTED]","signing_keys":"[REDACTED]"}"#), "{json}");
    assert!(
        read(dir.path(), "latest.ndjson")
            .contains(r#""options":{"nested":{"twilio_token":"[REDACTED]","keep":[1,2]}}"#)
    );
    let csv = read(dir.path(), "latest.csv");
    assert_eq!(
        csv,
        "client_id,client_secret,options\nc1,[REDACTED],\nc3,,\"{\"\"nested\"\":{\"\"twilio_token\"\":\"\"[REDACTED]\"\",\"\"keep\"\":[1,2]}}\"\n"
    );
}

#[test]
fn redaction_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let spec = OutputDraft {
        redact: false,
        ..draft(&[Format::Ndjson], &[])
    }
    .check()
    .unwrap();
    export(dir.path(), "2024-03-05T05:08:09Z", &spec, &[APPS[0]]);
    assert_eq!(read(dir.path(), "latest.ndjson"), format!("{}\n", APPS[0]));
}

#[test]
fn the_csv_file_quotes_neutralises_and_leaves_missing_paths_empty() {
    let dir = tempfile::tempdir().unwrap();
    export(
        dir.path(),
        "2024-03-05T05:08:09Z",
        &spec(
            &[Format::Csv],
            &["name", "jwt_configuration.alg", "callbacks.0"],
        ),
        &APPS,
    );
    assert_eq!(
        read(dir.path(), "latest.csv"),
        "name,jwt_configuration.alg,callbacks.0\nDefault App,RS256,https://a.example/cb\n\"'=HYPERLINK(\"\"x\"\")\",,\n\"API Explorer, \"\"test\"\"\",,\n"
    );
}

#[test]
fn an_empty_export_still_makes_valid_files() {
    let dir = tempfile::tempdir().unwrap();
    let committed = export(dir.path(), "2024-03-05T05:08:09Z", &all_formats(), &[]);
    assert_eq!(committed.records, 0);
    assert_eq!(read(dir.path(), "latest.json"), "[]\n");
    assert_eq!(read(dir.path(), "latest.ndjson"), "");
    assert_eq!(
        read(dir.path(), "latest.csv"),
        "client_id,name,jwt_configuration.alg,callbacks\n"
    );
}

#[test]
fn a_second_run_in_the_same_second_gets_a_numbered_name_and_becomes_latest() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&[Format::Ndjson], &[]);
    export(dir.path(), "2024-03-05T05:08:09.1Z", &spec, &[APPS[1]]);
    let second = export(dir.path(), "2024-03-05T05:08:09.9Z", &spec, &[r#"{"n":2}"#]);
    let third = export(dir.path(), "2024-03-05T05:08:09.9Z", &spec, &[r#"{"n":3}"#]);
    assert_eq!(second.stem, "apps-20240305T050809Z-2");
    assert_eq!(third.stem, "apps-20240305T050809Z-3");
    assert_eq!(
        read(dir.path(), "apps-20240305T050809Z.ndjson"),
        format!("{}\n", APPS[1])
    );
    assert_eq!(
        read(dir.path(), "apps-20240305T050809Z-2.ndjson"),
        "{\"n\":2}\n"
    );
    assert_eq!(read(dir.path(), "latest.ndjson"), "{\"n\":3}\n");
}

#[test]
fn a_dropped_snapshot_leaves_nothing_and_keeps_latest_and_older_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), "2024-03-05T05:08:09Z", &all_formats(), &APPS);
    let before = names(dir.path());
    let latest = read(dir.path(), "latest.csv");

    let mut failed = Snapshot::begin(
        dir.path(),
        "apps",
        at("2024-03-06T00:00:00Z"),
        &all_formats(),
    )
    .unwrap();
    failed.write(&records(&[APPS[1]])[0]).unwrap();
    assert_eq!(
        names(dir.path()).len(),
        before.len() + 3,
        "temporary files while writing"
    );
    drop(failed);

    assert_eq!(names(dir.path()), before);
    assert_eq!(read(dir.path(), "latest.csv"), latest);
}

#[test]
fn a_commit_that_fails_half_way_takes_back_the_files_it_had_placed() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), "2024-03-05T05:08:09Z", &all_formats(), &APPS);
    let latest = read(dir.path(), "latest.json");
    let snapshot = Snapshot::begin(
        dir.path(),
        "apps",
        at("2024-03-06T00:00:00Z"),
        &all_formats(),
    )
    .unwrap();
    // A folder where the meta file should go makes its rename fail after the data files moved.
    let blocker = dir.path().join(format!("{}.meta.json", snapshot.stem()));
    fs::create_dir(&blocker).unwrap();
    fs::write(blocker.join("x"), "").unwrap();
    let before = names(dir.path());

    let error = snapshot
        .commit(MetaInput::new(
            "/api/v2/clients",
            at("2024-03-06T00:00:01Z"),
            1,
        ))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("apps-20240306T000000Z.meta.json"),
        "{error}"
    );
    assert_eq!(
        names(dir.path()),
        before
            .into_iter()
            .filter(|n| !n.starts_with(".a0snap-tmp-"))
            .collect::<Vec<_>>()
    );
    assert_eq!(read(dir.path(), "latest.json"), latest);
}

#[test]
fn retention_keeps_the_newest_snapshots_and_latest() {
    let dir = tempfile::tempdir().unwrap();
    let spec = OutputDraft {
        keep: 2,
        ..draft(&[Format::Json, Format::Csv], &["client_id"])
    }
    .check()
    .unwrap();
    for day in 1..=3 {
        export(
            dir.path(),
            &format!("2024-03-0{day}T00:00:00Z"),
            &spec,
            &APPS,
        );
    }
    let committed = export(dir.path(), "2024-03-04T00:00:00Z", &spec, &APPS[..1]);
    assert_eq!(committed.removed_by_retention, ["apps-20240302T000000Z"]);
    assert_eq!(
        names(dir.path()),
        [
            "apps-20240303T000000Z.csv",
            "apps-20240303T000000Z.json",
            "apps-20240303T000000Z.meta.json",
            "apps-20240304T000000Z.csv",
            "apps-20240304T000000Z.json",
            "apps-20240304T000000Z.meta.json",
            "latest.csv",
            "latest.json",
            "latest.meta.json",
        ]
    );
    assert_eq!(read(dir.path(), "latest.csv"), "client_id\nc1\n");
}

#[test]
fn a_killed_run_leaves_temporary_files_that_the_sweep_removes() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = Snapshot::begin(
        dir.path(),
        "apps",
        at("2024-03-05T00:00:00Z"),
        &all_formats(),
    )
    .unwrap();
    std::mem::forget(snapshot); // as if the process had been killed
    assert_eq!(names(dir.path()).len(), 3);
    let _lock = JobLock::try_acquire(dir.path()).unwrap().unwrap();
    assert_eq!(sweep_temp_files(dir.path()).unwrap(), 3);
    assert_eq!(names(dir.path()), [".lock"]);
}
