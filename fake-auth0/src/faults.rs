//! Injected faults: rules that pick requests by path prefix and position, and what happens to
//! those requests (an error status, a broken body, a dropped connection, a delay, a revoked
//! token).
//!
//! Every rule counts the requests it matches, whether or not an earlier rule already hit
//! them; the first rule whose window holds a request decides its fate.

use std::time::Duration;

/// What happens to a request a rule hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with Auth0's error body for it (OAuth shape on `/oauth/token`).
    Status(u16),
    /// Answer 200 with a JSON content type and a body that is not JSON.
    MalformedJson,
    /// Declare a `Content-Length` larger than the body, send part of it, then close.
    TruncatedBody,
    /// Close the connection without answering.
    DropConnection,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Revoke every token issued so far, then answer normally (so this request gets 401).
    RevokeToken,
    /// Answer normally but with no records: an offset page keeps its `total`, so the walk
    /// looks shorter than the tenant.
    EmptyPage,
    /// Answer the offset page after the one asked for (its `start` says so), or a log page
    /// starting at the `from` event itself instead of after it, as a server that serves the
    /// wrong page would.
    WrongPage,
    /// Answer normally, then delete the endpoint's record at this position (0-based): the
    /// tenant changes between two pages of a walk.
    RemoveAfter(usize),
    /// Answer normally, then insert a new record at this position (a copy of the record
    /// there, with a fresh identity).
    InsertAfter(usize),
    /// Answer 429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many seconds
    /// after the current epoch second (0: "now", as Auth0 sends for a burst limit), plus
    /// `Retry-After` in seconds when given.
    RateLimited {
        /// Seconds from the current epoch second (rounded down) to `x-ratelimit-reset`.
        reset_in_secs: i64,
        /// `Retry-After`, in seconds, if any.
        retry_after: Option<u64>,
    },
}

/// Which requests a fault hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Requests whose path starts with this (`"/api/v2/users"`, or `"users"`, or
    /// `"/oauth/token"`); `None` matches every `/api/v2` request.
    pub path_prefix: Option<String>,
    /// The first request hit, counted from 1 among the requests this rule matches.
    pub nth: u64,
    /// How many consecutive matching requests are hit.
    pub times: u64,
    /// What happens to them.
    pub action: Fault,
}

impl FaultRule {
    /// Hits the `nth` matching request once.
    pub fn nth(path_prefix: Option<&str>, nth: u64, action: Fault) -> Self {
        Self {
            path_prefix: path_prefix.map(str::to_owned),
            nth,
            times: 1,
            action,
        }
    }

    /// Hits every matching request from the first on.
    pub fn always(path_prefix: Option<&str>, action: Fault) -> Self {
        Self {
            times: u64::MAX,
            ..Self::nth(path_prefix, 1, action)
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self.path_prefix.as_deref() {
            None => path.starts_with("/api/v2/"),
            Some(prefix) if prefix.starts_with('/') => path.starts_with(prefix),
            Some(prefix) => path.starts_with(&format!("/api/v2/{prefix}")),
        }
    }

    fn covers(&self, position: u64) -> bool {
        position >= self.nth && position - self.nth < self.times
    }
}

/// The rules injected so far, with how many requests each has matched.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    rules: Vec<(FaultRule, u64)>,
}

impl FaultBook {
    /// Adds a rule; its count starts at zero.
    pub(crate) fn add(&mut self, rule: FaultRule) {
        self.rules.push((rule, 0));
    }

    /// Removes every rule.
    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// Counts a request against every rule and returns the fault that hits it, if any.
    pub(crate) fn on_request(&mut self, path: &str) -> Option<Fault> {
        let mut chosen = None;
        for (rule, seen) in &mut self.rules {
            if !rule.matches(path) {
                continue;
            }
            *seen += 1;
            if chosen.is_none() && rule.covers(*seen) {
                chosen = Some(rule.action);
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_hits_its_window_of_matching_requests_only() {
        let mut book = FaultBook::default();
        book.add(FaultRule {
            path_prefix: Some("users".into()),
            nth: 2,
            times: 2,
            action: Fault::Status(503),
        });
        let hits: Vec<_> = [
            "/api/v2/users",
            "/api/v2/clients",
            "/api/v2/users",
            "/api/v2/users",
            "/api/v2/users",
        ]
        .iter()
        .map(|path| book.on_request(path))
        .collect();
        assert_eq!(
            hits,
            [
                None,
                None,
                Some(Fault::Status(503)),
                Some(Fault::Status(503)),
                None
            ]
        );
    }

    #[test]
    fn a_rule_without_prefix_ignores_the_token_endpoint() {
        let mut book = FaultBook::default();
        book.add(FaultRule::always(None, Fault::DropConnection));
        assert_eq!(book.on_request("/oauth/token"), None);
        assert_eq!(book.on_request("/api/v2/logs"), Some(Fault::DropConnection));
        book.add(FaultRule::nth(Some("/oauth/token"), 1, Fault::Status(500)));
        assert_eq!(book.on_request("/oauth/token"), Some(Fault::Status(500)));
    }

    #[test]
    fn the_first_covering_rule_wins_and_later_rules_still_count() {
        let mut book = FaultBook::default();
        book.add(FaultRule::nth(None, 1, Fault::MalformedJson));
        book.add(FaultRule::nth(None, 2, Fault::TruncatedBody));
        assert_eq!(book.on_request("/api/v2/roles"), Some(Fault::MalformedJson));
        assert_eq!(book.on_request("/api/v2/roles"), Some(Fault::TruncatedBody));
        assert_eq!(book.on_request("/api/v2/roles"), None);
    }
}
