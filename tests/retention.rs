//! Retention through the real binary against the fake tenant: an incremental job's deltas are
//! never pushed out by quiet runs, an explicit `keep` counts only deltas with events, `keep_for`
//! removes by age, and a bad `keep_for` is a configuration error.

use crate::common;

use std::path::Path;

use common::{World, config, empty_sizes};
use fake_auth0::Sizes;
use jiff::{SignedDuration, Timestamp};

/// An incremental logs job; `output` is appended below `[output]`.
fn logs_job(output: &str) -> String {
    format!(
        "every = \"5m\"\nendpoint = \"logs\"\nincremental = true\nparams = {{ take = 100 }}\n[output]\nformat = [\"ndjson\", \"json\"]\n{output}"
    )
}

async fn logs_world(events: usize, output: &str) -> World {
    let world = World::start(config(Sizes {
        logs: events,
        ..empty_sizes()
    }))
    .await;
    world.job("logs", &logs_job(output));
    world
}

/// The job's snapshot stems, oldest first (by name, as retention orders them).
fn stems(world: &World, job: &str) -> Vec<String> {
    let mut stems: Vec<String> = world
        .files(job)
        .into_iter()
        .filter_map(|name| name.strip_suffix(".meta.json").map(str::to_owned))
        .filter(|stem| stem.starts_with(&format!("{job}-")))
        .collect();
    stems.sort();
    stems
}

/// The number of lines of `out/logs/{stem}.ndjson`.
fn events_in(world: &World, stem: &str) -> usize {
    world
        .read("logs", &format!("{stem}.ndjson"))
        .lines()
        .count()
}

/// `{job}-{YYYYMMDDTHHMMSSZ}` for `days` days before now.
fn stem_days_ago(job: &str, days: i64) -> String {
    let at = Timestamp::now() - SignedDuration::from_hours(24 * days);
    format!("{job}-{}", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// A snapshot an earlier run (or version) left: its data file and a meta file giving `records`.
fn leave_snapshot(dir: &Path, stem: &str, ext: &str, records: usize) {
    std::fs::create_dir_all(dir).expect("job folder");
    let line = "{\"log_id\":\"old\"}\n";
    std::fs::write(dir.join(format!("{stem}.{ext}")), line.repeat(records)).expect("data");
    std::fs::write(
        dir.join(format!("{stem}.meta.json")),
        format!("{{\"job\":\"x\",\"records\":{records}}}\n"),
    )
    .expect("meta");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_job_without_keep_keeps_its_delta_through_35_quiet_runs_and_adds_no_file() {
    let world = logs_world(40, "").await;
    world.run_ok().await;
    let files = world.files("logs");
    let delta = stems(&world, "logs");
    assert_eq!(delta.len(), 1, "{files:?}");

    for _ in 0..35 {
        let quiet = world.run_ok().await;
        assert!(quiet.stdout.contains("nothing written"), "{}", quiet.stdout);
    }

    assert_eq!(world.files("logs"), files, "no empty file was added");
    assert_eq!(
        events_in(&world, &delta[0]),
        40,
        "the delta with the events"
    );

    // More than the old default of 30 deltas with events: every one is kept.
    for _ in 0..31 {
        world.fake.with_tenant(|tenant| tenant.append_logs(1));
        world.run_ok().await;
    }
    let all = stems(&world, "logs");
    assert_eq!(all.len(), 32, "{all:?}");
    assert_eq!(all[0], delta[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_explicit_keep_counts_only_deltas_with_events_so_quiet_runs_push_nothing_out() {
    let world = logs_world(40, "keep = 3\n").await;
    // An older version left a delta with events two days ago, then 30 empty ones yesterday.
    let dir = world.out_dir().join("logs");
    let oldest = stem_days_ago("logs", 2);
    leave_snapshot(&dir, &oldest, "ndjson", 5);
    let mut empties = Vec::new();
    for minute in 0..30 {
        let stem = stem_days_ago("logs", 1) + &format!("-{}", minute + 2);
        leave_snapshot(&dir, &stem, "ndjson", 0);
        empties.push(stem);
    }

    world.run_ok().await;
    for _ in 0..5 {
        world.run_ok().await;
    }
    world.fake.with_tenant(|tenant| tenant.append_logs(10));
    world.run_ok().await;
    for _ in 0..5 {
        world.run_ok().await;
    }
    let stems_now = stems(&world, "logs");
    assert_eq!(stems_now.len(), 1 + 30 + 2, "{stems_now:?}");
    assert_eq!(
        stems_now[0], oldest,
        "three deltas with events: the oldest stays"
    );
    assert_eq!(events_in(&world, &oldest), 5);

    world.fake.with_tenant(|tenant| tenant.append_logs(7));
    world.run_ok().await;
    let stems_now = stems(&world, "logs");
    assert_eq!(stems_now.len(), 3, "{stems_now:?}");
    let counts: Vec<usize> = stems_now.iter().map(|s| events_in(&world, s)).collect();
    assert_eq!(counts, [40, 10, 7], "the three newest deltas with events");
    assert!(
        !world
            .files("logs")
            .iter()
            .any(|name| name.contains(&oldest))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_for_removes_older_snapshots_at_the_next_commit_and_keeps_younger_ones() {
    let world = World::start(config(Sizes {
        clients: 3,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\nkeep_for = \"30d\"\n",
    );
    let dir = world.out_dir().join("apps");
    let (old, older, young) = (
        stem_days_ago("apps", 31),
        stem_days_ago("apps", 45),
        stem_days_ago("apps", 29),
    );
    for stem in [&older, &old, &young] {
        leave_snapshot(&dir, stem, "json", 1);
    }
    std::fs::write(dir.join("notes.txt"), "mine").expect("a file of the user's");

    let run = world.run_ok().await;
    let stems_now = stems(&world, "apps");
    assert_eq!(stems_now.len(), 2, "{stems_now:?}");
    assert_eq!(stems_now[0], young);
    assert!(world.files("apps").contains(&"notes.txt".to_owned()));
    assert!(world.files("apps").contains(&"latest.json".to_owned()));
    world.assert_no_secrets(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_for_with_keep_removes_only_what_both_let_go() {
    let world = World::start(config(Sizes {
        clients: 3,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\nkeep = 3\nkeep_for = \"30d\"\n",
    );
    let dir = world.out_dir().join("apps");
    let (a, b, c) = (
        stem_days_ago("apps", 90),
        stem_days_ago("apps", 60),
        stem_days_ago("apps", 20),
    );
    for stem in [&a, &b, &c] {
        leave_snapshot(&dir, stem, "json", 1);
    }

    world.run_ok().await;
    // Beyond 3 is only the 90-day-old one, and it is older than 30 days: it goes. The 60-day
    // one is old but within keep.
    let stems_now = stems(&world, "apps");
    assert_eq!(stems_now.len(), 3, "{stems_now:?}");
    assert_eq!(&stems_now[..2], [b.clone(), c.clone()]);

    world.run_ok().await;
    // Now the 60-day one is beyond 3 and old: it goes.
    let stems_now = stems(&world, "apps");
    assert_eq!(stems_now.len(), 3, "{stems_now:?}");
    assert_eq!(stems_now[0], c);

    world.run_ok().await;
    // The 20-day one is beyond 3 but younger than 30 days: it stays.
    let stems_now = stems(&world, "apps");
    assert_eq!(stems_now.len(), 4, "{stems_now:?}");
    assert_eq!(stems_now[0], c);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_keep_for_fails_validate_with_exit_2_naming_the_file_and_field() {
    let world = logs_world(0, "keep_for = \"a month\"\n").await;
    let run = world.a0snap(&["validate"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    let file = world.jobs_dir().join("logs.toml").display().to_string();
    let said = run.all_output();
    assert!(
        said.contains(&format!(
            "{file}: output.keep_for: \"a month\" is not an interval; write a number and a unit"
        )),
        "{said}"
    );
    assert_eq!(world.a0snap(&["run"]).await.code, 2);
}
