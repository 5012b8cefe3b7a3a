//! The report's pieces without the binary: chart geometry, the meta history, and the page's
//! escaping and change tables.

use std::path::Path;

use jiff::Timestamp;
use serde_json::json;

use super::history::{self, HISTORY_LEN, Point};
use super::{chart, page};

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_767_225_600 + seconds).expect("time")
}

fn point(seconds: i64, records: u64) -> Point {
    Point {
        at: at(seconds),
        records,
    }
}

#[test]
fn the_chart_spans_the_plot_by_time_and_starts_its_y_axis_at_zero() {
    let (dots, top) = chart::layout(&[point(0, 100), point(30, 0), point(60, 50)]);
    assert_eq!(top, 100);
    let (left, right) = chart::edges();
    let (bottom, upper) = chart::axis();
    assert_eq!((dots[0].x, dots[0].y), (left, upper));
    assert_eq!(dots[1].x, (left + right) / 2.0);
    assert_eq!(dots[1].y, bottom);
    assert_eq!(dots[2].x, right);
    assert_eq!(dots[2].y, (bottom + upper) / 2.0);
    assert_eq!(
        chart::polyline(&dots[..2]),
        format!("{left},{upper} {},{bottom}", (left + right) / 2.0)
    );
}

#[test]
fn a_single_snapshot_of_no_records_sits_in_the_middle_on_the_baseline() {
    let (dots, top) = chart::layout(&[point(0, 0)]);
    assert_eq!(top, 0);
    assert_eq!(dots[0].x, chart::WIDTH / 2.0);
    assert_eq!(dots[0].y, chart::axis().0);
    assert!(chart::layout(&[]).0.is_empty());
}

fn write_meta(dir: &Path, stem: &str, finished: Timestamp, records: u64) {
    let meta = json!({"job": "apps", "finished_at": finished.to_string(), "records": records});
    std::fs::write(dir.join(format!("{stem}.meta.json")), meta.to_string()).expect("write");
}

#[test]
fn the_history_keeps_the_last_90_snapshots_oldest_first_and_names_unreadable_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stamp = |index: i64| at(index * 60).strftime("%Y%m%dT%H%M%SZ").to_string();
    for index in 0..(HISTORY_LEN as i64 + 5) {
        write_meta(
            dir.path(),
            &format!("apps-{}", stamp(index)),
            at(index * 60),
            index as u64,
        );
    }
    // A second snapshot in the newest second sorts after it (`-2`); another job's, and a
    // file not named like a snapshot, are not read.
    let last = HISTORY_LEN as i64 + 4;
    write_meta(
        dir.path(),
        &format!("apps-{}-2", stamp(last)),
        at(last * 60 + 1),
        999,
    );
    write_meta(dir.path(), &format!("other-{}", stamp(0)), at(99_999), 7);
    write_meta(dir.path(), "apps-notes", at(99_999), 7);
    std::fs::write(
        dir.path()
            .join(format!("apps-{}.meta.json", stamp(last - 1))),
        "{",
    )
    .expect("write");
    let (points, problems) = history::history(dir.path(), "apps");
    assert_eq!(
        points.len(),
        HISTORY_LEN - 1,
        "one of the last 90 is unreadable"
    );
    assert!(points.windows(2).all(|pair| pair[0].at < pair[1].at));
    assert_eq!(points.last().map(|p| p.records), Some(999));
    assert_eq!(points.first().map(|p| p.records), Some(6));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .ends_with(".meta.json: not JSON: EOF while parsing an object at line 1 column 1"),
        "{problems:?}"
    );
}

fn changes_report(changed: serde_json::Value) -> history::ChangeReport {
    let mut report: history::ChangeReport = serde_json::from_value(json!({
        "snapshot": "apps-2", "previous": "apps-1", "identity": "client_id",
        "added": ["<script>alert(1)</script>"], "removed": ["gone"], "changed": changed,
    }))
    .expect("report");
    report.file = "apps-2.changes.json".into();
    report
}

fn job_with(changes: history::ChangeReport) -> super::JobReport {
    let job = crate::jobs::parse_job(
        "apps",
        Path::new("apps.toml"),
        "endpoint = \"clients\"\nevery = \"1h\"\n",
    )
    .expect("job");
    let out = tempfile::tempdir().expect("tempdir");
    let mut reports = super::gather(&[job], out.path(), at(0));
    reports[0].changes = Some(changes);
    reports[0].history = vec![point(0, 1), point(60, 2)];
    reports.remove(0)
}

#[test]
fn tenant_values_are_escaped_and_the_page_has_no_script() {
    let html = page::render(&[job_with(changes_report(json!([])))], at(3600));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert_eq!(html.matches("<circle").count(), 2);
    assert!(html.contains("never run"));
}

#[test]
fn changed_values_show_old_and_new_and_secrets_stay_redacted() {
    let report = changes_report(json!([
        {"id": "a", "fields": ["name", "client_secret", "logo_uri"], "changes": [
            {"path": "name", "old": "Old <b>", "new": "New"},
            {"path": "client_secret", "secret": true},
            {"path": "logo_uri", "new": "https://x.example/l.png"}]},
        {"id": "b", "fields": ["callbacks"]}
    ]));
    let html = page::render(&[job_with(report)], at(0));
    assert!(html.contains("Old &lt;b&gt;"), "{html}");
    assert!(html.contains("[REDACTED]"));
    assert!(html.contains("absent"));
    assert!(html.contains("https://x.example/l.png"));
    assert!(html.contains("values not in this report"));
    assert!(html.contains(">callbacks<"));
}

#[test]
fn a_long_change_report_keeps_500_entries_per_list_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let added: Vec<String> = (0..1_234).map(|index| format!("id-{index}")).collect();
    let report = json!({"snapshot": "apps-2", "previous": "apps-1", "identity": "client_id",
        "added": added, "removed": [], "changed": [{"id": "x", "fields": ["name"]}]});
    std::fs::write(dir.path().join("apps-2.changes.json"), report.to_string()).expect("write");
    let meta = json!({"finished_at": at(0).to_string(), "records": 1,
        "changes": {"file": "apps-2.changes.json"}});
    std::fs::write(dir.path().join("latest.meta.json"), meta.to_string()).expect("write");
    let read = history::latest_changes(dir.path())
        .expect("readable")
        .expect("a report");
    assert_eq!(read.added.items.len(), history::MAX_ROWS);
    assert_eq!(read.added.total, 1_234);
    assert_eq!(read.added.items.last(), Some(&json!("id-499")));
    assert_eq!((read.changed.items.len(), read.changed.total), (1, 1));
    assert_eq!(read.file, "apps-2.changes.json");
    let html = page::render(&[job_with(read)], at(0));
    assert!(html.contains("and 734 more"), "{html}");
    assert!(html.contains("Added (1234)"));
}
