//! File modes: unredacted snapshots hold secrets, so only their owner may read them.

use std::os::unix::fs::PermissionsExt;

use super::*;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn unredacted() -> OutputSpec {
    OutputDraft {
        redact: false,
        changes: true,
        identity: Some("client_id".to_owned()),
        ..all_formats_draft()
    }
    .check()
    .unwrap()
}

#[test]
fn an_unredacted_snapshot_is_readable_by_its_owner_only() {
    let out = tempfile::tempdir().unwrap();
    let dir = job_dir(out.path(), "apps");
    export(&dir, "2024-03-05T00:00:00Z", &unredacted(), &APPS);
    export(&dir, "2024-03-06T00:00:00Z", &unredacted(), &APPS);

    assert_eq!(mode(&dir), 0o700);
    let files = names(&dir);
    assert!(files.contains(&"apps-20240306T000000Z.changes.json".to_owned()));
    assert!(files.contains(&"latest.meta.json".to_owned()));
    for name in files.iter().filter(|name| *name != ".lock") {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    assert!(read(&dir, "latest.json").contains("s3cr3t"));
}

#[test]
fn a_readable_job_folder_is_tightened_before_secrets_are_written_into_it() {
    let out = tempfile::tempdir().unwrap();
    let dir = job_dir(out.path(), "apps");
    export(&dir, "2024-03-05T00:00:00Z", &all_formats(), &APPS);
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();

    export(&dir, "2024-03-06T00:00:00Z", &unredacted(), &APPS);

    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("apps-20240306T000000Z.json")), 0o600);
}

#[test]
fn a_redacted_snapshot_stays_readable_by_others() {
    let out = tempfile::tempdir().unwrap();
    let dir = job_dir(out.path(), "apps");
    export(&dir, "2024-03-05T00:00:00Z", &all_formats(), &APPS);
    // The umask may take bits away, but redacted files are never made private on purpose.
    let probe = out.path().join("probe");
    fs::write(&probe, "").unwrap();
    let umask_allows_others = mode(&probe) & 0o004 != 0;
    if umask_allows_others {
        assert_eq!(mode(&dir.join("latest.json")) & 0o004, 0o004);
        assert_eq!(mode(&dir) & 0o005, 0o005);
    }
}
