//! `A0SNAP_METRICS_FILE` and `A0SNAP_PUSHGATEWAY_URL` after `a0snap run`: the file is read by
//! Prometheus's own parser (`promtool check metrics`) and the push by a real Pushgateway
//! started on a loopback port. Both binaries come from Debian's `prometheus` and
//! `prometheus-pushgateway` packages (`.ci/run` installs them); without them these tests say
//! so and skip.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fake_auth0::{Fault, FaultRule, Sizes};
use tokio::io::AsyncWriteExt;

use crate::common::{World, config, empty_sizes};

const PROMTOOL: &str = "/usr/bin/promtool";
const PUSHGATEWAY: &str = "/usr/bin/prometheus-pushgateway";

fn tenant() -> Sizes {
    Sizes {
        clients: 3,
        roles: 2,
        ..empty_sizes()
    }
}

/// `promtool check metrics` on `text`: its exit code and output, or `None` (and a message)
/// when promtool is not installed.
pub(crate) async fn promtool_check(text: &str) -> Option<(i32, String)> {
    if !Path::new(PROMTOOL).exists() {
        eprintln!("skipped: {PROMTOOL} is not installed (apt-get install prometheus)");
        return None;
    }
    let mut child = tokio::process::Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(text.as_bytes()).await.expect("write");
    drop(stdin);
    let output = child.wait_with_output().await.expect("promtool ends");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some((output.status.code().unwrap_or(-1), said))
}

/// The value of the sample `series` (name and labels exactly as written) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn a_run_writes_every_jobs_series_to_the_metrics_file_and_promtool_accepts_it() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    world.job("never", "endpoint = \"roles\"\nevery = \"1h\"\n");
    let file = world.dir.path().join("a0snap.prom");
    let file_var = file.display().to_string();
    let env = [("A0SNAP_METRICS_FILE", file_var.as_str())];

    let first = world.a0snap_with(&["run", "--job", "roles"], &env).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    world
        .fake
        .inject(FaultRule::always(Some("clients"), Fault::Status(403)));
    let second = world.a0snap_with(&["run", "--job", "apps"], &env).await;
    assert_eq!(second.code, 1, "{}", second.all_output());

    let text = std::fs::read_to_string(&file).expect("the metrics file");
    // apps failed this time; roles ran in the previous process and keeps its series.
    assert_eq!(
        sample(&text, "a0snap_job_last_run_success{job=\"apps\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "a0snap_job_last_run_success{job=\"roles\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "a0snap_job_last_run_records{job=\"roles\"}"),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "a0snap_job_last_run_pages{job=\"roles\"}"),
        Some(1.0)
    );
    let success = sample(
        &text,
        "a0snap_job_last_success_timestamp_seconds{job=\"roles\"}",
    );
    assert!(success.is_some_and(|at| at > 1.7e9), "{text}");
    let last_run = sample(&text, "a0snap_job_last_run_timestamp_seconds{job=\"apps\"}");
    assert!(last_run.is_some_and(|at| at > 1.7e9), "{text}");
    assert!(sample(&text, "a0snap_job_last_run_duration_seconds{job=\"apps\"}").is_some());
    assert!(
        sample(
            &text,
            "a0snap_job_last_success_timestamp_seconds{job=\"apps\"}"
        )
        .is_none()
    );
    assert!(
        !text.contains("job=\"never\""),
        "a job never run has no series yet:\n{text}"
    );
    // The process's own counters: the second process used the token the first one cached.
    assert_eq!(sample(&text, "a0snap_token_requests_total"), Some(0.0));
    assert_eq!(sample(&text, "a0snap_rate_limited_total"), Some(0.0));
    // Written under a temporary name and renamed: nothing else is left beside it.
    assert_eq!(
        crate::common::temp_files(world.dir.path()),
        Vec::<String>::new()
    );

    if let Some((code, said)) = promtool_check(&text).await {
        assert_eq!(code, 0, "promtool refused the file: {said}\n{text}");
    }
}

#[tokio::test]
async fn an_unwritable_metrics_file_is_a_warning_and_the_run_still_succeeds() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    let missing = world.dir.path().join("no-such-folder/a0snap.prom");
    let missing = missing.display().to_string();
    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_METRICS_FILE", missing.as_str())])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stderr.contains("could not write the metrics file"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("A0SNAP_METRICS_FILE"), "{}", run.stderr);
}

/// A Pushgateway on a free loopback port, stopped on drop.
struct Pushgateway {
    child: tokio::process::Child,
    url: String,
}

impl Pushgateway {
    /// Starts one, or `None` (and a message) when it is not installed.
    async fn start() -> Option<Self> {
        if !Path::new(PUSHGATEWAY).exists() {
            eprintln!(
                "skipped: {PUSHGATEWAY} is not installed (apt-get install prometheus-pushgateway)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = tokio::process::Command::new(PUSHGATEWAY)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the Pushgateway starts");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if let Ok(answer) = reqwest::get(format!("{url}/-/ready")).await
                && answer.status().is_success()
            {
                return Some(Self { child, url });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the Pushgateway on {url} never became ready");
    }

    async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.url))
            .await
            .expect("the Pushgateway answers")
            .text()
            .await
            .expect("text")
    }
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

#[tokio::test]
async fn a_run_pushes_each_job_as_its_own_group_to_a_real_pushgateway() {
    let Some(gateway) = Pushgateway::start().await else {
        return;
    };
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    let run = world
        .a0snap_with(
            &["run"],
            &[("A0SNAP_PUSHGATEWAY_URL", gateway.url.as_str())],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(!run.stderr.contains("could not push"), "{}", run.stderr);

    let text = gateway.metrics().await;
    assert_eq!(
        sample(
            &text,
            "a0snap_job_last_run_records{instance=\"\",job=\"a0snap\",job_name=\"apps\"}"
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "a0snap_job_last_run_success{instance=\"\",job=\"a0snap\",job_name=\"roles\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "a0snap_token_requests_total{instance=\"\",job=\"a0snap\"}"
        ),
        Some(1.0),
        "{text}"
    );
    // The Pushgateway records each group's last successful push.
    assert!(text.contains("push_time_seconds{instance=\"\",job=\"a0snap\",job_name=\"apps\"}"));
}

#[tokio::test]
async fn an_unreachable_pushgateway_is_a_warning_and_the_run_still_succeeds() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://user:pushpass@127.0.0.1:{port}");
    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_PUSHGATEWAY_URL", url.as_str())])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stderr.contains("could not push the metrics"),
        "{}",
        run.stderr
    );
    assert!(
        !run.all_output().contains("pushpass"),
        "{}",
        run.all_output()
    );
}

#[tokio::test]
async fn a_pushgateway_url_that_is_not_http_is_a_configuration_error() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    let run = world
        .a0snap_with(
            &["run"],
            &[("A0SNAP_PUSHGATEWAY_URL", "ftp://secretish@host")],
        )
        .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(
        run.stderr.contains("A0SNAP_PUSHGATEWAY_URL"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("secretish"), "{}", run.stderr);
}

#[tokio::test]
async fn a_429_and_a_token_request_are_counted_against_their_job_in_last_run_and_the_metrics_file()
{
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    // The first clients request is answered 429 with a short reset; the retry succeeds.
    world.fake.inject(FaultRule::nth(
        Some("/api/v2/clients"),
        1,
        Fault::RateLimited {
            reset_in_secs: 1,
            retry_after: None,
        },
    ));
    let file = world.dir.path().join("a0snap.prom");
    let file_var = file.display().to_string();
    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_METRICS_FILE", file_var.as_str())])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let last_run = |job: &str| -> serde_json::Value {
        serde_json::from_str(&world.read(job, "last-run.json")).expect("last-run.json")
    };
    assert_eq!(last_run("apps")["rate_limited"], 1);
    assert_eq!(last_run("roles")["rate_limited"], 0);
    let text = std::fs::read_to_string(&file).expect("the metrics file");
    assert_eq!(
        sample(&text, "a0snap_job_last_run_rate_limited{job=\"apps\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "a0snap_job_last_run_rate_limited{job=\"roles\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "a0snap_job_rate_limited_total{job=\"apps\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&text, "a0snap_rate_limited_total"), Some(1.0));
    // The one token request of the run is counted against the job whose request made it.
    let tokens = |job: &str| last_run(job)["token_requests"].as_u64().unwrap_or(99);
    assert_eq!(tokens("apps") + tokens("roles"), 1);
    let per_job: f64 = ["apps", "roles"]
        .iter()
        .filter_map(|job| {
            sample(
                &text,
                &format!("a0snap_job_last_run_token_requests{{job=\"{job}\"}}"),
            )
        })
        .sum();
    assert_eq!(per_job, 1.0, "{text}");
    assert_eq!(sample(&text, "a0snap_token_requests_total"), Some(1.0));
    if let Some((code, said)) = promtool_check(&text).await {
        assert_eq!(code, 0, "promtool refused the file: {said}\n{text}");
    }
    // The next run uses the cached token: no token request for either job.
    let again = world
        .a0snap_with(&["run"], &[("A0SNAP_METRICS_FILE", file_var.as_str())])
        .await;
    assert_eq!(again.code, 0, "{}", again.all_output());
    assert_eq!(tokens("apps") + tokens("roles"), 0);
}
