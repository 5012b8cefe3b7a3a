//! The checkpoint file: where it lives, its modes, what a failed run leaves, and resets.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use serde_json::value::RawValue;

use super::*;
use crate::api::ErrorBody;

const TENANT: &str = "https://acme.eu.auth0.com/";
const OUT: &str = "/srv/a0snap/out";

fn out() -> crate::store::Output {
    crate::store::Output::Local(OUT.into())
}

/// Events as the writer hands them to the tap: borrowed records (leaked: a test's lifetime).
fn events(ids: &[&str]) -> Vec<&'static RawValue> {
    ids.iter()
        .map(|id| {
            let text = format!(r#"{{"date":"2024-01-08T09:00:00.000Z","log_id":"{id}"}}"#);
            &*Box::leak(RawValue::from_string(text).unwrap())
        })
        .collect()
}

fn now() -> Timestamp {
    "2024-01-09T00:00:00Z".parse().unwrap()
}

#[test]
fn a_first_run_has_no_checkpoint_and_its_staged_checkpoint_appears_only_on_commit() {
    let state = tempfile::tempdir().unwrap();
    let checkpoint = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    assert_eq!(checkpoint.resume_after(), None);
    let mut tap = checkpoint.tap();
    tap.pass(events(&["901", "902"]));
    let staged = checkpoint
        .stage(&tap, "logs-20240109T000000Z", now())
        .unwrap()
        .unwrap();
    let path = Checkpoint::path_for(state.path(), "logs", out());
    assert!(!path.exists(), "a staged checkpoint is not in place yet");
    staged.commit().unwrap();
    let dir = path.parent().unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::metadata(dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        fs::read_dir(dir).unwrap().count(),
        1,
        "no temporary file is left"
    );
    let again = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    assert_eq!(again.resume_after().as_deref(), Some("902"));
}

#[test]
fn a_staged_checkpoint_that_is_dropped_leaves_the_old_one() {
    let state = tempfile::tempdir().unwrap();
    let checkpoint = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    let mut tap = checkpoint.tap();
    tap.pass(events(&["901"]));
    checkpoint
        .stage(&tap, "s1", now())
        .unwrap()
        .unwrap()
        .commit()
        .unwrap();
    let checkpoint = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    let mut tap = checkpoint.tap();
    tap.pass(events(&["905"]));
    drop(checkpoint.stage(&tap, "s2", now()).unwrap());
    let again = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    assert_eq!(again.resume_after().as_deref(), Some("901"));
    let dir = Checkpoint::path_for(state.path(), "logs", out());
    assert_eq!(fs::read_dir(dir.parent().unwrap()).unwrap().count(), 1);
}

#[test]
fn a_run_without_events_keeps_the_checkpoint() {
    let state = tempfile::tempdir().unwrap();
    let checkpoint = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    assert!(
        checkpoint
            .stage(&checkpoint.tap(), "s", now())
            .unwrap()
            .is_none()
    );
}

#[test]
fn since_applies_only_to_the_first_run() {
    let state = tempfile::tempdir().unwrap();
    let since = Some("2030-01-01T00:00:00Z".parse().unwrap());
    let first = Checkpoint::open(state.path(), "logs", out(), TENANT, since).unwrap();
    let mut tap = first.tap();
    assert!(tap.pass(events(&["901"])).is_empty(), "before since");
    first
        .stage(&tap, "s", now())
        .unwrap()
        .unwrap()
        .commit()
        .unwrap();
    let second = Checkpoint::open(state.path(), "logs", out(), TENANT, since).unwrap();
    assert_eq!(second.tap().pass(events(&["902"])).len(), 1);
}

#[test]
fn bad_checkpoints_and_missing_state_folders_say_how_to_reset() {
    let state = tempfile::tempdir().unwrap();
    let path = Checkpoint::path_for(state.path(), "logs", out());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "{oops").unwrap();
    let error = Checkpoint::open(state.path(), "logs", out(), TENANT, None)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("delete it") && error.contains(&path.display().to_string()),
        "{error}"
    );

    let checkpoint = Checkpoint::open(state.path(), "other", out(), TENANT, None).unwrap();
    let mut tap = checkpoint.tap();
    tap.pass(events(&["901"]));
    checkpoint
        .stage(&tap, "s", now())
        .unwrap()
        .unwrap()
        .commit()
        .unwrap();
    let error = Checkpoint::open(
        state.path(),
        "other",
        out(),
        "https://else.auth0.com/",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("belongs to tenant https://acme.eu.auth0.com/"),
        "{error}"
    );

    let error = Checkpoint::open(Path::new(""), "logs", out(), TENANT, None).unwrap_err();
    assert!(
        error.to_string().contains("set A0SNAP_STATE_DIR"),
        "{error}"
    );
}

#[test]
fn only_a_refusal_of_the_first_request_after_a_checkpoint_is_a_rejected_checkpoint() {
    let state = tempfile::tempdir().unwrap();
    let refused = ApiError::Refused {
        path: "/api/v2/logs".to_owned(),
        status: 400,
        body: Box::new(ErrorBody::default()),
    };
    let first = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    assert!(
        first.rejected(&refused, 0).is_none(),
        "no checkpoint to reject"
    );
    let mut tap = first.tap();
    tap.pass(events(&["901"]));
    first
        .stage(&tap, "s", now())
        .unwrap()
        .unwrap()
        .commit()
        .unwrap();
    let resumed = Checkpoint::open(state.path(), "logs", out(), TENANT, None).unwrap();
    assert!(resumed.rejected(&refused, 3).is_none(), "a later page");
    let message = resumed.rejected(&refused, 0).unwrap().to_string();
    assert!(
        message.contains("log_id 901") && message.contains("delete"),
        "{message}"
    );
}

#[test]
fn each_output_folder_has_its_own_checkpoint_and_the_same_folder_spelled_otherwise_shares_one() {
    let state = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let daemon = Checkpoint::open(state.path(), "logs", out.path(), TENANT, None).unwrap();
    let mut tap = daemon.tap();
    tap.pass(events(&["901"]));
    daemon
        .stage(&tap, "s", now())
        .unwrap()
        .unwrap()
        .commit()
        .unwrap();
    let elsewhere = out.path().join("elsewhere");
    let one_off = Checkpoint::open(state.path(), "logs", &elsewhere, TENANT, None).unwrap();
    assert_eq!(one_off.resume_after(), None, "another folder starts afresh");
    let spelled = out.path().join("sub").join("..");
    fs::create_dir(out.path().join("sub")).unwrap();
    let same = Checkpoint::open(state.path(), "logs", &spelled, TENANT, None).unwrap();
    assert_eq!(same.resume_after().as_deref(), Some("901"));
    let name = daemon.path().file_name().unwrap().to_string_lossy();
    assert!(
        name.starts_with("logs-")
            && name.ends_with(".json")
            && name.len() == "logs-".len() + 12 + 5,
        "{name}"
    );
}

/// The meta file a commit writes for `stem`, with the run's `incremental` object.
fn commit_meta(out: &std::path::Path, stem: &str, after: Option<&str>, last: &str) {
    let dir = crate::snapshot::job_dir(out, "logs");
    fs::create_dir_all(&dir).unwrap();
    let meta = json!({"job": "logs", "incremental": {"after": after, "last_log_id": last}});
    fs::write(dir.join(format!("{stem}.meta.json")), meta.to_string()).unwrap();
}

#[test]
fn a_run_killed_after_its_commit_has_its_staged_checkpoint_moved_into_place() {
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let open = || Checkpoint::open(state.path(), "logs", out.path(), TENANT, None).unwrap();
    // A first run, killed between its commit and the checkpoint's move.
    let mut tap = open().tap();
    tap.pass(events(&["901", "902"]));
    let staged = open().stage(&tap, "logs-1", now()).unwrap().unwrap();
    commit_meta(out.path(), "logs-1", None, "902");
    std::mem::forget(staged);
    assert_eq!(open().resume_after().as_deref(), Some("902"));
    // A later run, killed the same way, continues the checkpoint in place.
    let checkpoint = open();
    let mut tap = checkpoint.tap();
    tap.pass(events(&["903"]));
    std::mem::forget(checkpoint.stage(&tap, "logs-2", now()).unwrap().unwrap());
    commit_meta(out.path(), "logs-2", Some("902"), "903");
    let again = open();
    assert_eq!(again.resume_after().as_deref(), Some("903"));
    let dir = again.path().parent().unwrap().to_owned();
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "nothing else left");
    assert_eq!(
        fs::metadata(again.path()).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_staged_checkpoint_is_swept_unless_its_snapshot_continues_the_checkpoint() {
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let open = || Checkpoint::open(state.path(), "logs", out.path(), TENANT, None).unwrap();
    let mut tap = open().tap();
    tap.pass(events(&["901"]));
    open()
        .stage(&tap, "logs-1", now())
        .unwrap()
        .unwrap()
        .commit()
        .unwrap();
    for (stem, after, committed) in [
        ("logs-2", Some("901"), false), // killed before its snapshot was committed
        ("logs-3", Some("900"), true),  // its run started from another checkpoint
        ("logs-4", None, true),         // ... or from none
    ] {
        let checkpoint = open();
        let mut tap = checkpoint.tap();
        tap.pass(events(&["907"]));
        std::mem::forget(checkpoint.stage(&tap, stem, now()).unwrap().unwrap());
        if committed {
            commit_meta(out.path(), stem, after, "907");
        }
        let again = open();
        assert_eq!(again.resume_after().as_deref(), Some("901"), "{stem}");
        assert_eq!(
            fs::read_dir(again.path().parent().unwrap())
                .unwrap()
                .count(),
            1
        );
    }
    // A checkpoint deleted to start again stays deleted, whatever the folder holds.
    fs::remove_file(open().path()).unwrap();
    assert_eq!(open().resume_after(), None);
}
