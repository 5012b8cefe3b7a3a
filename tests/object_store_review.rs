//! Findings of a review of the object store output, each a test that failed before its fix.

use fake_auth0::Sizes;

use crate::common::s3::S3Server;
use crate::common::{World, config, empty_sizes, pairs};

const ROLES: &str = "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n";

/// The requests moto logged for `key` with `method` (`"GET /a0snap-test/out/roles/last-run.json`).
fn requests(s3: &S3Server, method: &str, key: &str) -> usize {
    let wanted = format!("\"{method} /a0snap-test/{key} ");
    s3.log()
        .lines()
        .filter(|line| line.contains(&wanted))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_without_metrics_reads_no_status_back_from_the_store_after_its_jobs() {
    // Reading each job's status back is what the metrics file and the Pushgateway need; with
    // neither, those reads only cost time, and against a store that stopped answering each one
    // waited out the client's retries: a run whose store went away 4 s in took 25 minutes to
    // exit (4 jobs), long after its summary.
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let world = World::start(config(Sizes {
        roles: 3,
        ..empty_sizes()
    }))
    .await;
    world.job("roles", ROLES);
    let env = s3.output_env("out");
    let done = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(done.code, 0, "{}", done.all_output());
    assert_eq!(
        requests(&s3, "GET", "out/roles/last-run.json"),
        0,
        "{}",
        s3.log()
    );

    // With a metrics file, the status is read back and the file tells the job's last success.
    let file = world.state_dir().join("a0snap.prom");
    let mut env = env;
    env.push(("A0SNAP_METRICS_FILE".into(), file.display().to_string()));
    let done = world.a0snap_with(&["run"], &pairs(&env)).await;
    assert_eq!(done.code, 0, "{}", done.all_output());
    assert!(requests(&s3, "GET", "out/roles/last-run.json") > 0);
    let metrics = std::fs::read_to_string(&file).expect("metrics file");
    assert!(
        metrics.lines().any(
            |line| line.starts_with("a0snap_job_last_success_timestamp_seconds{job=\"roles\"}")
        ),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_store_url_is_a_configuration_error_not_a_local_folder() {
    // `s4://` (a typo) or a bucket's https address used to be taken for a relative path: the
    // run wrote into `./s4:/bucket/prefix` beside the process, exited 0 and printed
    // `-> s4://bucket/prefix/...` as if the snapshots were in a bucket.
    let world = World::start(config(Sizes {
        roles: 3,
        ..empty_sizes()
    }))
    .await;
    world.job("roles", ROLES);
    for url in [
        "s4://bucket/prefix",
        "https://bucket.s3.amazonaws.com/prefix",
    ] {
        let done = world
            .a0snap_with(&["run"], &[("A0SNAP_OUTPUT_DIR", url)])
            .await;
        assert_eq!(done.code, 2, "{url}: {}", done.all_output());
        assert!(
            done.stderr.contains(url) && done.stderr.contains("s3://BUCKET/PREFIX"),
            "{}",
            done.stderr
        );
        assert_eq!(
            world.fake.counters().token_requests,
            0,
            "{url}: the tenant was asked"
        );
    }
}
