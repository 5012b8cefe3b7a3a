//! Offset pages fanned out after the first: the same files as a walk one page at a time, never
//! more requests in flight than the setting, a failure that stops everything, and a token
//! revoked in the middle renewed once.

use crate::common;

use std::time::Duration;

use common::{World, config, empty_sizes};
use fake_auth0::{Fault, FaultRule, Sizes};

/// 1,000 clients at 50 a page: 20 pages.
const PAGES: u64 = 20;

const JOB: &str = "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = [\"json\", \"ndjson\", \"csv\"]\ncolumns = [\"client_id\", \"name\", \"callbacks\", \"jwt_configuration.alg\"]\n";

/// A tenant of 1,000 clients that answers after a few milliseconds, so requests overlap.
async fn slow_tenant() -> World {
    let mut tenant = config(Sizes {
        clients: 1000,
        ..empty_sizes()
    });
    tenant.latency = Duration::from_millis(10);
    let world = World::start(tenant).await;
    world.job("apps", JOB);
    world
}

fn latest_files(world: &World) -> Vec<String> {
    ["latest.json", "latest.ndjson", "latest.csv"]
        .iter()
        .map(|name| world.read("apps", name))
        .collect()
}

/// The `page` parameter of every request, sorted.
fn pages_requested(world: &World) -> Vec<u64> {
    let mut pages: Vec<u64> = world
        .fake
        .requests()
        .iter()
        .filter_map(|request| {
            let query = request.split_once('?')?.1;
            let page = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("page="))?;
            page.parse().ok()
        })
        .collect();
    pages.sort_unstable();
    pages
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fanned_out_export_writes_the_same_bytes_as_one_page_at_a_time() {
    let world = slow_tenant().await;
    let one_at_a_time = world
        .a0snap_with(&["run"], &[("A0SNAP_MAX_IN_FLIGHT", "1")])
        .await;
    assert_eq!(one_at_a_time.code, 0, "{}", one_at_a_time.all_output());
    assert_eq!(world.fake.counters().max_in_flight, 1);
    let sequential = latest_files(&world);
    world.fake.reset_counters();

    let fanned_out = world
        .a0snap_with(&["run"], &[("A0SNAP_MAX_IN_FLIGHT", "8")])
        .await;
    assert_eq!(fanned_out.code, 0, "{}", fanned_out.all_output());
    assert!(world.fake.counters().max_in_flight > 1);
    assert_eq!(latest_files(&world), sequential);
    let served = world.served("clients");
    let written: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("apps", "latest.json")).expect("json");
    assert_eq!(written.len(), served.len());
    assert_eq!(
        written[999]["client_id"], served[999]["client_id"],
        "the last record is the last one served"
    );
    // Every page exactly once, and no page past the end.
    assert_eq!(pages_requested(&world), (0..PAGES).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_in_flight_overlap_but_never_exceed_the_setting() {
    let world = slow_tenant().await;
    for limit in [3_u64, 8] {
        world.fake.reset_counters();
        let run = world
            .a0snap_with(&["run"], &[("A0SNAP_MAX_IN_FLIGHT", &limit.to_string())])
            .await;
        assert_eq!(run.code, 0, "{}", run.all_output());
        let counters = world.fake.counters();
        assert!(
            (2..=limit).contains(&counters.max_in_flight),
            "{} in flight with a limit of {limit}",
            counters.max_in_flight
        );
        assert_eq!(counters.api_requests, PAGES);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_on_a_middle_page_fails_the_job_at_once_and_writes_nothing() {
    let mut tenant = config(Sizes {
        clients: 3000,
        ..empty_sizes()
    });
    tenant.latency = Duration::from_millis(10);
    let world = World::start(tenant).await;
    world.job("apps", JOB);
    world.fake.inject(FaultRule::nth(
        Some("/api/v2/clients"),
        10,
        Fault::Status(403),
    ));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout.contains("FAILED") && run.stdout.contains("403"),
        "{}",
        run.stdout
    );
    let leftovers: Vec<String> = world
        .files("apps")
        .into_iter()
        .filter(|name| name.starts_with("apps-") || name.starts_with("latest"))
        .collect();
    assert!(leftovers.is_empty(), "files were written: {leftovers:?}");
    // 60 pages to fetch, but the walk stopped at the error instead of going on to the end.
    let requests = world.fake.counters().api_requests;
    assert!(requests < 40, "{requests} requests after the error");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_during_the_fan_out_is_renewed_once_and_the_export_completes() {
    let world = slow_tenant().await;
    world.fake.inject(FaultRule::nth(
        Some("/api/v2/clients"),
        5,
        Fault::RevokeToken,
    ));
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let counters = world.fake.counters();
    assert_eq!(counters.token_requests, 2, "{counters:?}");
    assert!(counters.unauthorized >= 1, "{counters:?}");
    let written: Vec<serde_json::Value> =
        serde_json::from_str(&world.read("apps", "latest.json")).expect("json");
    let ids = |records: &[serde_json::Value]| -> Vec<String> {
        records
            .iter()
            .map(|record| record["client_id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(ids(&written), ids(&world.served("clients")));
    world.assert_no_secrets(&run.all_output());
}
