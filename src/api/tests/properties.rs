//! The pager against generated tenants (proptest, fixed seed): random list lengths, page sizes
//! asked, server page caps (cutting pages short, with or without keeping the offsets asked),
//! answers with or without totals, offset and checkpoint endpoints. Every walk either gives
//! exactly the records served, in order, each once, or fails with a named drift or answer
//! error; it never ends quietly with a different list.
//!
//! The tenant is fake-auth0 on loopback, one per case; the cases are few so this stays fast.

use fake_auth0::{Config, Sizes, Tenant};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use serde_json::Value;
use url::Url;

use super::tests_support::{client_at, quick_retry};
use super::{ApiError, Pager};
use crate::endpoint::{Endpoint, lookup};

/// One generated tenant and walk.
#[derive(Debug, Clone)]
struct Case {
    /// `roles` (offset) or `connections` (checkpoint).
    endpoint: &'static str,
    /// Records the tenant holds.
    total: usize,
    /// The page size the walk asks for.
    page_size: u32,
    /// The largest offset page the server gives.
    cap: Option<usize>,
    /// With a cap: pages start at `page x asked` (records in between are never served).
    cap_keeps_asked_offsets: bool,
    /// Offset answers are bare arrays without `total`.
    ignore_totals: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec!["roles", "connections"]),
        0usize..180,
        5u32..=100,
        prop::option::of(5usize..=100),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(endpoint, total, page_size, cap, cap_keeps_asked_offsets, ignore_totals)| Case {
                endpoint,
                total,
                page_size,
                cap,
                cap_keeps_asked_offsets,
                ignore_totals,
            },
        )
}

/// The sizes with only `case.endpoint` holding `case.total` records.
fn sizes(case: &Case) -> Sizes {
    let mut sizes = Sizes {
        clients: 0,
        users: 0,
        roles: 0,
        connections: 0,
        resource_servers: 0,
        client_grants: 0,
        organizations: 0,
        logs: 0,
    };
    match case.endpoint {
        "roles" => sizes.roles = case.total,
        _ => sizes.connections = case.total,
    }
    sizes
}

/// What one walk gave: the ids in order, or the error that ended it.
async fn walk(case: &Case) -> (Vec<String>, Result<Vec<String>, ApiError>) {
    let config = Config {
        page_size_cap: case.cap,
        cap_keeps_asked_offsets: case.cap_keeps_asked_offsets,
        ignore_totals: case.ignore_totals,
        ..Config::new("id", "secret", Tenant::generate(&sizes(case), 11))
    };
    let fake = fake_auth0::start(config).await.expect("fake tenant");
    let served: Vec<String> = fake
        .with_tenant(|tenant| tenant.records(case.endpoint).to_vec())
        .iter()
        .map(|record| record["id"].as_str().expect("an id").to_owned())
        .collect();
    let base_url = Url::parse(&fake.base_url()).expect("base url");
    let client = client_at(base_url, "id", "secret", quick_retry());
    let known = lookup(case.endpoint).expect("a known endpoint");
    let endpoint = Endpoint::from_known(known, case.endpoint);
    let mut pager = Pager::new(&client, &endpoint, &[], case.page_size, None);
    let mut got = Vec::new();
    let outcome = loop {
        match pager.next_page().await {
            Ok(Some(page)) => {
                for record in page.records().expect("records") {
                    let value: Value = serde_json::from_str(record.get()).expect("json");
                    got.push(value["id"].as_str().unwrap_or_default().to_owned());
                }
                assert!(pager.pages() < 1_000, "the walk does not end");
            }
            Ok(None) => break Ok(got),
            Err(error) => break Err(error),
        }
    };
    fake.shutdown().await;
    (served, outcome)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 40,
        rng_seed: RngSeed::Fixed(17),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_walk_gives_exactly_the_records_served_or_names_why_it_cannot(case in case()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (served, outcome) = runtime.block_on(walk(&case));
        match outcome {
            Ok(got) => prop_assert_eq!(got, served, "{:?}", case),
            Err(error) => {
                let named = matches!(error, ApiError::Drift { .. } | ApiError::BadAnswer { .. });
                prop_assert!(named, "{:?} failed with {:?}", case, error);
                prop_assert!(!error.to_string().is_empty());
                // A server that serves pages whole and in place is always walked to the end.
                prop_assert!(
                    case.cap.is_some_and(|cap| cap < case.page_size as usize),
                    "{:?} failed on a server that gives what is asked: {}", case, error
                );
            }
        }
    }
}
