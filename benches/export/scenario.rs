//! The export scenarios: a fake tenant with Auth0's latency and rate limits, one job (or a few
//! at once), and the fastest any client could go under those limits.

use std::time::Duration;

use fake_auth0::{Config, RateLimit, RateLimits, Sizes, Tenant};

/// The client id and secret of every benchmark tenant.
pub(crate) const CLIENT_ID: &str = "bench-client";
/// See [`CLIENT_ID`].
pub(crate) const CLIENT_SECRET: &str = "bench-secret";

/// Requests in flight when the benchmark's environment does not set `A0SNAP_MAX_IN_FLIGHT`
/// (a0snap's default).
const DEFAULT_IN_FLIGHT: u32 = 8;

/// Requests in flight for every run: `A0SNAP_MAX_IN_FLIGHT` from the benchmark's environment
/// (passed on to a0snap), else a0snap's default.
pub(crate) fn in_flight() -> u32 {
    std::env::var("A0SNAP_MAX_IN_FLIGHT")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_IN_FLIGHT)
}

/// Auth0's network latency, as slept by the fake inside every API request.
const LATENCY: Duration = Duration::from_millis(50);

/// A tenant without records, to set only what a scenario needs.
const EMPTY: Sizes = Sizes {
    clients: 0,
    users: 0,
    roles: 0,
    connections: 0,
    resource_servers: 0,
    client_grants: 0,
    organizations: 0,
    logs: 0,
};

/// 200 offset pages of 100.
const CLIENTS: Sizes = Sizes {
    clients: 20_000,
    ..EMPTY
};

/// The columns of the example `jobs/logs.toml`.
const LOG_COLUMNS: &str =
    r#"["log_id", "date", "type", "description", "client_id", "client_name", "user_id", "ip"]"#;

/// One export to measure.
pub(crate) struct Scenario {
    /// The row label, starting with its letter (`"a. offset ..."`).
    pub label: String,
    /// The letter that selects it on the command line.
    pub letter: char,
    /// Makes the fake tenant (only for the scenarios that run: generating one takes a while).
    pub config: Box<dyn Fn() -> Config>,
    /// The job file (job `bench`).
    pub job: String,
    /// What limits it.
    pub bound: Bound,
    /// Further jobs run at the same time, by the same process: name, job file, what limits
    /// it. The scenario's bound is the largest of all the jobs' bounds.
    pub at_once: Vec<(&'static str, String, Bound)>,
    /// What it should achieve.
    pub target: Target,
}

/// The floor under an export's wall time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    /// `pages x latency / in_flight`; 1 in flight for sequential paging.
    Latency { latency: Duration, in_flight: u32 },
    /// The latency bound, or `(pages - burst) / rate` under a token bucket if that is more.
    RateLimit {
        latency: Duration,
        in_flight: u32,
        burst: u32,
        per_second: f64,
    },
    /// Not bounded by the tenant (no latency): memory is what the scenario is about.
    None,
}

/// The issue's target for a scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// Wall time at most this many times the bound.
    Ratio(f64),
    /// The same, with fewer than this share of requests answered 429.
    RatioWithFew429(f64, f64),
    /// Peak memory under this many MiB (and steady across sizes, judged across rows).
    PeakMemory(u64),
}

impl Bound {
    /// The bound for an export of `pages` pages.
    pub(crate) fn for_pages(self, pages: u64) -> Option<Duration> {
        let latency_bound = |latency: Duration, in_flight: u32| {
            latency.mul_f64(pages as f64 / f64::from(in_flight.max(1)))
        };
        match self {
            Bound::Latency { latency, in_flight } => Some(latency_bound(latency, in_flight)),
            Bound::RateLimit {
                latency,
                in_flight,
                burst,
                per_second,
            } => {
                let refill = pages.saturating_sub(u64::from(burst)) as f64 / per_second;
                Some(latency_bound(latency, in_flight).max(Duration::from_secs_f64(refill)))
            }
            Bound::None => None,
        }
    }
}

/// Every scenario of the issues, `a` to `d`, `f` and `h` (`e` is [`crate::csv_alone`], `g`
/// [`crate::changes`], `i` [`crate::s3`]).
pub(crate) fn all() -> Vec<Scenario> {
    let offset_job = job("clients", "per_page = 100", "\"ndjson\"", "");
    let limited = RateLimit {
        burst: 50,
        per_second: 16.0,
    };
    let essentials = RateLimits::essentials();
    let bucket = |family: &str| {
        essentials
            .endpoints
            .buckets
            .get(family)
            .copied()
            .unwrap_or(RateLimit {
                burst: 1,
                per_second: 1.0,
            })
    };
    let bucket_bound = |limit: RateLimit| Bound::RateLimit {
        latency: LATENCY,
        in_flight: in_flight(),
        burst: limit.burst,
        per_second: limit.per_second,
    };
    let (clients_bucket, users_bucket) = (bucket("clients"), bucket("users"));
    let mut scenarios = vec![
        Scenario {
            label: "a. offset, 200 pages of 100, 50 ms".to_owned(),
            letter: 'a',
            config: Box::new(|| with_latency(tenant(CLIENTS))),
            job: offset_job.clone(),
            bound: Bound::Latency {
                latency: LATENCY,
                in_flight: in_flight(),
            },
            at_once: Vec::new(),
            target: Target::Ratio(1.3),
        },
        Scenario {
            label: "b. the same, burst 50, 16 req/s".to_owned(),
            letter: 'b',
            config: Box::new(move || Config {
                rate_limit: Some(limited),
                ..with_latency(tenant(CLIENTS))
            }),
            job: offset_job,
            bound: Bound::RateLimit {
                latency: LATENCY,
                in_flight: in_flight(),
                burst: limited.burst,
                per_second: limited.per_second,
            },
            at_once: Vec::new(),
            target: Target::RatioWithFew429(1.1, 0.01),
        },
        Scenario {
            label: "c. checkpoint, 200 pages of 100, 50 ms".to_owned(),
            letter: 'c',
            config: Box::new(|| {
                with_latency(tenant(Sizes {
                    organizations: 20_000,
                    ..EMPTY
                }))
            }),
            job: job("organizations", "take = 100", "\"ndjson\"", ""),
            bound: Bound::Latency {
                latency: LATENCY,
                in_flight: 1,
            },
            at_once: Vec::new(),
            target: Target::Ratio(1.15),
        },
        Scenario {
            label: "f. clients (20 pages) and users (100) at once, Essentials buckets".to_owned(),
            letter: 'f',
            config: Box::new(|| {
                with_latency(tenant(Sizes {
                    clients: 2_000,
                    users: 1_000,
                    ..EMPTY
                }))
                .with_rate_limits(RateLimits::essentials())
            }),
            job: job("clients", "per_page = 100", "\"ndjson\"", ""),
            bound: bucket_bound(clients_bucket),
            at_once: vec![(
                "users",
                job("users", "per_page = 10", "\"ndjson\"", ""),
                bucket_bound(users_bucket),
            )],
            target: Target::RatioWithFew429(1.1, 0.01),
        },
        Scenario {
            label: "h. 200 roles x 50 users (for_each), Enterprise limits".to_owned(),
            letter: 'h',
            config: Box::new(|| {
                let mut tenant = tenant(Sizes {
                    roles: 200,
                    users: 1_000,
                    ..EMPTY
                });
                tenant.assign_members("roles", "users", |_| 50);
                with_latency(tenant).with_rate_limits(RateLimits::enterprise())
            }),
            job: job("roles/{id}/users", "take = 50", "\"ndjson\"", "").replacen(
                "\nparams",
                "\nfor_each = \"roles\"\nparams",
                1,
            ),
            bound: enterprise_bound(),
            at_once: Vec::new(),
            target: Target::RatioWithFew429(1.1, 0.01),
        },
    ];
    for (format, columns) in [
        ("ndjson", String::new()),
        ("csv", format!("columns = {LOG_COLUMNS}\n")),
    ] {
        for count in [100_000_u64, 1_000_000] {
            scenarios.push(Scenario {
                label: format!("d. {} logs to {}", thousands(count), format.to_uppercase()),
                letter: 'd',
                config: Box::new(move || logs_tenant(count as usize)),
                job: job("logs", "take = 100", &format!("\"{format}\""), &columns),
                bound: Bound::None,
                at_once: Vec::new(),
                target: Target::PeakMemory(64),
            });
        }
    }
    scenarios
}

/// The token-bucket bound of a job under Enterprise limits: the global bucket (role users
/// have no bucket of their own on that plan).
fn enterprise_bound() -> Bound {
    let global = RateLimits::enterprise().global.unwrap_or(RateLimit {
        burst: 1,
        per_second: 1.0,
    });
    Bound::RateLimit {
        latency: LATENCY,
        in_flight: in_flight(),
        burst: global.burst,
        per_second: global.per_second,
    }
}

pub(crate) fn job(endpoint: &str, params: &str, format: &str, columns: &str) -> String {
    format!(
        "every = \"1h\"\nendpoint = \"{endpoint}\"\nparams = {{ {params} }}\n[output]\nformat = {format}\n{columns}keep = 0\n"
    )
}

fn tenant(sizes: Sizes) -> Tenant {
    Tenant::generate(&sizes, 1)
}

fn with_latency(tenant: Tenant) -> Config {
    Config {
        latency: LATENCY,
        ..Config::new(CLIENT_ID, CLIENT_SECRET, tenant)
    }
}

/// A tenant whose `count` log events are made on demand (a million stored ones would take
/// gigabytes in the benchmark process).
pub(crate) fn logs_tenant(count: usize) -> Config {
    let mut tenant = tenant(Sizes {
        clients: 20,
        users: 200,
        connections: 2,
        ..EMPTY
    });
    tenant.synthesise_logs(count);
    Config::new(CLIENT_ID, CLIENT_SECRET, tenant)
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
