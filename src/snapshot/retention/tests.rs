//! Retention's rules on hand-made folders: file names stand for snapshots, meta files for
//! their record counts.

use std::fs;
use std::path::Path;

use super::*;

/// Retention by count alone.
fn by_count(keep: u32) -> Retention {
    Retention {
        keep,
        keep_for: None,
        deltas: false,
    }
}

/// The snapshot `a-{stamp}` just written, with records, as if its run started at that stamp.
fn current(stem: &str) -> Current<'_> {
    let stamp = stem.trim_start_matches("a-");
    Current {
        stem,
        records: 1,
        started_at: stamp_time(&stamp[..16]).unwrap(),
    }
}

fn days(n: u64) -> Option<Duration> {
    Some(Duration::from_secs(n * 86_400))
}

/// `{stem}.meta.json` saying the snapshot holds `records`.
fn meta(dir: &Path, stem: &str, records: u64) {
    fs::write(
        dir.join(format!("{stem}.meta.json")),
        format!("{{\"job\":\"a\",\"records\":{records}}}"),
    )
    .unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn touch(dir: &Path, names: &[&str]) {
    for name in names {
        fs::write(dir.join(name), "x").unwrap();
    }
}

#[test]
fn the_oldest_snapshots_beyond_keep_are_removed_with_all_their_files() {
    let dir = tempfile::tempdir().unwrap();
    touch(
        dir.path(),
        &[
            "a-20240101T000000Z.csv",
            "a-20240101T000000Z.meta.json",
            "a-20240101T000000Z.changes.json",
            "a-20240102T000000Z.csv",
            "a-20240102T000000Z.meta.json",
            "a-20240102T000000Z-2.csv",
            "a-20240103T000000Z.csv",
            "latest.csv",
            "latest.meta.json",
            ".lock",
            "notes.txt",
            "b-20230101T000000Z.csv",
        ],
    );
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        by_count(2),
        current("a-20240103T000000Z"),
    )
    .unwrap();
    assert_eq!(removed, ["a-20240101T000000Z", "a-20240102T000000Z"]);
    assert_eq!(
        names(dir.path()),
        [
            ".lock",
            "a-20240102T000000Z-2.csv",
            "a-20240103T000000Z.csv",
            "b-20230101T000000Z.csv",
            "latest.csv",
            "latest.meta.json",
            "notes.txt",
        ]
    );
}

#[test]
fn keep_zero_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    touch(
        dir.path(),
        &["a-20240101T000000Z.csv", "a-20240102T000000Z.csv"],
    );
    assert!(
        apply_retention(
            &dir.path().into(),
            "a",
            by_count(0),
            current("a-20240102T000000Z")
        )
        .unwrap()
        .is_empty()
    );
    assert_eq!(names(dir.path()).len(), 2);
}

#[test]
fn the_snapshot_just_written_survives_even_when_it_sorts_oldest() {
    let dir = tempfile::tempdir().unwrap();
    touch(
        dir.path(),
        &[
            "a-20240101T000000Z.csv",
            "a-20240105T000000Z.csv",
            "a-20240106T000000Z.csv",
        ],
    );
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        by_count(2),
        current("a-20240101T000000Z"),
    )
    .unwrap();
    assert_eq!(removed, ["a-20240105T000000Z"]);
    assert_eq!(
        names(dir.path()),
        ["a-20240101T000000Z.csv", "a-20240106T000000Z.csv"]
    );
}

#[test]
fn empty_deltas_do_not_count_so_the_events_outlive_quiet_runs() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = |stem: &str, records: u64| {
        touch(dir.path(), &[&format!("{stem}.ndjson")]);
        meta(dir.path(), stem, records);
    };
    // An older version wrote empty deltas for quiet runs: 2 before the first events, 30
    // between the events of the 2nd and those of the 4th.
    snapshot("a-20231231T000000Z", 0);
    snapshot("a-20231231T000100Z", 0);
    snapshot("a-20240101T000000Z", 5);
    snapshot("a-20240102T000000Z", 7);
    for minute in 0..30 {
        snapshot(&format!("a-20240103T00{minute:02}00Z"), 0);
    }
    snapshot("a-20240104T000000Z", 3);
    let rules = Retention {
        deltas: true,
        ..by_count(3)
    };

    let removed = apply_retention(
        &dir.path().into(),
        "a",
        rules,
        current("a-20240104T000000Z"),
    )
    .unwrap();

    // Three deltas with events are within keep = 3; only the empty ones beyond them go.
    assert_eq!(removed, ["a-20231231T000000Z", "a-20231231T000100Z"]);
    assert_eq!(names(dir.path()).len(), 2 * 33);

    // A fourth delta with events pushes out the oldest one.
    snapshot("a-20240105T000000Z", 1);
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        rules,
        current("a-20240105T000000Z"),
    )
    .unwrap();
    assert_eq!(removed, ["a-20240101T000000Z"]);
}

#[test]
fn without_deltas_every_snapshot_counts_even_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    for (stem, records) in [
        ("a-20240101T000000Z", 5),
        ("a-20240102T000000Z", 0),
        ("a-20240103T000000Z", 2),
    ] {
        touch(dir.path(), &[&format!("{stem}.json")]);
        meta(dir.path(), stem, records);
    }
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        by_count(2),
        current("a-20240103T000000Z"),
    )
    .unwrap();
    assert_eq!(removed, ["a-20240101T000000Z"]);
}

#[test]
fn keep_for_alone_removes_what_is_older_and_keeps_what_is_younger() {
    let dir = tempfile::tempdir().unwrap();
    touch(
        dir.path(),
        &[
            "a-20240101T000000Z.json",
            "a-20240101T000000Z.meta.json",
            "a-20240130T235959Z.json",
            "a-20240131T000000Z.json",
            "a-20240215T000000Z.json",
            "a-20240301T000000Z.json",
        ],
    );
    let rules = Retention {
        keep_for: days(30),
        ..by_count(0)
    };
    // 30 days before 2024-03-01 is 2024-01-31T00:00:00Z: exactly that old stays.
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        rules,
        current("a-20240301T000000Z"),
    )
    .unwrap();
    assert_eq!(removed, ["a-20240101T000000Z", "a-20240130T235959Z"]);
    assert_eq!(
        names(dir.path()),
        [
            "a-20240131T000000Z.json",
            "a-20240215T000000Z.json",
            "a-20240301T000000Z.json"
        ]
    );
}

#[test]
fn the_newest_snapshot_is_never_removed_by_age() {
    let dir = tempfile::tempdir().unwrap();
    // Every snapshot in the folder is older than keep_for, and the one being committed is not
    // among them (say its files were moved away): the newest still stays.
    touch(
        dir.path(),
        &["a-20240101T000000Z.json", "a-20240115T000000Z.json"],
    );
    let rules = Retention {
        keep_for: days(30),
        ..by_count(0)
    };
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        rules,
        current("a-20240401T000000Z"),
    )
    .unwrap();
    assert_eq!(removed, ["a-20240101T000000Z"]);
    assert_eq!(names(dir.path()), ["a-20240115T000000Z.json"]);
}

#[test]
fn with_keep_and_keep_for_a_snapshot_goes_only_when_both_say_so() {
    let dir = tempfile::tempdir().unwrap();
    touch(
        dir.path(),
        &[
            "a-20240101T000000Z.json",
            "a-20240102T000000Z.json",
            "a-20240301T000000Z.json",
            "a-20240302T000000Z.json",
            "a-20240303T000000Z.json",
        ],
    );
    let rules = Retention {
        keep: 2,
        keep_for: days(30),
        deltas: false,
    };
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        rules,
        current("a-20240303T000000Z"),
    )
    .unwrap();
    // Beyond 2 are the 1st of March and both of January; only January is also older than 30 days.
    assert_eq!(removed, ["a-20240101T000000Z", "a-20240102T000000Z"]);
    assert_eq!(names(dir.path()).len(), 3);

    // Few snapshots but all old: keep holds them.
    let rules = Retention { keep: 5, ..rules };
    let removed = apply_retention(
        &dir.path().into(),
        "a",
        rules,
        current("a-20240303T000000Z"),
    )
    .unwrap();
    assert!(removed.is_empty());
}

#[test]
fn the_files_of_a_snapshot_without_its_meta_file_are_swept_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    touch(
        dir.path(),
        &[
            "a-20240101T000000Z.csv",
            "a-20240102T000000Z.csv",
            "a-20240102T000000Z.changes.json",
            "a-20240102T000000Z-2.json",
            "latest.csv",
            "latest.meta.json",
            "b-20240102T000000Z.csv",
            "notes.txt",
        ],
    );
    meta(dir.path(), "a-20240101T000000Z", 1);
    meta(dir.path(), "a-20240102T000000Z-2", 1);
    assert_eq!(sweep_uncommitted(&dir.path().into(), "a").unwrap(), 2);
    assert_eq!(
        names(dir.path()),
        [
            "a-20240101T000000Z.csv",
            "a-20240101T000000Z.meta.json",
            "a-20240102T000000Z-2.json",
            "a-20240102T000000Z-2.meta.json",
            "b-20240102T000000Z.csv",
            "latest.csv",
            "latest.meta.json",
            "notes.txt",
        ]
    );
    assert_eq!(
        sweep_uncommitted(&dir.path().join("missing").as_path().into(), "a").unwrap(),
        0
    );
}
