//! Which of Auth0's rate-limit buckets a request draws on, and one mirror ([`Budget`]) per
//! bucket, each with its own queue of waiting requests and its own pause after a 429.
//!
//! Auth0 has a bucket per endpoint group as well as a global one, and the plan decides which:
//! Free has one global Management API bucket (burst 2, 2 a second), Essentials and Professional
//! a bucket per group (Read Clients burst 5 and 100 a minute, Read Users 40 and 500, Read Logs 10
//! and 100, Read Organizations 5 and 50, ..., "All other Endpoints Combined" 10 and 150),
//! Enterprise a global one (50, 16 a second) plus some organization endpoints of their own
//! (Auth0's "Rate Limit Configurations" pages, linked from
//! <https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy>).
//! Every answer's `x-ratelimit-*` headers describe the bucket that applied to that request, but
//! never name it. So requests are grouped by endpoint family ([`family`]), and a family draws
//! on the bucket its latest answer with headers described, known by its size
//! (`x-ratelimit-limit`): families whose answers report the same size share one mirror. That is
//! exact for a tenant with one global bucket (every family reports its size), keeps a clients
//! job and a users job on Essentials apart (5 and 40), and errs towards waiting when two
//! distinct buckets happen to have the same size. Before a family's first answer it has a
//! mirror of its own, which lets [`super::budget::PROBES`] requests out.
//!
//! Plain data behind the limiter's mutex: no waiting and no I/O here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use tokio::time::Instant;

use super::budget::{Answer, Budget, Grant};
use crate::http::rate_limit::RateLimitState;

/// The endpoint family of a request path: the name of the known endpoint it matches
/// (`/api/v2/roles/rol_1/users` is `roles/{id}/users`, see [`crate::endpoint::lookup`]); for
/// any other path, the path below `/api/v2/` with every segment that is not a word (lower-case
/// letters, `-` and `_`) written `{id}`, since Auth0's ids carry a digit, an upper-case letter,
/// `|` or `%` (`rol_…`, `auth0|…`).
pub(super) fn family(path: &str) -> String {
    // A known endpoint is its template, whatever its ids look like.
    if let Some(known) = crate::endpoint::lookup(path) {
        return known.name.to_owned();
    }
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

/// A bucket as a0snap can tell it apart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum BucketKey {
    /// A family no answer with headers has placed yet: its own mirror, for its probes.
    Unplaced(String),
    /// The bucket of this size (`x-ratelimit-limit`).
    Size(u64),
}

impl fmt::Display for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BucketKey::Unplaced(family) => write!(f, "{family} (not yet known)"),
            BucketKey::Size(size) => write!(f, "of {size} requests"),
        }
    }
}

/// One bucket's mirror, with the requests waiting for it and its pause.
#[derive(Debug, Default)]
pub(super) struct Lane {
    /// The mirror.
    pub(super) budget: Budget,
    /// Requests waiting for this budget take turns in arrival order, so a job whose answer
    /// just came does not take every token while the others sleep.
    pub(super) turns: Turns,
    /// No request to this bucket starts before this instant (set by 429s), and why.
    pub(super) paused_until: Option<(Instant, String)>,
}

/// A ticket queue: `serving` may ask the budget, the others wait their turn.
#[derive(Debug, Default)]
pub(super) struct Turns {
    /// The next ticket handed out.
    pub(super) next: u64,
    /// The ticket whose turn it is.
    pub(super) serving: u64,
    /// Tickets given up (their request was dropped or moved while waiting), skipped when
    /// reached.
    pub(super) abandoned: BTreeSet<u64>,
}

impl Turns {
    /// Hands out the next ticket.
    pub(super) fn take(&mut self) -> u64 {
        self.next += 1;
        self.next - 1
    }

    /// Ticket `number` is done (went, or gave up): passes the turn on if it was its turn.
    pub(super) fn finish(&mut self, number: u64) {
        if self.serving == number {
            self.serving += 1;
            while self.abandoned.remove(&self.serving) {
                self.serving += 1;
            }
        } else {
            self.abandoned.insert(number);
        }
    }
}

/// Every mirror of the process, and where each family's requests go.
#[derive(Debug, Default)]
pub(super) struct Buckets {
    /// The bucket each family's latest answer with headers described.
    placed: HashMap<String, BucketKey>,
    /// One lane per bucket.
    lanes: BTreeMap<BucketKey, Lane>,
    /// The sequence number of the next request granted, in any lane.
    next_seq: u64,
}

impl Buckets {
    /// The bucket requests of `family` draw on now.
    pub(super) fn key_of(&self, family: &str) -> BucketKey {
        self.placed
            .get(family)
            .cloned()
            .unwrap_or_else(|| BucketKey::Unplaced(family.to_owned()))
    }

    /// The lane of `key`, made on first use.
    pub(super) fn lane(&mut self, key: &BucketKey) -> &mut Lane {
        self.lanes.entry(key.clone()).or_default()
    }

    /// Takes a token of `key`'s mirror for a request starting at `now`.
    pub(super) fn reserve(&mut self, key: &BucketKey, now: Instant) -> Grant {
        let seq = self.next_seq;
        let grant = self.lane(key).budget.reserve(seq, now);
        if matches!(grant, Grant::Go(_)) {
            self.next_seq += 1;
        }
        grant
    }

    /// Learns from the answer to request `seq` of `family`, granted by `key`'s mirror: the
    /// answer goes to the mirror of the bucket its headers describe, and the family draws on
    /// that one from now on.
    pub(super) fn observe(
        &mut self,
        family: &str,
        key: &BucketKey,
        seq: u64,
        state: Option<RateLimitState>,
        answer: Answer,
        now: Instant,
    ) {
        let described = match &state {
            Some(state) if state.limit > 0 => BucketKey::Size(state.limit),
            _ => key.clone(),
        };
        if described != *key {
            self.lane(key).budget.forget(seq);
            self.placed.insert(family.to_owned(), described.clone());
        }
        self.lane(&described)
            .budget
            .observe(seq, state, answer, now);
    }

    /// Request `seq`, granted by `key`'s mirror, ended without an answer; whether another
    /// may go in its place (it was a probe).
    pub(super) fn forget(&mut self, key: &BucketKey, seq: u64) -> bool {
        self.lane(key).budget.forget(seq)
    }
}

#[cfg(test)]
#[path = "tests/buckets.rs"]
mod tests;
