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
        json!({"client_id": "c", "name": "C", "client_secret": "s2"}), // secret is redacted both times
        json!({"client_id": "d", "name": "D2", "logo_uri": "u"}),
        json!({"client_id": "e", "name": "E"}),
        json!({"name": "no id"}),
        json!({"client_id": "e", "name": "E"}),
    ];
    let committed = export(dir.path(), "2024-03-06T00:00:00Z", &spec, &second);
    let summary = committed.changes.clone().unwrap();
    assert_eq!(summary.previous.as_deref(), Some("apps-20240305T000000Z"));
    assert_eq!((summary.added, summary.removed, summary.changed), (1, 1, 1));
    let report = report(dir.path(), &committed.stem);
    assert_eq!(report["previous"], "apps-20240305T000000Z");
    assert_eq!(report["identity"], "client_id");
    assert_eq!(report["added"], json!(["e"]));
    assert_eq!(report["removed"], json!(["b"]));
    assert_eq!(
        report["changed"],
        json!([{"id": "d", "fields": ["name", "logo_uri"]}])
    );
    assert_eq!(report["counts"]["unidentified"], 1);
    assert_eq!(report["counts"]["duplicates"], 1);
    let meta: Value =
        serde_json::from_str(&fs::read_to_string(&committed.meta_path).unwrap()).unwrap();
    assert_eq!(
        meta["changes"],
        json!({"previous": "apps-20240305T000000Z", "file": "apps-20240306T000000Z.changes.json", "added": 1, "removed": 1, "changed": 1})
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
            "latest.meta.json",
            "latest.ndjson"
        ]
    );
}
