//! The token buckets of `/api/v2/*` (the global one and each endpoint's), and the
//! `x-ratelimit-*` headers they report.
//!
//! A bucket holds up to `burst` tokens and refills continuously at `per_second`; each API
//! request takes one from the global bucket, then one from its endpoint's own (or the bucket
//! shared by the endpoints without one), in that order, as Auth0's rate-limit policy describes.
//! The answer's headers describe the bucket that applied: the one that refused the request,
//! else the endpoint's own, else the global one. `x-ratelimit-reset` is the epoch second when
//! that bucket is full again, or, when it is empty, when the next request will be allowed.
//! Time is passed in, so the arithmetic is tested without sleeping. Nothing here knows HTTP.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::config::RateLimit;
use crate::plans::EndpointLimits;

/// What the bucket said about one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// `x-ratelimit-limit`.
    pub limit: u32,
    /// `x-ratelimit-remaining`, after this request.
    pub remaining: u32,
    /// How long until the reset instant.
    pub reset_in: Duration,
    /// How long until one request is allowed again (for `Retry-After`).
    pub retry_in: Duration,
}

impl Decision {
    /// `x-ratelimit-reset`: epoch seconds, rounded up.
    pub(crate) fn reset_epoch(&self) -> u64 {
        let at = SystemTime::now() + self.reset_in;
        let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        since.as_secs() + u64::from(since.subsec_nanos() > 0)
    }

    /// `Retry-After`: whole seconds, at least 1.
    pub(crate) fn retry_after_secs(&self) -> u64 {
        self.retry_in.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// A token bucket.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Self {
        Self {
            limit,
            tokens: f64::from(limit.burst),
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed * self.limit.per_second).min(f64::from(self.limit.burst));
        self.updated = now;
    }

    fn seconds_until(&self, tokens: f64) -> Duration {
        let missing = (tokens - self.tokens).max(0.0);
        if missing == 0.0 || self.limit.per_second <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(missing / self.limit.per_second)
    }

    /// Takes one token if there is one.
    pub(crate) fn take(&mut self, now: Instant) -> Decision {
        self.refill(now);
        let allowed = self.tokens >= 1.0;
        if allowed {
            self.tokens -= 1.0;
        }
        let retry_in = self.seconds_until(1.0);
        let reset_in = if allowed {
            self.seconds_until(f64::from(self.limit.burst))
        } else {
            retry_in
        };
        Decision {
            allowed,
            limit: self.limit.burst,
            remaining: self.tokens.floor().max(0.0) as u32,
            reset_in,
            retry_in,
        }
    }
}

/// The endpoint family of a request path: the path below `/api/v2/` with every segment that
/// is not a word (lower-case letters, `-` and `_`: `clients`, `enabled_connections`) written
/// `{id}`, so `/api/v2/organizations/org_1/members` is `organizations/{id}/members`. Auth0's
/// ids all carry a digit, an upper-case letter, `|` or `%` (`rol_…`, `auth0|…`).
pub(crate) fn family(path: &str) -> String {
    let below = path.strip_prefix("/api/v2/").unwrap_or(path);
    below
        .trim_matches('/')
        .split('/')
        .map(|segment| {
            let word = !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_');
            if word { segment } else { "{id}" }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every bucket of one server: the global one, the endpoints' own, the shared rest.
#[derive(Debug)]
pub(crate) struct Buckets {
    /// Met by every request first.
    global: Option<Bucket>,
    /// By endpoint family.
    endpoints: HashMap<String, Bucket>,
    /// Shared by the endpoints without their own bucket.
    others: Option<Bucket>,
}

impl Buckets {
    /// Full buckets for `global` and `endpoints`.
    pub(crate) fn new(global: Option<RateLimit>, endpoints: &EndpointLimits, now: Instant) -> Self {
        Self {
            global: global.map(|limit| Bucket::new(limit, now)),
            endpoints: endpoints
                .buckets
                .iter()
                .map(|(family, limit)| (family.clone(), Bucket::new(*limit, now)))
                .collect(),
            others: endpoints.others.map(|limit| Bucket::new(limit, now)),
        }
    }

    /// Takes a token for a request to `path` from the global bucket, then (if that allowed
    /// it) from the endpoint's own; the decision of the bucket that applied, `None` when no
    /// bucket applies to `path`.
    pub(crate) fn take(&mut self, path: &str, now: Instant) -> Option<Decision> {
        let global = self.global.as_mut().map(|bucket| bucket.take(now));
        if global.is_some_and(|decision| !decision.allowed) {
            return global;
        }
        let own = match self.endpoints.get_mut(&family(path)) {
            Some(bucket) => Some(bucket),
            None => self.others.as_mut(),
        };
        own.map(|bucket| bucket.take(now)).or(global)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::RateLimits;

    fn limit(burst: u32, per_second: f64) -> RateLimit {
        RateLimit { burst, per_second }
    }

    #[test]
    fn a_family_writes_every_id_segment_as_id() {
        assert_eq!(family("/api/v2/clients"), "clients");
        assert_eq!(
            family("/api/v2/users/auth0%7C123/roles"),
            "users/{id}/roles"
        );
        assert_eq!(
            family("/api/v2/organizations/org_W1XIEmdWgNvBNmEW/enabled_connections"),
            "organizations/{id}/enabled_connections"
        );
        assert_eq!(family("/api/v2/resource-servers/"), "resource-servers");
        assert_eq!(family("/api/v2/actions/actions"), "actions/actions");
    }

    #[test]
    fn each_endpoint_drains_its_own_bucket_and_its_headers_describe_it() {
        let start = Instant::now();
        let mut buckets = Buckets::new(None, &RateLimits::essentials().endpoints, start);
        let clients: Vec<Decision> = (0..6)
            .filter_map(|_| buckets.take("/api/v2/clients", start))
            .collect();
        assert_eq!(clients.iter().filter(|d| d.allowed).count(), 5);
        assert!(clients.iter().all(|d| d.limit == 5));
        // The users bucket is untouched by the clients requests.
        let users = buckets.take("/api/v2/users", start).expect("a bucket");
        assert!(users.allowed);
        assert_eq!((users.limit, users.remaining), (40, 39));
        // Read Clients refills at 100 a minute: the next request in 0.6 s.
        assert_eq!(clients[5].retry_in, Duration::from_millis(600));
        assert!(
            buckets
                .take("/api/v2/clients", start + Duration::from_millis(600))
                .is_some_and(|d| d.allowed)
        );
    }

    #[test]
    fn endpoints_without_their_own_bucket_share_the_others_bucket() {
        let start = Instant::now();
        let endpoints = EndpointLimits {
            others: Some(limit(2, 1.0)),
            ..EndpointLimits::default()
        };
        let mut buckets = Buckets::new(None, &endpoints, start);
        let roles = buckets.take("/api/v2/roles", start).expect("a bucket");
        let rules = buckets.take("/api/v2/rules", start).expect("a bucket");
        let hooks = buckets.take("/api/v2/hooks", start).expect("a bucket");
        assert_eq!((roles.remaining, rules.remaining), (1, 0));
        assert!(!hooks.allowed);
    }

    #[test]
    fn the_global_bucket_comes_first_and_describes_its_own_refusal() {
        let start = Instant::now();
        let endpoints = EndpointLimits {
            buckets: [("clients".to_owned(), limit(5, 0.1))].into(),
            others: None,
        };
        let mut buckets = Buckets::new(Some(limit(2, 1.0)), &endpoints, start);
        let first = buckets.take("/api/v2/clients", start).expect("a bucket");
        assert!(first.allowed);
        assert_eq!(
            (first.limit, first.remaining),
            (5, 4),
            "the endpoint's own bucket"
        );
        let roles = buckets.take("/api/v2/roles", start).expect("a bucket");
        assert_eq!((roles.limit, roles.remaining), (2, 0), "the global bucket");
        let refused = buckets.take("/api/v2/clients", start).expect("a bucket");
        assert!(!refused.allowed);
        assert_eq!(refused.limit, 2, "the global bucket refused it");
        // The refused request took nothing from the clients bucket.
        let later = buckets
            .take("/api/v2/clients", start + Duration::from_secs(1))
            .expect("a bucket");
        assert_eq!((later.limit, later.remaining), (5, 3));
    }

    #[test]
    fn no_bucket_means_no_decision() {
        let mut buckets = Buckets::new(None, &EndpointLimits::default(), Instant::now());
        assert_eq!(buckets.take("/api/v2/clients", Instant::now()), None);
    }

    #[test]
    fn a_burst_is_allowed_then_requests_wait_for_the_refill() {
        let start = Instant::now();
        let mut bucket = Bucket::new(
            RateLimit {
                burst: 3,
                per_second: 2.0,
            },
            start,
        );
        let decisions: Vec<_> = (0..4).map(|_| bucket.take(start)).collect();
        assert_eq!(decisions.iter().filter(|d| d.allowed).count(), 3);
        assert_eq!(decisions[2].remaining, 0);
        let refused = decisions[3];
        assert!(!refused.allowed);
        assert_eq!(refused.retry_in, Duration::from_millis(500));
        assert_eq!(refused.retry_after_secs(), 1);
        assert!(bucket.take(start + Duration::from_millis(500)).allowed);
    }

    #[test]
    fn the_bucket_never_holds_more_than_the_burst() {
        let start = Instant::now();
        let mut bucket = Bucket::new(
            RateLimit {
                burst: 2,
                per_second: 10.0,
            },
            start,
        );
        let later = bucket.take(start + Duration::from_secs(60));
        assert_eq!((later.limit, later.remaining), (2, 1));
        assert_eq!(later.reset_in, Duration::from_millis(100));
    }
}
