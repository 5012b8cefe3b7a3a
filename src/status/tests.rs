//! The status verdicts from files in a temporary output folder, at chosen instants.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;

use super::last_run::{self, LastRun, RunEnd};
use super::*;
use crate::jobs::parse_job;

fn job(schedule: &str) -> Job {
    let text = format!("endpoint = \"clients\"\n{schedule}\n");
    parse_job("apps", Path::new("jobs/apps.toml"), &text).expect("a valid job")
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn run(outcome: RunEnd, finished: &str) -> LastRun {
    LastRun {
        job: "apps".into(),
        outcome,
        error: (outcome == RunEnd::Failure).then(|| "the API answered 500".to_owned()),
        started: at(finished),
        finished: at(finished),
        duration_ms: 0,
        snapshot: None,
        records: 3,
        pages: 1,
        rate_limited: 0,
        token_requests: 0,
    }
}

#[test]
fn a_cron_period_is_the_gap_between_its_next_two_fire_times() {
    let now = at("2026-01-01T10:30:00Z");
    let hourly = job("schedule = \"0 * * * *\"");
    assert_eq!(
        period(&hourly.trigger, now),
        Some(Duration::from_secs(3600))
    );
    let every = job("every = \"15m\"");
    assert_eq!(period(&every.trigger, now), Some(Duration::from_secs(900)));
}

#[test]
fn a_job_without_any_trace_is_never_run_and_stale() {
    let out = tempfile::tempdir().unwrap();
    let status = job_status(
        &job("every = \"1h\""),
        out.path(),
        at("2026-01-01T00:00:00Z"),
        None,
    );
    assert_eq!(status.health, Health::NeverRun);
    assert!(status.stale && !status.is_ok());
}

#[test]
fn a_success_is_ok_within_two_periods_and_stale_after_them() {
    let out = tempfile::tempdir().unwrap();
    let job = job("every = \"1h\"");
    last_run::write(
        out.path().join("apps"),
        &run(RunEnd::Success, "2026-01-01T00:00:00Z"),
    )
    .unwrap();
    let fresh = job_status(&job, out.path(), at("2026-01-01T01:59:00Z"), None);
    assert_eq!(fresh.health, Health::Ok);
    assert_eq!(fresh.stale_after, Some(Duration::from_secs(7200)));
    let stale = job_status(&job, out.path(), at("2026-01-01T02:01:00Z"), None);
    assert_eq!(stale.health, Health::Stale);
    let overridden = job_status(
        &job,
        out.path(),
        at("2026-01-01T02:01:00Z"),
        Some(Duration::from_secs(3 * 3600)),
    );
    assert_eq!(overridden.health, Health::Ok);
}

#[test]
fn a_failed_last_run_is_failed_even_after_a_recent_snapshot() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("apps");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("latest.meta.json"),
        r#"{"finished_at": "2026-01-01T00:00:00Z", "records": 7}"#,
    )
    .unwrap();
    last_run::write(&dir, &run(RunEnd::Failure, "2026-01-01T00:10:00Z")).unwrap();
    let status = job_status(
        &job("every = \"1h\""),
        out.path(),
        at("2026-01-01T00:20:00Z"),
        None,
    );
    assert_eq!(status.health, Health::Failed);
    assert!(!status.stale);
    assert_eq!(
        status.last_success,
        Some(Success {
            at: at("2026-01-01T00:00:00Z"),
            records: 7
        })
    );
    let line = render::text(std::slice::from_ref(&status), at("2026-01-01T00:20:00Z"));
    assert!(line.contains("FAILED"), "{line}");
    assert!(line.contains("the API answered 500"), "{line}");
    assert!(line.contains("(20m ago), 7 records"), "{line}");
    let doc = render::json(&[status], at("2026-01-01T00:20:00Z"));
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["jobs"][0]["status"], "failed");
    assert_eq!(doc["jobs"][0]["last_success"]["age_seconds"], 1200);
}

#[test]
fn without_latest_meta_json_the_newest_committed_snapshot_counts() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("apps");
    std::fs::create_dir_all(&dir).unwrap();
    let meta =
        |at: &str, records: u32| format!(r#"{{"finished_at": "{at}", "records": {records}}}"#);
    let older = meta("2026-01-01T00:00:00Z", 3);
    let newer = meta("2026-01-01T01:00:00Z", 5);
    std::fs::write(dir.join("apps-20260101T000000Z.meta.json"), older).unwrap();
    std::fs::write(dir.join("apps-20260101T010000Z.meta.json"), newer).unwrap();
    // A newer snapshot without its meta file was never committed: it does not count.
    std::fs::write(dir.join("apps-20260101T020000Z.json"), "[]").unwrap();

    let status = job_status(
        &job("every = \"1h\""),
        out.path(),
        at("2026-01-01T01:30:00Z"),
        None,
    );

    assert_eq!(status.health, Health::Ok, "{:?}", status.problem);
    assert_eq!(
        status.last_success,
        Some(Success {
            at: at("2026-01-01T01:00:00Z"),
            records: 5
        })
    );
}
