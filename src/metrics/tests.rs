//! The registry's text: daemon counters, last-run gauges and the pushed groups.

use std::time::Duration;

use super::push::{JobSeries, job_text, process_text};
use super::*;

#[test]
fn a_registered_job_shows_zero_counters_before_its_first_run() {
    let metrics = Metrics::default();
    metrics.register_jobs(["apps"]);
    let text = metrics.render();
    assert!(text.contains("a0snap_job_runs_total{job=\"apps\",outcome=\"success\"} 0\n"));
    assert!(text.contains("a0snap_job_skipped_overlaps_total{job=\"apps\"} 0\n"));
    assert!(!text.contains("a0snap_job_last_success_timestamp_seconds{"));
}

#[test]
fn runs_records_skips_tokens_and_429s_are_rendered_in_the_text_format() {
    let metrics = Metrics::default();
    let at: Timestamp = "2026-01-01T00:00:01.5Z".parse().unwrap();
    metrics.run_finished("apps", RunOutcome::Success, 12, at);
    metrics.run_finished("apps", RunOutcome::Success, 3, at);
    metrics.run_finished("apps", RunOutcome::Aborted, 99, at);
    assert_eq!(metrics.overlap_skipped("apps"), 1);
    metrics.token_requested(Some("apps"));
    metrics.rate_limited(Some("apps"));
    metrics.rate_limited(None);
    metrics.set_running(1);
    let text = metrics.render();
    for line in [
        "# TYPE a0snap_job_runs_total counter",
        "a0snap_job_runs_total{job=\"apps\",outcome=\"success\"} 2",
        "a0snap_job_runs_total{job=\"apps\",outcome=\"aborted\"} 1",
        "a0snap_job_runs_total{job=\"apps\",outcome=\"failure\"} 0",
        "a0snap_job_last_success_timestamp_seconds{job=\"apps\"} 1767225601.5",
        "a0snap_records_exported_total{job=\"apps\"} 15",
        "a0snap_job_skipped_overlaps_total{job=\"apps\"} 1",
        "a0snap_token_requests_total 1",
        "a0snap_rate_limited_total 2",
        "a0snap_job_rate_limited_total{job=\"apps\"} 1",
        "a0snap_job_token_requests_total{job=\"apps\"} 1",
        "a0snap_jobs_running 1",
    ] {
        assert!(
            text.lines().any(|got| got == line),
            "{line} missing from\n{text}"
        );
    }
}

fn facts(success: bool) -> LastRunFacts {
    LastRunFacts {
        finished: "2026-01-01T00:00:02Z".parse().unwrap(),
        success,
        duration: Duration::from_millis(1500),
        records: 12,
        pages: 3,
        rate_limited: 2,
        token_requests: 1,
    }
}

#[test]
fn a_last_run_sets_its_gauges_for_the_job() {
    let metrics = Metrics::default();
    let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    metrics.set_last_run("apps", Some(&facts(false)), Some(at));
    let text = metrics.render();
    for line in [
        "a0snap_job_last_run_timestamp_seconds{job=\"apps\"} 1767225602.0",
        "a0snap_job_last_run_success{job=\"apps\"} 0.0",
        "a0snap_job_last_run_duration_seconds{job=\"apps\"} 1.5",
        "a0snap_job_last_run_records{job=\"apps\"} 12.0",
        "a0snap_job_last_run_pages{job=\"apps\"} 3.0",
        "a0snap_job_last_run_rate_limited{job=\"apps\"} 2.0",
        "a0snap_job_last_run_token_requests{job=\"apps\"} 1.0",
        "a0snap_job_last_success_timestamp_seconds{job=\"apps\"} 1767225600.0",
    ] {
        assert!(
            text.lines().any(|got| got == line),
            "{line} missing from\n{text}"
        );
    }
}

#[test]
fn a_pushed_group_has_no_job_label_and_the_process_group_has_the_counters() {
    let text = job_text(&JobSeries {
        job: "apps".into(),
        last_run: Some(facts(true)),
        last_success: None,
    });
    assert!(
        text.contains("\na0snap_job_last_run_success 1.0\n"),
        "{text}"
    );
    assert!(!text.contains("job="), "{text}");
    let metrics = Metrics::default();
    metrics.token_requested(None);
    let process = process_text(&metrics);
    assert!(
        process.contains("\na0snap_token_requests_total 1\n"),
        "{process}"
    );
}

#[test]
fn label_values_are_escaped() {
    let metrics = Metrics::default();
    metrics.register_jobs(["a\"b\\c\nd"]);
    let text = metrics.render();
    assert!(
        text.contains("a0snap_job_skipped_overlaps_total{job=\"a\\\"b\\\\c\\nd\"} 0"),
        "{text}"
    );
}
