//! Auth0's per-endpoint rate-limit buckets through the real binary: a clients job and a users
//! job at once against a tenant where each endpoint has a bucket of its own (Essentials'
//! shape, refilled twice as fast so the test stays short), paced without running into 429s.

use crate::common;

use std::time::Duration;

use common::{World, config, empty_sizes};
use fake_auth0::{EndpointLimits, RateLimit, Sizes};

/// 150 clients at 10 a page: 15 pages through a bucket of 5.
const CLIENTS: usize = 150;
/// 1,000 users at 10 a page: 100 pages through a bucket of 40.
const USERS: usize = 1000;

fn job(endpoint: &str) -> String {
    format!(
        "every = \"1h\"\nendpoint = \"{endpoint}\"\nparams = {{ per_page = 10 }}\n[output]\nformat = \"ndjson\"\n"
    )
}

fn records(world: &World, job: &str) -> usize {
    world.read(job, "latest.ndjson").lines().count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clients_job_and_a_users_job_at_once_each_keep_to_their_own_bucket() {
    let mut tenant = config(Sizes {
        clients: CLIENTS,
        users: USERS,
        ..empty_sizes()
    });
    // Essentials: Read Clients burst 5 and 100 a minute, Read Users 40 and 500 a minute; here
    // twice as fast, so the clients job takes about 3 s and the users job about 3.6 s. (Six
    // times as fast made a token every 100 ms, close enough to the scheduling jitter of a busy
    // machine to draw a few 429s.)
    tenant.endpoint_limits = EndpointLimits {
        buckets: [
            ("clients".to_owned(), RateLimit::per_minute(5, 200.0)),
            ("users".to_owned(), RateLimit::per_minute(40, 1000.0)),
        ]
        .into(),
        others: None,
    };
    tenant.latency = Duration::from_millis(10);
    let world = World::start(tenant).await;
    world.job("apps", &job("clients"));
    world.job("people", &job("users"));

    let run = world.a0snap(&["run"]).await;

    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(records(&world, "apps"), CLIENTS);
    assert_eq!(records(&world, "people"), USERS);
    let counters = world.fake.counters();
    // 15 + 100 pages. One mirror per bucket gave no 429 in our runs (2 allowed for slack); with
    // one mirror for both, users answers (tens left) let clients requests out into their spent
    // bucket (at six times Essentials' speed, 11 of 141 requests were answered 429).
    assert!(
        counters.rate_limited <= 2,
        "{} of {} requests answered 429",
        counters.rate_limited,
        counters.api_requests
    );
}
