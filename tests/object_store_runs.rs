//! Whole runs of the real binary with `A0SNAP_OUTPUT_DIR` naming a bucket (moto's S3 server)
//! or a container (Azurite): the layout and the promises of the folder output, checked in the
//! store through the tests' own `object_store` client. Each test starts its own server and
//! returns early with the harness's `SKIPPED` message when it cannot.
//!
//! The checks shared by the tests are here: [`assert_complete_export`] (every object of a
//! committed snapshot, byte for byte as its meta object lists it) and
//! [`assert_only_complete_snapshots`] (no object of a snapshot without a meta object).

mod azure;
mod history;
mod layout;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::bucket::Bucket;

/// The file name suffixes of a snapshot's objects, longest first so that `.meta.json` is not
/// taken for `.json`.
const SNAPSHOT_SUFFIXES: [&str; 6] = [
    ".meta.json",
    ".changes.json",
    ".secret-digests.json",
    ".ndjson",
    ".json",
    ".csv",
];

/// `{prefix}/{job}`: the job's folder in the bucket.
fn folder(prefix: &str, job: &str) -> String {
    format!("{prefix}/{job}")
}

/// The names (without the folder) of the objects in `{prefix}/{job}/`, sorted.
async fn names(bucket: &Bucket, prefix: &str, job: &str) -> Vec<String> {
    let folder = folder(prefix, job);
    bucket
        .keys(&folder)
        .await
        .into_iter()
        .map(|key| {
            key.strip_prefix(&format!("{folder}/"))
                .unwrap_or_else(|| panic!("{key} is not below {folder}/"))
                .to_owned()
        })
        .collect()
}

/// The stem of a snapshot object's name (`apps-20261130T060102Z` for
/// `apps-20261130T060102Z.meta.json`), `None` for `latest.*`, `last-run.json`, `.lock`.
fn stem_of(job: &str, name: &str) -> Option<String> {
    if !name.starts_with(&format!("{job}-")) {
        return None;
    }
    SNAPSHOT_SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .map(str::to_owned)
}

/// The snapshots in the job's folder: stem -> the names of its objects.
async fn snapshots(bucket: &Bucket, prefix: &str, job: &str) -> BTreeMap<String, Vec<String>> {
    let mut snapshots: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in names(bucket, prefix, job).await {
        if let Some(stem) = stem_of(job, &name) {
            snapshots.entry(stem).or_default().push(name);
        }
    }
    snapshots
}

/// The JSON of `{prefix}/{job}/{name}`.
async fn read_json(bucket: &Bucket, prefix: &str, job: &str, name: &str) -> Value {
    let key = format!("{}/{name}", folder(prefix, job));
    serde_json::from_slice(&bucket.read(&key).await)
        .unwrap_or_else(|error| panic!("{key} is not JSON: {error}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The stem `latest.meta.json` names (from its `files`), with the meta itself.
async fn latest(bucket: &Bucket, prefix: &str, job: &str) -> (String, Value) {
    let meta = read_json(bucket, prefix, job, "latest.meta.json").await;
    let first = meta["files"][0]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("latest.meta.json lists no file: {meta}"));
    let stem = stem_of(job, first).unwrap_or_else(|| panic!("{first} is not a snapshot's"));
    (stem, meta)
}

/// Asserts that snapshot `stem` is complete: its meta object is there, and every data object
/// it lists has the size and SHA-256 the meta gives. Returns the meta.
async fn assert_snapshot_complete(bucket: &Bucket, prefix: &str, job: &str, stem: &str) -> Value {
    let meta = read_json(bucket, prefix, job, &format!("{stem}.meta.json")).await;
    let files = meta["files"].as_array().expect("meta lists files");
    assert!(!files.is_empty(), "{stem}.meta.json lists no file");
    for file in files {
        let name = file["name"].as_str().expect("a file name");
        assert_eq!(
            stem_of(job, name).as_deref(),
            Some(stem),
            "{name} in {stem}"
        );
        let body = bucket
            .read(&format!("{}/{name}", folder(prefix, job)))
            .await;
        assert_eq!(
            Some(body.len() as u64),
            file["bytes"].as_u64(),
            "size of {name}"
        );
        assert_eq!(
            Some(sha256_hex(&body).as_str()),
            file["sha256"].as_str(),
            "SHA-256 of {name}"
        );
    }
    meta
}

/// Asserts that every `{job}-{ts}.*` object belongs to a snapshot whose meta object is there
/// and lists it (or is its change report, or the digests of its secrets kept for the next
/// report, which no meta lists), and that each such snapshot is complete. Returns
/// the stems, oldest first.
async fn assert_only_complete_snapshots(bucket: &Bucket, prefix: &str, job: &str) -> Vec<String> {
    let snapshots = snapshots(bucket, prefix, job).await;
    for (stem, objects) in &snapshots {
        let meta_name = format!("{stem}.meta.json");
        assert!(
            objects.contains(&meta_name),
            "{stem} has objects without a meta object: {objects:?}"
        );
        let meta = assert_snapshot_complete(bucket, prefix, job, stem).await;
        let mut expected: BTreeSet<String> = meta["files"]
            .as_array()
            .expect("files")
            .iter()
            .filter_map(|file| file["name"].as_str().map(str::to_owned))
            .collect();
        expected.insert(meta_name);
        if let Some(report) = meta["changes"]["file"].as_str() {
            expected.insert(report.to_owned());
        }
        let digests = format!("{stem}.secret-digests.json");
        if objects.contains(&digests) {
            expected.insert(digests);
        }
        let found: BTreeSet<String> = objects.iter().cloned().collect();
        assert_eq!(found, expected, "the objects of {stem}");
    }
    snapshots.into_keys().collect()
}

/// What one job of a full export must hold in the store.
struct Expected<'a> {
    /// The job's name.
    job: &'a str,
    /// Its formats, as the extensions of its data objects.
    formats: &'a [&'a str],
    /// The records the fake tenant serves for it.
    records: &'a [Value],
    /// Its CSV columns, when it writes CSV.
    columns: &'a [&'a str],
}

/// Asserts a job's folder after one successful run: exactly one snapshot, `{job}-{ts}.{ext}`
/// for each format plus its meta object, `latest.{ext}` and `latest.meta.json` equal to them
/// byte for byte, `last-run.json` saying success, no `.lock`; sizes and SHA-256 as the meta
/// lists them; the records those the tenant serves.
async fn assert_complete_export(bucket: &Bucket, prefix: &str, expected: &Expected<'_>) {
    let job = expected.job;
    let stems = assert_only_complete_snapshots(bucket, prefix, job).await;
    assert_eq!(stems.len(), 1, "{stems:?}");
    let stem = &stems[0];
    let mut layout: Vec<String> = vec![
        "last-run.json".into(),
        "latest.meta.json".into(),
        format!("{stem}.meta.json"),
    ];
    for ext in expected.formats {
        layout.push(format!("{stem}.{ext}"));
        layout.push(format!("latest.{ext}"));
    }
    layout.sort();
    assert_eq!(
        names(bucket, prefix, job).await,
        layout,
        "no .lock, nothing else"
    );

    let dir = folder(prefix, job);
    let meta_key = format!("{dir}/{stem}.meta.json");
    assert_eq!(
        bucket.read(&format!("{dir}/latest.meta.json")).await,
        bucket.read(&meta_key).await,
        "latest.meta.json is the snapshot's meta"
    );
    let meta = read_json(bucket, prefix, job, "latest.meta.json").await;
    assert_eq!(meta["job"], job);
    assert_eq!(
        meta["records"].as_u64(),
        Some(expected.records.len() as u64),
        "{meta}"
    );
    let formats: Vec<&str> = meta["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|file| file["format"].as_str())
        .collect();
    assert_eq!(formats.len(), expected.formats.len(), "{meta}");

    for ext in expected.formats {
        let data = bucket.read(&format!("{dir}/{stem}.{ext}")).await;
        assert_eq!(
            bucket.read(&format!("{dir}/latest.{ext}")).await,
            data,
            "latest.{ext} is {stem}.{ext} byte for byte"
        );
        let text = std::str::from_utf8(&data).expect("UTF-8");
        match *ext {
            "json" => {
                let records: Vec<Value> = serde_json::from_str(text).expect("a JSON array");
                assert_eq!(records.len(), expected.records.len(), "{stem}.json");
                assert_eq!(
                    ids(&records),
                    ids(expected.records),
                    "the records of {stem}.json"
                );
            }
            "ndjson" => {
                let records: Vec<Value> = text
                    .lines()
                    .map(|line| serde_json::from_str(line).expect("a JSON line"))
                    .collect();
                assert_eq!(ids(&records), ids(expected.records), "{stem}.ndjson");
            }
            "csv" => {
                let header = text.lines().next().expect("a header row");
                assert_eq!(header, expected.columns.join(","), "{stem}.csv");
                assert_eq!(
                    text.lines().count(),
                    expected.records.len() + 1,
                    "{stem}.csv"
                );
            }
            other => panic!("unexpected format {other}"),
        }
    }
    let last_run = read_json(bucket, prefix, job, "last-run.json").await;
    assert_eq!(last_run["outcome"], "success", "{last_run}");
    assert_eq!(
        last_run["snapshot"].as_str(),
        Some(stem.as_str()),
        "{last_run}"
    );
}

/// The identities of `records` (`client_id`, `user_id` or `log_id`), sorted: the fake serves
/// users in another order than it stores them.
fn ids(records: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = records
        .iter()
        .map(|record| {
            ["client_id", "user_id", "log_id"]
                .iter()
                .find_map(|field| record[field].as_str())
                .unwrap_or_else(|| panic!("a record without identity: {record}"))
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}
