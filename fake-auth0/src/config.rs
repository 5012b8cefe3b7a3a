//! What a fake tenant looks like from outside: the one machine-to-machine application it
//! accepts, the scopes it grants, how slow and how strict it is, and the records it serves.
//!
//! Plain data with public fields, so a test builds a [`Config`] with [`Config::new`] or
//! [`Config::demo`] and changes what it needs. The client secret never shows in `Debug`.

use std::fmt;
use std::time::Duration;

use crate::plans::{EndpointLimits, RateLimits};
use crate::tenant::Tenant;

/// The read scopes a0snap needs for every endpoint the fake serves; the default grant.
pub const DEFAULT_SCOPES: &[&str] = &[
    "read:clients",
    "read:users",
    "read:roles",
    "read:connections",
    "read:resource_servers",
    "read:client_grants",
    "read:organizations",
    "read:logs",
    "read:rules",
    "read:hooks",
    "read:actions",
    "read:encryption_keys",
    "read:custom_domains",
    "read:organization_members",
    "read:mfa_policies",
    "read:stats",
];

/// The client id [`Config::demo`] accepts.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// The client secret [`Config::demo`] accepts.
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";

/// A token bucket on `/api/v2/*` (the global one, or one endpoint's): `burst` requests at
/// once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// The bucket size, reported as `x-ratelimit-limit`.
    pub burst: u32,
    /// Requests per second added back to the bucket, continuously.
    pub per_second: f64,
}

/// A Private Key JWT credential of the client: a public key and the one algorithm Auth0
/// accepts with it (`RS256`, `RS384` or `PS256`), as registered in the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAssertionKey {
    /// The public key, PEM (`-----BEGIN PUBLIC KEY-----`).
    pub public_key_pem: String,
    /// The credential's algorithm: an assertion signed with another one is refused.
    pub alg: String,
    /// The credential's `kid`; an assertion naming another `kid` is refused.
    pub kid: Option<String>,
}

/// Everything a fake tenant needs before it starts.
#[derive(Clone)]
pub struct Config {
    /// The only client id `POST /oauth/token` accepts.
    pub client_id: String,
    /// The only client secret `POST /oauth/token` accepts; never printed.
    pub client_secret: String,
    /// The lifetime of issued tokens (`expires_in`); enforced against the wall clock.
    pub token_lifetime: Duration,
    /// The scopes every issued token grants (default [`DEFAULT_SCOPES`]).
    pub scopes: Vec<String>,
    /// Slept inside every `/api/v2` request, while it counts as in flight.
    pub latency: Duration,
    /// Slept inside every token request.
    pub token_latency: Duration,
    /// The global rate limit on `/api/v2/*`, met by every request first; `None` and no
    /// `endpoint_limits` serve without limit and without headers.
    pub rate_limit: Option<RateLimit>,
    /// The endpoints' own buckets, met after the global one; an answer's `x-ratelimit-*`
    /// headers describe the bucket that refused it, else the endpoint's own, else the global.
    pub endpoint_limits: EndpointLimits,
    /// Whether a 429 carries `Retry-After` (real Management API answers give only
    /// `x-ratelimit-*`, so the default is `false`).
    pub send_retry_after: bool,
    /// The largest offset page the server gives (`limit`), below the 100 Auth0 allows;
    /// `None` gives what was asked.
    pub page_size_cap: Option<usize>,
    /// With `page_size_cap`: whether a page starts at `page × per_page asked` (the cap only
    /// cuts the page short, so records between pages are never served) rather than at
    /// `page × the capped size`.
    pub cap_keeps_asked_offsets: bool,
    /// Whether offset endpoints ignore `include_totals` and answer bare arrays, as endpoints
    /// without totals do.
    pub ignore_totals: bool,
    /// The accepted token audience; `None` means `{base_url}/api/v2/` (also with `localhost`).
    pub audience: Option<String>,
    /// The client's Private Key JWT credentials (public keys). When there is one, the client
    /// authenticates only with a signed `client_assertion`, as an Auth0 application whose
    /// `token_endpoint_auth_method` is `private_key_jwt` does; a `client_secret` is refused.
    pub client_assertion_keys: Vec<ClientAssertionKey>,
    /// The records served.
    pub tenant: Tenant,
}

impl Config {
    /// A tenant accepting one client, with the defaults described on each field.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        tenant: Tenant,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_lifetime: Duration::from_secs(86_400),
            scopes: DEFAULT_SCOPES
                .iter()
                .map(|scope| (*scope).to_owned())
                .collect(),
            latency: Duration::ZERO,
            token_latency: Duration::ZERO,
            rate_limit: None,
            endpoint_limits: EndpointLimits::default(),
            send_retry_after: false,
            page_size_cap: None,
            cap_keeps_asked_offsets: false,
            ignore_totals: false,
            audience: None,
            client_assertion_keys: Vec::new(),
            tenant,
        }
    }

    /// The same tenant under `limits` (a plan's preset such as [`RateLimits::essentials`]):
    /// sets [`Config::rate_limit`] and [`Config::endpoint_limits`].
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limit = limits.global;
        self.endpoint_limits = limits.endpoints;
        self
    }

    /// The sandbox used by `a0snap demo`: client `demo-client` / `demo-secret` and
    /// [`Tenant::sample`].
    pub fn demo() -> Self {
        Self::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Tenant::sample())
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("token_lifetime", &self.token_lifetime)
            .field("scopes", &self.scopes)
            .field("latency", &self.latency)
            .field("token_latency", &self.token_latency)
            .field("rate_limit", &self.rate_limit)
            .field("endpoint_limits", &self.endpoint_limits)
            .field("send_retry_after", &self.send_retry_after)
            .field("page_size_cap", &self.page_size_cap)
            .field("cap_keeps_asked_offsets", &self.cap_keeps_asked_offsets)
            .field("ignore_totals", &self.ignore_totals)
            .field("audience", &self.audience)
            .field("client_assertion_keys", &self.client_assertion_keys)
            .field("tenant", &self.tenant)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_client_secret() {
        let config = Config::new("id", "s3cr3t-value", Tenant::default());
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }

    #[test]
    fn the_demo_grants_every_read_scope_for_a_day() {
        let config = Config::demo();
        assert_eq!(config.client_id, DEMO_CLIENT_ID);
        assert_eq!(config.token_lifetime, Duration::from_secs(86_400));
        assert!(config.scopes.iter().any(|scope| scope == "read:logs"));
        assert!(config.rate_limit.is_none());
    }
}
