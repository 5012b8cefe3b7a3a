//! Auth0's Management API rate limits as presets: the buckets of the Free, Essentials /
//! Professional and Enterprise plans, by endpoint family, with the global bucket where the plan
//! has one.
//!
//! The numbers are Auth0's "Rate Limit Configurations" pages (Free:
//! <https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/rate-limit-configurations/free-public>,
//! Essentials and Professional: `.../rate-limit-configurations/essentials-professional-b2b`,
//! Enterprise: `.../rate-limit-configurations/enterprise-public`, as of 2026), and the order of
//! the checks is the "Rate Limit Policy" page
//! (<https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy>):
//! "Auth0 evaluates requests against the global limit for the API, and then evaluates requests
//! against the rate limit for specific API endpoints". Only the GET buckets are here (the fake
//! serves reads). Data only: the buckets themselves live in `rate_limit`.

use std::collections::BTreeMap;

use crate::config::RateLimit;

/// The buckets of single endpoints, beside the global one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointLimits {
    /// A bucket per endpoint family: the path below `/api/v2/` with every id segment written
    /// `{id}` (`"clients"`, `"organizations/{id}/members"`): see `rate_limit::family`.
    pub buckets: BTreeMap<String, RateLimit>,
    /// One bucket shared by every endpoint without its own (Essentials' "All other Endpoints
    /// Combined"); `None`: such endpoints meet only the global bucket.
    pub others: Option<RateLimit>,
}

/// A plan's Management API rate limits: what [`crate::Config::with_rate_limits`] sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateLimits {
    /// The bucket every request meets first (`None`: the plan has none).
    pub global: Option<RateLimit>,
    /// The endpoints' own buckets, met after the global one.
    pub endpoints: EndpointLimits,
}

impl RateLimit {
    /// A bucket of `burst` refilled at `per_minute` requests a minute (as Auth0's tables write
    /// most endpoint limits).
    pub fn per_minute(burst: u32, per_minute: f64) -> Self {
        Self {
            burst,
            per_second: per_minute / 60.0,
        }
    }
}

impl RateLimits {
    /// Free: one global Management API bucket, burst 2 and 2 a second; the endpoints with their
    /// own bucket on this plan are writes, email templates and the email provider.
    pub fn free() -> Self {
        Self {
            global: Some(RateLimit {
                burst: 2,
                per_second: 2.0,
            }),
            endpoints: EndpointLimits {
                buckets: buckets(&[
                    ("email-templates/{id}", RateLimit::per_minute(10, 50.0)),
                    ("emails/provider", RateLimit::per_minute(5, 25.0)),
                ]),
                others: None,
            },
        }
    }

    /// Essentials and Professional: no global bucket, a bucket per endpoint group (Read Clients
    /// burst 5 and 100 a minute, Read Users 40 and 500, Read Logs 10 and 100, Read
    /// Organizations 5 and 50, ...) and one for "All other Endpoints Combined", 10 and 150.
    pub fn essentials() -> Self {
        Self {
            global: None,
            endpoints: EndpointLimits {
                buckets: buckets(&[
                    ("clients", RateLimit::per_minute(5, 100.0)),
                    ("users", RateLimit::per_minute(40, 500.0)),
                    ("logs", RateLimit::per_minute(10, 100.0)),
                    ("connections", RateLimit::per_minute(5, 50.0)),
                    ("organizations", RateLimit::per_minute(5, 50.0)),
                    ("organizations/{id}", RateLimit::per_minute(20, 200.0)),
                    (
                        "organizations/{id}/members",
                        RateLimit::per_minute(40, 500.0),
                    ),
                    (
                        "organizations/{id}/members/{id}/roles",
                        RateLimit::per_minute(20, 200.0),
                    ),
                    (
                        "organizations/{id}/enabled_connections",
                        RateLimit::per_minute(5, 50.0),
                    ),
                    (
                        "organizations/{id}/client-grants",
                        RateLimit::per_minute(10, 100.0),
                    ),
                    ("email-templates/{id}", RateLimit::per_minute(10, 50.0)),
                    ("emails/provider", RateLimit::per_minute(5, 25.0)),
                ]),
                others: Some(RateLimit::per_minute(10, 150.0)),
            },
        }
    }

    /// Enterprise, production tenant: a global bucket of 50 refilled at 16 a second, and the
    /// organization endpoints, email templates and email provider with their own.
    pub fn enterprise() -> Self {
        Self {
            global: Some(RateLimit {
                burst: 50,
                per_second: 16.0,
            }),
            endpoints: EndpointLimits {
                buckets: buckets(&[
                    (
                        "organizations/{id}/members",
                        RateLimit::per_minute(40, 500.0),
                    ),
                    (
                        "organizations/{id}/members/{id}/roles",
                        RateLimit::per_minute(20, 200.0),
                    ),
                    (
                        "organizations/{id}/enabled_connections",
                        RateLimit::per_minute(10, 100.0),
                    ),
                    (
                        "organizations/{id}/client-grants",
                        RateLimit::per_minute(10, 100.0),
                    ),
                    ("email-templates/{id}", RateLimit::per_minute(15, 150.0)),
                    ("emails/provider", RateLimit::per_minute(15, 150.0)),
                ]),
                others: None,
            },
        }
    }
}

fn buckets(list: &[(&str, RateLimit)]) -> BTreeMap<String, RateLimit> {
    list.iter()
        .map(|(family, limit)| ((*family).to_owned(), *limit))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_presets_hold_the_documented_numbers() {
        let essentials = RateLimits::essentials();
        assert_eq!(essentials.global, None);
        let bucket = |family: &str| essentials.endpoints.buckets[family];
        assert_eq!(bucket("clients"), RateLimit::per_minute(5, 100.0));
        assert_eq!(bucket("users").burst, 40);
        assert!((bucket("users").per_second * 60.0 - 500.0).abs() < 1e-9);
        assert_eq!(bucket("logs"), RateLimit::per_minute(10, 100.0));
        assert_eq!(bucket("organizations"), RateLimit::per_minute(5, 50.0));
        assert_eq!(
            essentials.endpoints.others,
            Some(RateLimit::per_minute(10, 150.0))
        );
        assert_eq!(RateLimits::free().global.map(|g| g.burst), Some(2));
        let enterprise = RateLimits::enterprise();
        assert_eq!(
            enterprise.global,
            Some(RateLimit {
                burst: 50,
                per_second: 16.0
            })
        );
        assert!(!enterprise.endpoints.buckets.contains_key("clients"));
    }
}
