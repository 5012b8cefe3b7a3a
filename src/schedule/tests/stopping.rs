//! The loop when asked to stop: grace period, aborts, queued runs, a second stop.

use std::time::Duration;

use super::{Harness, START, job, names, ts};
use crate::metrics::RunOutcome;
use crate::schedule::Stopped;
use crate::schedule::daemon::Control;
use crate::schedule::stop::{AbortCause, Forced, StopSignal};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn an_idle_daemon_stops_clean() {
    let daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, secs(25)).await;
    daemon.control(Control::Stop(StopSignal::Term)).await;
    assert_eq!(daemon.armed("apps"), None, "the alarm was left armed");
    assert_eq!(daemon.daemon.await.unwrap(), Stopped::Clean);
}

#[tokio::test(start_paused = true)]
async fn a_run_that_ends_within_the_grace_period_stops_clean_and_nothing_new_fires() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, secs(25)).await;
    daemon.wake_at(secs(10)).await;
    let running = daemon.started();
    daemon.control(Control::Stop(StopSignal::Term)).await;
    daemon.clock.set(ts(START) + secs(30));
    let _ = daemon.nudges.send(());
    tokio::time::sleep(secs(5)).await;
    assert!(daemon.started().is_empty(), "a run started after the stop");
    for run in running {
        run.finish.send(()).unwrap();
    }
    assert_eq!(daemon.daemon.await.unwrap(), Stopped::Clean);
    assert_eq!(
        daemon.metrics.job("apps").runs.get(&RunOutcome::Aborted),
        None
    );
}

#[tokio::test(start_paused = true)]
async fn a_run_still_going_when_the_grace_period_ends_is_aborted_and_dropped() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, secs(25)).await;
    daemon.wake_at(secs(10)).await;
    let running = daemon.started();
    let stopped_at = tokio::time::Instant::now();
    daemon.control(Control::Stop(StopSignal::Term)).await;
    let stopped = daemon.daemon.await.unwrap();
    assert_eq!(
        stopped,
        Stopped::Aborted {
            jobs: vec!["apps".to_owned()],
            cause: AbortCause::GraceRanOut,
        }
    );
    assert!(stopped_at.elapsed() >= secs(25));
    assert!(
        running[0].finish.is_closed(),
        "the aborted run was not dropped"
    );
    assert_eq!(
        daemon.metrics.job("apps").runs.get(&RunOutcome::Aborted),
        Some(&1)
    );
}

#[tokio::test(start_paused = true)]
async fn a_second_stop_signal_does_not_shorten_the_grace_period() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, secs(25)).await;
    daemon.wake_at(secs(10)).await;
    let running = daemon.started();
    let stopped_at = tokio::time::Instant::now();
    // What `timeout` or a process manager signalling the process group delivers.
    daemon.control(Control::Stop(StopSignal::Term)).await;
    daemon.control(Control::Stop(StopSignal::Term)).await;
    tokio::time::sleep(secs(20)).await;
    assert!(
        !daemon.daemon.is_finished(),
        "the second SIGTERM cut the grace period short"
    );
    assert!(!running[0].finish.is_closed(), "the run was dropped early");
    let stopped = (&mut daemon.daemon).await.unwrap();
    assert_eq!(
        stopped,
        Stopped::Aborted {
            jobs: vec!["apps".to_owned()],
            cause: AbortCause::GraceRanOut,
        }
    );
    assert!(stopped_at.elapsed() >= secs(25));
}

#[tokio::test(start_paused = true)]
async fn a_second_stop_signal_lets_a_run_finish_within_the_grace_period() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, secs(25)).await;
    daemon.wake_at(secs(10)).await;
    let running = daemon.started();
    daemon.control(Control::Stop(StopSignal::Term)).await;
    daemon.control(Control::Stop(StopSignal::Int)).await;
    tokio::time::sleep(secs(5)).await;
    for run in running {
        run.finish.send(()).unwrap();
    }
    assert_eq!((&mut daemon.daemon).await.unwrap(), Stopped::Clean);
}

#[tokio::test(start_paused = true)]
async fn a_third_stop_signal_aborts_at_once_and_says_so() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, secs(3600)).await;
    daemon.wake_at(secs(10)).await;
    let _running = daemon.started();
    let stopped_at = tokio::time::Instant::now();
    for _ in 0..3 {
        daemon.control(Control::Stop(StopSignal::Term)).await;
    }
    let stopped = (&mut daemon.daemon).await.unwrap();
    assert_eq!(
        stopped,
        Stopped::Aborted {
            jobs: vec!["apps".to_owned()],
            cause: AbortCause::Forced(Forced {
                signal: StopSignal::Term,
                nth: 3
            }),
        }
    );
    assert!(stopped_at.elapsed() < secs(3600));
}

#[tokio::test(start_paused = true)]
async fn sigquit_aborts_at_once_even_as_the_first_stop() {
    let mut daemon = Harness::start(vec![job("apps", "every = \"10s\"")], 4, secs(3600)).await;
    daemon.wake_at(secs(10)).await;
    let _running = daemon.started();
    let stopped_at = tokio::time::Instant::now();
    daemon.control(Control::Stop(StopSignal::Quit)).await;
    let stopped = (&mut daemon.daemon).await.unwrap();
    assert!(
        matches!(
            stopped,
            Stopped::Aborted {
                cause: AbortCause::Forced(Forced {
                    signal: StopSignal::Quit,
                    nth: 1
                }),
                ..
            }
        ),
        "{stopped:?}"
    );
    assert!(stopped_at.elapsed() < secs(3600));
}

#[tokio::test(start_paused = true)]
async fn runs_waiting_for_a_slot_do_not_start_once_the_daemon_stops() {
    let jobs = vec![job("a", "every = \"10s\""), job("b", "every = \"10s\"")];
    let mut daemon = Harness::start(jobs, 1, secs(25)).await;
    daemon.wake_at(secs(10)).await;
    let running = daemon.started();
    assert_eq!(names(&running), ["a"]);
    daemon.control(Control::Stop(StopSignal::Term)).await;
    for run in running {
        run.finish.send(()).unwrap();
    }
    let stopped = (&mut daemon.daemon).await.unwrap();
    assert_eq!(stopped, Stopped::Clean);
    assert!(daemon.started().is_empty(), "the queued run started");
}
