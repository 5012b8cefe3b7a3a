//! `latest.*` after a commit: always the newest snapshot's files, or, when updating them fails
//! once the snapshot stands, a successful commit that says so.

use super::*;

fn json_and_csv() -> OutputSpec {
    spec(&[Format::Json, Format::Csv], &["client_id"])
}

#[test]
fn a_latest_file_that_cannot_be_replaced_does_not_fail_a_commit_that_stands() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), "2024-03-05T00:00:00Z", &json_and_csv(), &APPS);
    // A folder where latest.csv should go makes its rename fail after the snapshot is in place.
    fs::remove_file(dir.path().join("latest.csv")).unwrap();
    fs::create_dir(dir.path().join("latest.csv")).unwrap();

    let committed = export(
        dir.path(),
        "2024-03-06T00:00:00Z",
        &json_and_csv(),
        &APPS[..1],
    );

    assert!(!committed.latest_updated);
    let stem = "apps-20240306T000000Z";
    for suffix in ["json", "csv", "meta.json"] {
        assert!(dir.path().join(format!("{stem}.{suffix}")).is_file());
    }
    assert_eq!(
        read(dir.path(), "latest.json"),
        read(dir.path(), &format!("{stem}.json"))
    );
    // The meta file is not left naming the older snapshot beside the newer latest.json.
    assert!(!dir.path().join("latest.meta.json").exists());
    assert!(
        names(dir.path())
            .iter()
            .all(|n| !n.starts_with(".a0snap-tmp-"))
    );

    fs::remove_dir(dir.path().join("latest.csv")).unwrap();
    let next = export(dir.path(), "2024-03-07T00:00:00Z", &json_and_csv(), &APPS);
    assert!(next.latest_updated);
    assert_eq!(
        read(dir.path(), "latest.meta.json"),
        read(dir.path(), "apps-20240307T000000Z.meta.json")
    );
}

#[test]
fn a_commit_that_updates_every_latest_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    assert!(export(dir.path(), "2024-03-05T00:00:00Z", &json_and_csv(), &APPS).latest_updated);
}

#[test]
fn a_format_dropped_from_the_job_loses_its_latest_file() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), "2024-03-05T00:00:00Z", &json_and_csv(), &APPS);
    fs::write(dir.path().join("latest.txt"), "a user's file").unwrap();

    let committed = export(
        dir.path(),
        "2024-03-06T00:00:00Z",
        &spec(&[Format::Json], &[]),
        &APPS,
    );

    assert!(committed.latest_updated);
    assert_eq!(
        names(dir.path()),
        [
            "apps-20240305T000000Z.csv",
            "apps-20240305T000000Z.json",
            "apps-20240305T000000Z.meta.json",
            "apps-20240306T000000Z.json",
            "apps-20240306T000000Z.meta.json",
            "latest.json",
            "latest.meta.json",
            "latest.txt",
        ]
    );
}
