//! `A0SNAP_METRICS_ADDR`: `/healthz` and Prometheus `/metrics` while the daemon runs.

use fake_auth0::{Fault, FaultRule, Sizes};

use super::EVERY_SECOND;
use super::process::Daemon;
use crate::common::{World, config, empty_sizes};

/// The bound address the daemon logged.
fn metrics_addr(line: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(line).expect("a JSON log line");
    value["addr"].as_str().expect("an addr field").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_metrics_endpoint_serves_health_and_counters_by_job_and_outcome() {
    let world = World::start(config(Sizes {
        clients: 3,
        ..empty_sizes()
    }))
    .await;
    world
        .fake
        .inject(FaultRule::nth(Some("clients"), 1, Fault::Status(429)));
    world.job("apps", EVERY_SECOND);
    let daemon = Daemon::daemon(&world, &[("A0SNAP_METRICS_ADDR", "127.0.0.1:0")]).await;
    let addr = metrics_addr(&daemon.wait_for_log("metrics served").await);
    daemon
        .wait_until("two snapshots", || {
            world.snapshot_files("apps", ".json").len() >= 2
        })
        .await;
    daemon.wait_for_lines("job finished", 2).await;

    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");

    let answer = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = answer.text().await.unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
    };
    let runs = value("a0snap_job_runs_total{job=\"apps\",outcome=\"success\"}");
    assert!(runs >= 2.0, "{text}");
    assert_eq!(
        value("a0snap_records_exported_total{job=\"apps\"}"),
        runs * 3.0
    );
    assert_eq!(
        value("a0snap_job_runs_total{job=\"apps\",outcome=\"failure\"}"),
        0.0
    );
    // The 429's wait makes the first run longer than the period: the skips are counted.
    assert!(value("a0snap_job_skipped_overlaps_total{job=\"apps\"}") >= 0.0);
    assert!(value("a0snap_job_last_success_timestamp_seconds{job=\"apps\"}") > 1.7e9);
    assert_eq!(value("a0snap_token_requests_total"), 1.0);
    assert_eq!(value("a0snap_rate_limited_total"), 1.0);
    assert!(
        text.contains("# TYPE a0snap_job_runs_total counter"),
        "{text}"
    );

    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_metrics_address_already_in_use_is_a_configuration_error() {
    let world = World::start(config(empty_sizes())).await;
    world.job("apps", EVERY_SECOND);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = world
        .a0snap_with(&["daemon"], &[("A0SNAP_METRICS_ADDR", addr.as_str())])
        .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("A0SNAP_METRICS_ADDR"), "{}", run.stderr);
    assert!(run.stderr.contains("choose a free port"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_incremental_runs_count_as_successes_and_commit_no_snapshot() {
    let world = World::start(config(Sizes {
        logs: 5,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "logs",
        "every = \"1s\"\nendpoint = \"logs\"\nincremental = true\n[output]\nformat = \"json\"\n",
    );
    let daemon = Daemon::daemon(&world, &[("A0SNAP_METRICS_ADDR", "127.0.0.1:0")]).await;
    let addr = metrics_addr(&daemon.wait_for_log("metrics served").await);
    daemon.wait_for_lines("job finished", 3).await;

    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
    };
    assert!(value("a0snap_job_runs_total{job=\"logs\",outcome=\"success\"}") >= 3.0);
    assert_eq!(value("a0snap_records_exported_total{job=\"logs\"}"), 5.0);
    assert_eq!(
        world.snapshot_files("logs", ".json").len(),
        1,
        "one delta, no empty ones"
    );
    assert!(
        daemon.count("none (no new events)") >= 2,
        "{}",
        daemon.log()
    );

    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_rewrites_the_metrics_file_after_each_run_with_the_same_registry() {
    let world = World::start(config(Sizes {
        clients: 3,
        ..empty_sizes()
    }))
    .await;
    world.job("apps", EVERY_SECOND);
    let file = world.dir.path().join("a0snap.prom");
    let file_var = file.display().to_string();
    let daemon = Daemon::daemon(
        &world,
        &[
            ("A0SNAP_METRICS_ADDR", "127.0.0.1:0"),
            ("A0SNAP_METRICS_FILE", file_var.as_str()),
        ],
    )
    .await;
    let addr = metrics_addr(&daemon.wait_for_log("metrics served").await);
    let read = || std::fs::read_to_string(&file).unwrap_or_default();
    // The second run's file holds the first run's count (a run is counted once it ended).
    daemon
        .wait_until("a counted run in the metrics file", || {
            read().contains("a0snap_job_runs_total{job=\"apps\",outcome=\"success\"} 1")
        })
        .await;
    let text = read();
    assert!(
        text.contains("a0snap_job_last_run_success{job=\"apps\"} 1.0"),
        "{text}"
    );
    assert!(
        text.contains("a0snap_job_last_run_records{job=\"apps\"} 3.0"),
        "{text}"
    );
    if let Some((code, said)) = crate::metrics_file::promtool_check(&text).await {
        assert_eq!(
            code, 0,
            "promtool refused the daemon's file: {said}\n{text}"
        );
    }
    // /metrics serves the same registry: the last-run gauges are there too.
    let served = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        served.contains("a0snap_job_last_run_records{job=\"apps\"} 3.0"),
        "{served}"
    );

    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
}
