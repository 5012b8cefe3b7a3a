//! The pure core: what fires when, what is skipped, what a reload keeps.

use std::time::Duration;

use jiff::Timestamp;

use super::{START, job, ts};
use crate::schedule::plan::{Decision, Fired, Plan};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn at(offset: Duration) -> Timestamp {
    ts(START) + offset
}

fn ran(fired: &Fired) -> bool {
    matches!(fired.decision, Decision::Run(_))
}

#[test]
fn an_every_job_fires_at_its_period_from_start_without_drifting_by_late_wake_ups() {
    let mut plan = Plan::new(vec![job("apps", "every = \"10s\"")], ts(START));
    assert_eq!(plan.next_fire(), Some(at(secs(10))));
    assert!(plan.due(at(secs(9))).is_empty());
    let fired = plan.due(at(Duration::from_millis(10_400)));
    assert_eq!(fired.len(), 1);
    assert!(ran(&fired[0]));
    assert_eq!(
        (fired[0].due, fired[0].next),
        (at(secs(10)), Some(at(secs(20))))
    );
}

#[test]
fn a_job_due_while_its_run_is_still_going_is_skipped_and_keeps_its_period() {
    let mut plan = Plan::new(vec![job("apps", "every = \"10s\"")], ts(START));
    assert!(ran(&plan.due(at(secs(10)))[0]));
    let fired = plan.due(at(secs(20)));
    assert!(matches!(fired[0].decision, Decision::Skip));
    assert_eq!(fired[0].next, Some(at(secs(30))));
    assert!(plan.is_running("apps"));
    plan.finished("apps");
    assert!(ran(&plan.due(at(secs(30)))[0]));
}

#[test]
fn other_jobs_run_while_one_is_still_going() {
    let jobs = vec![
        job("slow", "every = \"10s\""),
        job("fast", "every = \"10s\""),
    ];
    let mut plan = Plan::new(jobs, ts(START));
    assert_eq!(plan.due(at(secs(10))).iter().filter(|f| ran(f)).count(), 2);
    plan.finished("fast");
    let fired = plan.due(at(secs(20)));
    let decisions: Vec<(&str, bool)> = fired.iter().map(|f| (f.job.as_str(), ran(f))).collect();
    assert_eq!(decisions, [("fast", true), ("slow", false)]);
}

#[test]
fn periods_missed_while_the_daemon_was_behind_fire_once_and_are_not_made_up() {
    let mut plan = Plan::new(vec![job("apps", "every = \"10s\"")], ts(START));
    let fired = plan.due(at(secs(65)));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].next, Some(at(secs(70))));
    plan.finished("apps");
    assert!(plan.due(at(secs(69))).is_empty());
}

/// (trigger, start, the fire times the daemon goes through)
#[rustfmt::skip]
const FIRES: &[(&str, &str, &[&str])] = &[
    // steps, lists and names
    ("schedule = \"*/20 9-10 * * mon-fri\"", "2026-01-02T10:30:00Z", &["2026-01-02T10:40:00Z", "2026-01-05T09:00:00Z", "2026-01-05T09:20:00Z"]),
    // day of month OR day of week, as in crontab and Kubernetes
    ("schedule = \"0 0 13 * fri\"", "2026-01-01T00:00:00Z", &["2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z"]),
    // Paris springs forward on 2026-03-29: 02:30 does not exist, the job fires at 03:00 CEST
    ("schedule = \"30 2 * * *\"\ntimezone = \"Europe/Paris\"", "2026-03-28T00:00:00Z", &["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
    // New York falls back on 2026-11-01: 01:15 happens twice, the job fires once
    ("schedule = \"15 1 * * *\"\ntimezone = \"America/New_York\"", "2026-10-31T12:00:00Z", &["2026-11-01T05:15:00Z", "2026-11-02T06:15:00Z"]),
    // London falls back on 2027-10-31: an hourly job fires at both 01:45s (BST, then GMT)
    ("schedule = \"45 * 31 10 *\"\ntimezone = \"Europe/London\"", "2027-10-30T23:00:00Z", &["2027-10-30T23:45:00Z", "2027-10-31T00:45:00Z", "2027-10-31T01:45:00Z", "2027-10-31T02:45:00Z"]),
    // 9:00 local stays 9:00 local across the change, unlike a fixed offset
    ("schedule = \"0 9 * * *\"\ntimezone = \"America/New_York\"", "2026-03-07T00:00:00Z", &["2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z"]),
];

#[test]
fn the_daemon_fires_cron_jobs_at_the_cron_modules_times_across_dst_changes() {
    for (trigger, start, expected) in FIRES {
        let mut plan = Plan::new(vec![job("apps", trigger)], ts(start));
        let mut fires = Vec::new();
        while fires.len() < expected.len() {
            let next = plan.next_fire().expect("a next fire time");
            assert!(
                plan.due(next - Duration::from_secs(1)).is_empty(),
                "{trigger}: early"
            );
            let fired = plan.due(next);
            assert!(ran(&fired[0]), "{trigger}");
            plan.finished("apps");
            fires.push(fired[0].due);
        }
        let expected: Vec<Timestamp> = expected.iter().map(|t| ts(t)).collect();
        assert_eq!(fires, expected, "{trigger} from {start}");
    }
}

#[test]
fn a_schedule_without_a_future_time_never_fires() {
    let plan = Plan::new(vec![job("apps", "schedule = \"0 0 30 2 *\"")], ts(START));
    assert_eq!(plan.next_fire(), None);
    assert_eq!(plan.never_firing().collect::<Vec<_>>(), ["apps"]);
}

#[test]
fn a_reload_keeps_unchanged_schedules_and_reschedules_changed_and_new_ones() {
    let jobs = vec![
        job("same", "every = \"10s\""),
        job("changed", "every = \"10s\""),
    ];
    let mut plan = Plan::new(jobs, ts(START));
    let changes = plan.replace(
        vec![
            job("same", "every = \"10s\""),
            job("changed", "every = \"1m\""),
            job("new", "every = \"5s\""),
        ],
        at(secs(4)),
    );
    assert_eq!(
        changes.rescheduled,
        [
            ("changed".to_owned(), Some(at(secs(64)))),
            ("new".to_owned(), Some(at(secs(9)))),
        ]
    );
    assert!(changes.removed.is_empty());
    let times: Vec<(&str, Timestamp)> = plan.next_times().collect();
    assert!(times.contains(&("same", at(secs(10)))));
}

#[test]
fn a_job_removed_and_added_back_while_running_is_not_run_twice() {
    let mut plan = Plan::new(vec![job("apps", "every = \"10s\"")], ts(START));
    assert!(ran(&plan.due(at(secs(10)))[0]));
    let changes = plan.replace(vec![job("other", "every = \"10s\"")], at(secs(11)));
    assert_eq!(changes.removed, ["apps"]);
    assert_eq!(plan.jobs().collect::<Vec<_>>(), ["other"]);
    plan.replace(vec![job("apps", "every = \"10s\"")], at(secs(12)));
    assert!(matches!(plan.due(at(secs(22)))[0].decision, Decision::Skip));
    plan.finished("apps");
    assert!(ran(&plan.due(at(secs(32)))[0]));
}

#[test]
fn a_removed_job_is_forgotten_once_its_run_ends() {
    let mut plan = Plan::new(vec![job("apps", "every = \"10s\"")], ts(START));
    plan.due(at(secs(10)));
    plan.replace(vec![job("other", "every = \"10s\"")], at(secs(11)));
    assert!(plan.is_running("apps"));
    plan.finished("apps");
    assert!(!plan.is_running("apps"));
    assert_eq!(plan.next_times().count(), 1);
}
