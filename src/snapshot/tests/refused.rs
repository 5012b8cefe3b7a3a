//! What a snapshot refuses before writing anything: a spec that cannot be written, a bad job
//! name, a folder it may not write.

use super::*;

#[test]
fn a_spec_that_cannot_be_written_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let start = at("2024-03-05T00:00:00Z");
    // An `OutputSpec` comes only out of the draft's check, so the snapshot never sees these.
    let csv = draft(&[Format::Csv], &[]).check().unwrap_err();
    assert_eq!(
        csv[0].to_string(),
        "asks for csv but lists no columns: set [output] columns"
    );
    let none = draft(&[], &[]).check().unwrap_err();
    assert!(
        none[0].to_string().contains("set [output] format"),
        "{none:?}"
    );
    // The same rule as job files: a name `validate` refuses never reaches the disk either.
    for job in ["../x", "My Job", "-x"] {
        let bad = Snapshot::begin(dir.path(), job, start, &all_formats()).unwrap_err();
        assert!(matches!(bad, SnapshotError::InvalidJobName { .. }), "{bad}");
    }
    assert!(names(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn a_read_only_output_folder_gives_a_message_that_names_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o555)).unwrap();
    if fs::write(out.join("probe"), "").is_ok() {
        eprintln!("skipped: this user ignores folder permissions (root?)");
        return;
    }
    let error = Snapshot::begin(
        job_dir(&out, "apps"),
        "apps",
        at("2024-03-05T00:00:00Z"),
        &all_formats(),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, SnapshotError::PermissionDenied { .. }),
        "{error:?}"
    );
    assert!(
        message.starts_with(&format!(
            "no permission to write {}",
            out.join("apps").display()
        )),
        "{message}"
    );
    assert!(
        message.contains("choose another output folder"),
        "{message}"
    );
    fs::set_permissions(&out, fs::Permissions::from_mode(0o755)).unwrap();
}
