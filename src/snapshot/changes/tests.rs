//! Change reports end to end: two snapshots of a job, and the report a user finds.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::snapshot::{Format, MetaInput, OutputDraft, OutputProblem, OutputSpec, Snapshot};

fn draft(formats: &[Format]) -> OutputDraft {
    OutputDraft {
        formats: formats.iter().copied().collect(),
        changes: true,
        identity: Some("client_id".to_owned()),
        ..OutputDraft::default()
    }
}

fn spec(formats: &[Format]) -> OutputSpec {
    draft(formats).check().unwrap()
}

fn export(
    dir: &Path,
    started: &str,
    spec: &OutputSpec,
    records: &[Value],
) -> crate::snapshot::Committed {
    let mut snapshot = Snapshot::begin(dir, "apps", started.parse().unwrap(), spec).unwrap();
    for record in records {
        let raw = serde_json::value::RawValue::from_string(record.to_string()).unwrap();
        snapshot.write(&raw).unwrap();
    }
    snapshot
        .commit(MetaInput::new(
            "/api/v2/clients",
            started.parse().unwrap(),
            1,
        ))
        .unwrap()
}

fn report(dir: &Path, stem: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(dir.join(format!("{stem}.changes.json"))).unwrap())
        .unwrap()
}

fn first() -> Vec<Value> {
    vec![
        json!({"client_id": "a", "name": "A", "callbacks": ["x"]}),
        json!({"client_id": "b", "name": "B"}),
        json!({"client_id": "c", "name": "C", "client_secret": "s1"}),
        json!({"client_id": "d", "name": "D"}),
    ]
}

#[test]
fn the_first_snapshot_has_no_report_and_the_second_lists_every_difference() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&[Format::Ndjson]);
    let committed = export(dir.path(), "2024-03-05T00:00:00Z", &spec, &first());
    let summary = committed.changes.unwrap();
    assert_eq!((summary.previous, summary.file), (None, None));
    assert!(
        !dir.path()
            .join("apps-20240305T000000Z.changes.json")
            .exists()
    );

    let second = vec![
        json!({"name": "A", "client_id": "a", "callbacks": ["x"]}), // reordered only
        json!({"client_id": "c", "name": "C", "client_secret": "s2"}), // only the secret changed
        json!({"client_id": "d", "name": "D2", "logo_uri": "u"}),
        json!({"client_id": "e", "name": "E"}),
        json!({"name": "no id"}),
        json!({"client_id": "e", "name": "E"}),
    ];
    let committed = export(dir.path(), "2024-03-06T00:00:00Z", &spec, &second);
    let summary = committed.changes.clone().unwrap();
    assert_eq!(summary.previous.as_deref(), Some("apps-20240305T000000Z"));
    assert_eq!((summary.added, summary.removed, summary.changed), (1, 1, 2));
    assert_eq!(summary.fields, ["client_secret", "logo_uri", "name"]);
    assert_eq!(
        summary.line(),
        "1 added, 1 removed, 2 changed: client_secret, logo_uri, name"
    );
    let report = report(dir.path(), &committed.stem);
    assert_eq!(report["previous"], "apps-20240305T000000Z");
    assert_eq!(report["identity"], "client_id");
    assert_eq!(report["added"], json!(["e"]));
    assert_eq!(report["removed"], json!(["b"]));
    // In the previous file's order; the secret changed, so it is listed without values.
    assert_eq!(
        report["changed"],
        json!([
            {"id": "c", "fields": ["client_secret"], "changes": [{"path": "client_secret", "secret": true}]},
            {"id": "d", "fields": ["name", "logo_uri"], "changes": [
                {"path": "name", "old": "D", "new": "D2"},
                {"path": "logo_uri", "new": "u"},
            ]},
        ])
    );
    let text =
        fs::read_to_string(dir.path().join(format!("{}.changes.json", committed.stem))).unwrap();
    assert!(!text.contains("s1") && !text.contains("s2"), "{text}");
    assert!(crate::atomic_file::sweep_temp_files(dir.path()).unwrap() == 0);
    assert_eq!(report["counts"]["unidentified"], 1);
    assert_eq!(report["counts"]["duplicates"], 1);
    let meta: Value =
        serde_json::from_str(&fs::read_to_string(&committed.meta_path).unwrap()).unwrap();
    assert_eq!(
        meta["changes"],
        json!({"previous": "apps-20240305T000000Z", "file": "apps-20240306T000000Z.changes.json", "added": 1, "removed": 1, "changed": 2})
    );
}

#[test]
fn a_json_only_job_is_compared_through_its_json_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&[Format::Json]);
    export(dir.path(), "2024-03-05T00:00:00Z", &spec, &first());
    let mut second = first();
    second.remove(0);
    let committed = export(dir.path(), "2024-03-06T00:00:00Z", &spec, &second);
    assert_eq!(report(dir.path(), &committed.stem)["removed"], json!(["a"]));
}

#[test]
fn a_previous_snapshot_without_json_gives_no_report_and_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let csv = OutputDraft {
        formats: [Format::Csv].into_iter().collect(),
        columns: [crate::snapshot::Column::parse("client_id").unwrap()]
            .into_iter()
            .collect(),
        ..OutputDraft::default()
    }
    .check()
    .unwrap();
    export(dir.path(), "2024-03-05T00:00:00Z", &csv, &first());
    let committed = export(
        dir.path(),
        "2024-03-06T00:00:00Z",
        &spec(&[Format::Ndjson]),
        &first(),
    );
    assert_eq!(committed.changes.unwrap().previous, None);
    let third = export(
        dir.path(),
        "2024-03-07T00:00:00Z",
        &spec(&[Format::Ndjson]),
        &first(),
    );
    assert_eq!(
        third.changes.unwrap().previous.as_deref(),
        Some("apps-20240306T000000Z")
    );
}

#[test]
fn a_change_report_without_json_or_ndjson_is_refused() {
    let draft = OutputDraft {
        columns: [crate::snapshot::Column::parse("client_id").unwrap()]
            .into_iter()
            .collect(),
        ..draft(&[Format::Csv])
    };
    // An `OutputSpec` comes only out of the draft's check, so the snapshot never sees this.
    let error = draft.check().unwrap_err();
    assert!(
        matches!(error[..], [OutputProblem::ChangesWithoutJson]),
        "{error:?}"
    );
}

#[test]
fn retention_removes_a_report_with_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let spec = OutputDraft {
        keep: 1,
        ..draft(&[Format::Ndjson])
    }
    .check()
    .unwrap();
    for day in 5..=7 {
        export(
            dir.path(),
            &format!("2024-03-0{day}T00:00:00Z"),
            &spec,
            &first(),
        );
    }
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "apps-20240307T000000Z.changes.json",
            "apps-20240307T000000Z.meta.json",
            "apps-20240307T000000Z.ndjson",
            "apps-20240307T000000Z.secret-digests.json",
            "latest.meta.json",
            "latest.ndjson"
        ]
    );
}

#[test]
fn secrets_are_digested_beside_a_redacted_snapshot_and_compared_by_value_without_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&[Format::Ndjson]);
    let committed = export(dir.path(), "2024-03-05T00:00:00Z", &spec, &first());
    let digests = committed.changes.unwrap().digests.unwrap();
    assert_eq!(
        digests.file_name().unwrap(),
        "apps-20240305T000000Z.secret-digests.json"
    );
    let text = fs::read_to_string(&digests).unwrap();
    assert!(!text.contains("s1"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&digests).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Kept secrets are in the snapshot: they compare (and show) as any value, with no digests.
    let dir = tempfile::tempdir().unwrap();
    let open = OutputDraft {
        redact: false,
        ..draft(&[Format::Ndjson])
    }
    .check()
    .unwrap();
    let committed = export(dir.path(), "2024-03-05T00:00:00Z", &open, &first());
    assert_eq!(committed.changes.unwrap().digests, None);
    let mut second = first();
    second[2]["client_secret"] = json!("s2");
    let committed = export(dir.path(), "2024-03-06T00:00:00Z", &open, &second);
    assert_eq!(
        report(dir.path(), &committed.stem)["changed"],
        json!([{"id": "c", "fields": ["client_secret"], "changes": [{"path": "client_secret", "old": "s1", "new": "s2"}]}])
    );
}

#[test]
fn nested_fields_are_reported_by_path_and_a_reordered_object_is_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&[Format::Json]);
    // A record without identity still takes a place in the previous file.
    let before = vec![
        json!({"name": "no id"}),
        json!({"client_id": "a", "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000}}),
        json!({"client_id": "b", "mobile": {"ios": {"team_id": "T"}, "android": {"app": "x"}}}),
        json!({"client_id": "z"}),
    ];
    export(dir.path(), "2024-03-05T00:00:00Z", &spec, &before);
    let after = vec![
        json!({"client_id": "a", "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 7200}}),
        json!({"client_id": "b", "mobile": {"android": {"app": "x"}, "ios": {"team_id": "T"}}}),
    ];
    let committed = export(dir.path(), "2024-03-06T00:00:00Z", &spec, &after);
    assert_eq!(committed.changes.as_ref().unwrap().changed, 1);
    let report = report(dir.path(), &committed.stem);
    assert_eq!(
        report["changed"],
        json!([{"id": "a", "fields": ["jwt_configuration"], "changes": [
            {"path": "jwt_configuration.lifetime_in_seconds", "old": 36000, "new": 7200}
        ]}])
    );
    assert_eq!(report["counts"]["changed"], 1);
    assert_eq!(report["removed"], json!(["z"]));
}
