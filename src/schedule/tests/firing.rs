//! The loop while it runs: alarms, runs, skipped overlaps, the concurrency limit, reloads.

use std::time::Duration;

use super::{Harness, START, job, names, settle, ts};
use crate::jobs::JobsError;
use crate::metrics::RunOutcome;

const GRACE: Duration = Duration::from_secs(25);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn every_job_is_armed_for_its_next_time_and_rearmed_after_each_fire() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, GRACE).await;
    settle().await;
    assert_eq!(daemon.armed("apps"), Some(ts(START) + secs(10)));
    daemon.wake_at(secs(10)).await;
    assert_eq!(names(&daemon.started()), ["apps"]);
    assert_eq!(daemon.armed("apps"), Some(ts(START) + secs(20)));
}

#[tokio::test(start_paused = true)]
async fn a_nudge_before_the_fire_time_runs_nothing() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, GRACE).await;
    daemon.wake_at(secs(9)).await;
    assert!(daemon.started().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_job_still_running_at_its_next_time_is_skipped_and_counted() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, GRACE).await;
    daemon.wake_at(secs(10)).await;
    let first = daemon.started();
    daemon.wake_at(secs(20)).await;
    daemon.wake_at(secs(30)).await;
    assert!(daemon.started().is_empty(), "a second run started");
    assert_eq!(daemon.metrics.job("apps").skipped_overlaps, 2);
    for run in first {
        run.finish.send(()).unwrap();
    }
    settle().await;
    daemon.wake_at(secs(40)).await;
    assert_eq!(names(&daemon.started()), ["apps"]);
    assert_eq!(
        daemon.metrics.job("apps").runs.get(&RunOutcome::Locked),
        Some(&1)
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_job_does_not_delay_the_others() {
    let jobs = vec![
        job("slow", "every = \"10s\""),
        job("fast", "every = \"10s\""),
    ];
    let mut daemon = Harness::start(jobs, 4, GRACE).await;
    daemon.wake_at(secs(10)).await;
    let mut slow = None;
    for run in daemon.started() {
        if run.job == "fast" {
            run.finish.send(()).unwrap();
        } else {
            slow = Some(run);
        }
    }
    settle().await;
    daemon.wake_at(secs(20)).await;
    assert_eq!(names(&daemon.started()), ["fast"]);
    assert!(slow.is_some());
}

#[tokio::test(start_paused = true)]
async fn no_more_jobs_export_at_once_than_the_concurrency_limit() {
    let jobs = vec![job("a", "every = \"10s\""), job("b", "every = \"10s\"")];
    let mut daemon = Harness::start(jobs, 1, GRACE).await;
    daemon.wake_at(secs(10)).await;
    let first = daemon.started();
    assert_eq!(first.len(), 1, "both started: {:?}", names(&first));
    for run in first {
        run.finish.send(()).unwrap();
    }
    settle().await;
    assert_eq!(daemon.started().len(), 1, "the queued run did not start");
}

#[tokio::test(start_paused = true)]
async fn a_reload_adds_new_jobs_and_a_bad_set_keeps_the_old_one() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, GRACE).await;
    *daemon.next_set.lock().unwrap() = Some(Ok(vec![
        job("apps", "every = \"10s\""),
        job("users", "every = \"5s\""),
    ]));
    daemon.clock.set(ts(START) + secs(2));
    daemon.control(super::Control::Reload).await;
    assert_eq!(daemon.armed("users"), Some(ts(START) + secs(7)));
    assert_eq!(daemon.armed("apps"), Some(ts(START) + secs(10)));
    *daemon.next_set.lock().unwrap() = Some(Err(JobsError::NoJobs { dir: "jobs".into() }));
    daemon.control(super::Control::Reload).await;
    assert_eq!(daemon.armed("users"), Some(ts(START) + secs(7)));
    daemon.wake_at(secs(10)).await;
    assert_eq!(names(&daemon.started()), ["apps", "users"]);
}

#[tokio::test(start_paused = true)]
async fn the_watchdog_fires_a_job_whose_alarm_never_came() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, GRACE).await;
    settle().await;
    daemon.clock.set(ts(START) + secs(10));
    // No nudge: only the watchdog, a few seconds of (paused) time later, can start the run.
    tokio::time::sleep(secs(10) + crate::schedule::daemon::WATCHDOG_SLACK).await;
    assert_eq!(names(&daemon.started()), ["apps"]);
}
