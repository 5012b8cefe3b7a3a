//! The loop when the wall clock steps: one catch-up run after a forward step, no stall after a
//! backward one. The manual clock steps; tokio's paused clock stands for the monotonic one.

use std::time::Duration;

use jiff::SignedDuration;

use super::{Harness, START, job, names, settle, ts};

const GRACE: Duration = Duration::from_secs(25);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn a_two_hour_forward_step_fires_each_job_once_without_waiting_for_its_alarm() {
    let jobs = vec![
        job("apps", "every = \"10s\""),
        job("roles", "every = \"1h\""),
    ];
    let mut daemon = Harness::start(jobs, 4, GRACE).await;
    daemon.clock.advance(SignedDuration::from_hours(2));
    // No nudge: the alarm slept on the monotonic clock and would be late.
    tokio::time::sleep(secs(2)).await;
    let started = daemon.started();
    assert_eq!(names(&started), ["apps", "roles"], "one catch-up run each");
    for run in started {
        run.finish.send(()).unwrap();
    }
    settle().await;
    tokio::time::sleep(secs(3)).await;
    assert!(
        daemon.started().is_empty(),
        "missed fire times were made up"
    );
    let after = ts(START) + SignedDuration::from_hours(2);
    assert!(daemon.armed("apps").is_some_and(|at| at > after));
    assert!(daemon.armed("roles").is_some_and(|at| at > after));
    assert_eq!(daemon.metrics.job("apps").skipped_overlaps, 0);
}

#[tokio::test(start_paused = true)]
async fn a_two_hour_backward_step_reschedules_from_the_new_now_instead_of_stalling() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, GRACE).await;
    daemon.wake_at(secs(10)).await;
    for run in daemon.started() {
        run.finish.send(()).unwrap();
    }
    settle().await;
    assert_eq!(daemon.armed("apps"), Some(ts(START) + secs(20)));
    let stepped_back = ts(START) + secs(11) - SignedDuration::from_hours(2);
    daemon.clock.set(stepped_back);
    tokio::time::sleep(secs(2)).await;
    let next = stepped_back + secs(10);
    assert_eq!(
        daemon.armed("apps"),
        Some(next),
        "the job waits out the step"
    );
    daemon.clock.set(next);
    daemon.nudges.send(()).unwrap();
    settle().await;
    assert_eq!(names(&daemon.started()), ["apps"]);
}

#[tokio::test(start_paused = true)]
async fn a_clock_that_only_stands_still_changes_nothing() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, GRACE).await;
    tokio::time::sleep(secs(5)).await;
    assert!(daemon.started().is_empty());
    assert_eq!(daemon.armed("apps"), Some(ts(START) + secs(10)));
}
