//! The store's operations on an object store (`object_store`'s in-memory one, which keeps
//! conditional writes as S3 does) and on a local folder, which share their promises; and the
//! snapshot lifecycle on both. The real S3 server is in the integration tests.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use object_store::memory::InMemory;
use serde_json::value::RawValue;

use super::*;
use crate::atomic_file::FileMode;
use crate::snapshot::{MetaInput, OutputDraft, Snapshot};

fn memory() -> Output {
    Output::Object(Arc::new(ObjectOutput::with_store(
        Arc::new(InMemory::new()),
        "prefix",
        "s3://bucket/prefix",
    )))
}

/// Runs `body` on a blocking thread of a multi-threaded runtime, as a0snap does its file work.
fn on_blocking_thread<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move { tokio::task::spawn_blocking(body).await.unwrap() })
}

#[test]
fn urls_name_stores_and_anything_else_a_folder() {
    assert!(client::is_url("s3://bucket/prefix"));
    assert!(client::is_url("gs://bucket"));
    assert!(client::is_url("az://container/p"));
    assert!(client::is_url("S3://bucket/p"));
    assert!(!client::is_url("out"));
    assert!(!client::is_url("/var/lib/a0snap/out"));
    assert!(!client::is_url("file:///tmp/out"));
    assert!(matches!(Output::parse("out").unwrap(), Output::Local(_)));
}

#[test]
fn a_url_of_another_scheme_is_refused_rather_than_taken_for_a_folder() {
    for text in [
        "s4://bucket/p",
        "https://bucket.s3.amazonaws.com/p",
        "file:///tmp/out",
    ] {
        let error = Output::parse(text).unwrap_err().to_string();
        assert!(error.contains("s3://BUCKET/PREFIX"), "{text}: {error}");
    }
    assert!(matches!(
        Output::parse("./odd://name").unwrap(),
        Output::Local(_)
    ));
}

#[test]
fn a_url_without_a_bucket_is_refused_naming_the_fix() {
    let error = Output::parse("s3:///prefix").unwrap_err().to_string();
    assert!(error.contains("names no bucket"), "{error}");
    assert!(error.contains("s3://BUCKET/PREFIX"), "{error}");
}

#[test]
fn a_new_file_is_invisible_until_persisted_and_dropping_it_leaves_nothing() {
    let listed = on_blocking_thread(|| {
        let folder = memory().job("apps");
        let mut file = folder.create("a.json", FileMode::Shared).unwrap();
        file.write_all(b"[1]").unwrap();
        let before = folder.list().unwrap();
        file.persist().unwrap();
        let after = folder.list().unwrap();
        let mut dropped = folder.create("b.json", FileMode::Shared).unwrap();
        dropped.write_all(b"[2]").unwrap();
        drop(dropped);
        let read = folder.read("a.json").unwrap();
        (before, after, folder.list().unwrap(), read)
    });
    assert!(listed.0.is_empty());
    assert_eq!(listed.1, ["a.json"]);
    assert_eq!(listed.2, ["a.json"]);
    assert_eq!(listed.3.as_deref(), Some(&b"[1]"[..]));
}

#[test]
fn a_large_file_streams_in_parts_and_reads_back_whole() {
    let (length, same) = on_blocking_thread(|| {
        let folder = memory().job("logs");
        let mut file = folder.create("big.ndjson", FileMode::Shared).unwrap();
        let line = vec![b'x'; 999];
        let mut written = Vec::new();
        for number in 0..13_000u32 {
            let text = format!("{number}:");
            file.write_all(text.as_bytes()).unwrap();
            file.write_all(&line).unwrap();
            written.extend_from_slice(text.as_bytes());
            written.extend_from_slice(&line);
        }
        file.persist().unwrap();
        let mut read = Vec::new();
        folder
            .open("big.ndjson")
            .unwrap()
            .read_to_end(&mut read)
            .unwrap();
        (read.len(), read == written)
    });
    assert!(length > 2 * file::PART_SIZE, "{length}");
    assert!(same);
}

#[test]
fn missing_objects_read_as_none_and_remove_quietly() {
    on_blocking_thread(|| {
        let folder = memory().job("apps");
        assert!(folder.read("nothing").unwrap().is_none());
        folder.remove("nothing").unwrap();
        folder.put("x", b"1", FileMode::Private).unwrap();
        folder.remove("x").unwrap();
        assert!(folder.list().unwrap().is_empty());
    });
}

#[test]
fn a_lease_keeps_a_second_writer_out_until_released() {
    on_blocking_thread(|| {
        let output = memory();
        let folder = output.job("apps");
        let first = folder.try_lock(DEFAULT_LEASE_TTL).unwrap().expect("first");
        assert!(folder.try_lock(DEFAULT_LEASE_TTL).unwrap().is_none());
        assert!(
            output
                .job("users")
                .try_lock(DEFAULT_LEASE_TTL)
                .unwrap()
                .is_some()
        );
        first.check().unwrap();
        drop(first);
        assert!(folder.read(LEASE_OBJECT).unwrap().is_none());
        assert!(folder.try_lock(DEFAULT_LEASE_TTL).unwrap().is_some());
    });
}

#[test]
fn an_expired_lease_of_a_dead_holder_is_taken_over_by_one_process() {
    on_blocking_thread(|| {
        let folder = memory().job("apps");
        let dead = r#"{"holder":"gone:1","token":"t","expires_at":"2020-01-01T00:00:00Z"}"#;
        folder
            .put(LEASE_OBJECT, dead.as_bytes(), FileMode::Private)
            .unwrap();
        let taken = folder
            .try_lock(DEFAULT_LEASE_TTL)
            .unwrap()
            .expect("taken over");
        assert!(folder.try_lock(DEFAULT_LEASE_TTL).unwrap().is_none());
        let text = String::from_utf8(folder.read(LEASE_OBJECT).unwrap().unwrap()).unwrap();
        assert!(!text.contains("gone:1"), "{text}");
        drop(taken);
    });
}

#[test]
fn a_lease_is_renewed_while_held_and_lost_when_another_process_replaced_it() {
    on_blocking_thread(|| {
        let folder = memory().job("apps");
        let ttl = Duration::from_millis(900);
        let lease = folder.try_lock(ttl).unwrap().expect("lease");
        let first = folder.read(LEASE_OBJECT).unwrap().unwrap();
        // Past its first time to live, renewed twice on the way.
        std::thread::sleep(Duration::from_millis(1300));
        lease.check().unwrap();
        assert_ne!(folder.read(LEASE_OBJECT).unwrap().unwrap(), first);
        // Another process writes its own lease in place (as after a takeover).
        let other = r#"{"holder":"other:2","token":"u","expires_at":"2999-01-01T00:00:00Z"}"#;
        folder
            .put(LEASE_OBJECT, other.as_bytes(), FileMode::Private)
            .unwrap();
        std::thread::sleep(Duration::from_millis(700));
        let error = lease.check().unwrap_err().to_string();
        assert!(error.contains("nothing was committed"), "{error}");
        drop(lease);
        // The other process's lease stays.
        assert!(
            folder
                .read(LEASE_OBJECT)
                .unwrap()
                .unwrap()
                .starts_with(other.as_bytes())
        );
    });
}

fn record(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_owned()).unwrap()
}

/// Commits a snapshot of `records` in every format, with a change report, to `folder`.
fn export(folder: JobFolder, at: &str, records: &[&str]) -> crate::snapshot::Committed {
    let spec = OutputDraft {
        formats: [
            crate::snapshot::Format::Json,
            crate::snapshot::Format::Ndjson,
            crate::snapshot::Format::Csv,
        ]
        .into_iter()
        .collect(),
        columns: [crate::snapshot::Column::parse("id").unwrap()]
            .into_iter()
            .collect(),
        keep: 2,
        changes: true,
        identity: Some("id".into()),
        ..OutputDraft::default()
    }
    .check()
    .unwrap();
    let mut draft = Snapshot::begin(folder, "apps", at.parse().unwrap(), &spec).unwrap();
    for text in records {
        draft.write(&record(text)).unwrap();
    }
    draft
        .commit(MetaInput::new("/api/v2/clients", at.parse().unwrap(), 1))
        .unwrap()
}

#[test]
fn a_snapshot_in_a_store_has_the_layout_of_one_on_disk() {
    let (in_store, on_disk) = on_blocking_thread(|| {
        let output = memory();
        let dir = tempfile::tempdir().unwrap();
        let local = Output::Local(dir.path().to_owned());
        let mut results = Vec::new();
        for output in [&output, &local] {
            export(
                output.job("apps"),
                "2024-03-05T00:00:00Z",
                &[r#"{"id":"a","n":1}"#],
            );
            export(
                output.job("apps"),
                "2024-03-06T00:00:00Z",
                &[r#"{"id":"a","n":2}"#, r#"{"id":"b"}"#],
            );
            let last = export(
                output.job("apps"),
                "2024-03-07T00:00:00Z",
                &[r#"{"id":"b"}"#],
            );
            let folder = output.job("apps");
            let mut names = folder.list().unwrap();
            names.retain(|name| !name.starts_with('.'));
            names.sort();
            let read = |name: &str| String::from_utf8(folder.read(name).unwrap().unwrap()).unwrap();
            results.push((
                names,
                read("latest.ndjson"),
                read("latest.csv"),
                read(&format!("{}.changes.json", last.stem)),
                last.removed_by_retention,
            ));
        }
        (results.remove(0), results.remove(0))
    });
    assert_eq!(in_store.0, on_disk.0);
    assert!(in_store.0.contains(&"latest.meta.json".to_owned()));
    assert!(!in_store.0.iter().any(|name| name.contains("20240305")));
    assert_eq!(in_store.1, "{\"id\":\"b\"}\n");
    assert_eq!(in_store.2, on_disk.2);
    let report: serde_json::Value = serde_json::from_str(&in_store.3).unwrap();
    assert_eq!(report["removed"], serde_json::json!(["a"]));
    assert_eq!(in_store.4, ["apps-20240305T000000Z"]);
}

#[test]
fn a_dropped_snapshot_leaves_nothing_in_the_store_and_uncommitted_objects_are_swept() {
    let names = on_blocking_thread(|| {
        let output = memory();
        let spec = OutputDraft::default().check().unwrap();
        let mut draft = Snapshot::begin(
            output.job("apps"),
            "apps",
            "2024-03-05T00:00:00Z".parse().unwrap(),
            &spec,
        )
        .unwrap();
        draft.write(&record(r#"{"id":"a"}"#)).unwrap();
        drop(draft);
        let folder = output.job("apps");
        let after_drop = folder.list().unwrap();
        // What a run killed between its data objects and its meta object leaves.
        folder
            .put("apps-20240306T000000Z.json", b"[]", FileMode::Shared)
            .unwrap();
        let swept = crate::snapshot::sweep_uncommitted(&folder, "apps").unwrap();
        (after_drop, swept, folder.list().unwrap())
    });
    assert!(names.0.is_empty(), "{:?}", names.0);
    assert_eq!(names.1, 1);
    assert!(names.2.is_empty());
}

#[test]
fn the_probe_passes_on_a_store_with_conditional_writes_and_leaves_nothing() {
    on_blocking_thread(|| {
        let output = memory();
        output.probe().unwrap();
        // Its object is gone: an object left behind would make the next probe's name clash
        // only by chance, so look for any object at all.
        let Output::Object(objects) = &output else {
            unreachable!()
        };
        assert!(objects.is_empty_for_tests());
        output.probe().unwrap();
    });
}
