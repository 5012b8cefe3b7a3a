//! A local mirror of one of the tenant's rate-limit buckets, learned from the `x-ratelimit-*`
//! headers of the answers that bucket gave, so that requests are spread out before Auth0 has to
//! refuse one. [`super::buckets`] keeps one per bucket and says which answers belong to which.
//!
//! Auth0 limits the Management API with token buckets that refill continuously: one holds
//! `x-ratelimit-limit` requests, `x-ratelimit-remaining` are left after a request, and
//! `x-ratelimit-reset` is the epoch second when it is full again. The mirror keeps:
//! - the tokens left, re-synchronised from `remaining` by every answer newer than the last one
//!   used, less every request still in flight (those started after it have taken tokens the
//!   answer did not see; those started before it may have reached Auth0 after it, so they are
//!   counted too: a token too few costs a short wait, a token too many costs a 429);
//! - a refill rate, the largest lower bound the answers have shown: `(limit - remaining - 1)`
//!   tokens are missing and the bucket is full by the reset, so it refills at least that fast.
//!   A 429 halves it, in case the clocks disagree or the bucket is not what it seems.
//!
//! Before the first answer at most [`PROBES`] requests go out: a process that starts eight jobs
//! at once on a tenant with a burst of 2 should not learn that from six 429s, and one slow first
//! request should not hold back every other job (two fit the smallest burst Auth0 gives). An answer
//! without rate-limit headers turns the mirror off. Time is passed in, so every rule here is
//! tested without sleeping.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::Instant;

use crate::http::rate_limit::{RESET_FLOOR, RateLimitState};

/// A reset closer than this does not count as a rate sample: a reset rounded to a whole second
/// (or a clock slightly ahead) would otherwise suggest a very fast refill.
const SHORTEST_SAMPLE: Duration = Duration::from_millis(500);

/// Requests allowed out before the first answer tells the tenant's limit: Auth0's smallest
/// burst (the free plan's).
pub(super) const PROBES: usize = 2;

/// What the mirror knows of one of the tenant's buckets.
#[derive(Debug, Default)]
pub(super) struct Budget {
    /// Requests granted here and neither answered nor forgotten yet.
    outstanding: BTreeSet<u64>,
    /// What the answers have said.
    knowledge: Knowledge,
}

#[derive(Debug)]
enum Knowledge {
    /// No answer yet; `probes` are the requests allowed out meanwhile.
    Unknown { probes: Vec<u64> },
    /// Answers carry no rate-limit headers; requests are not held back here.
    Unlimited,
    /// The bucket as last reported, refilled locally since.
    Known(Mirror),
}

impl Default for Knowledge {
    fn default() -> Self {
        Knowledge::Unknown { probes: Vec::new() }
    }
}

#[derive(Debug)]
struct Mirror {
    /// `x-ratelimit-limit`.
    limit: f64,
    /// Tokens believed left at `at` (negative: requests in flight the answers have not shown).
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
    /// The refill rate per second, once an answer has shown a lower bound.
    rate: Option<f64>,
    /// When the last answer said the bucket would be full (padded like a reset wait).
    full_at: Instant,
    /// What `full_at` brings back without a known rate: the whole bucket, or after a 429
    /// (whose reset is when one request is allowed again) a single request.
    refill_to: f64,
    /// The sequence number of the answer `tokens` was synchronised from.
    synced: u64,
}

/// How a request was answered, as far as the budget cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// A 2xx: the API answered as asked.
    Success,
    /// A 429.
    RateLimited,
    /// Any other status (a 5xx from a proxy may lack the headers; it says nothing of them).
    Other,
}

/// What a request may do now.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Grant {
    /// Go; the number identifies the request when its answer comes.
    Go(u64),
    /// Ask again at `at`.
    WaitUntil {
        /// When a token should be there.
        at: Instant,
        /// Why, for the debug log.
        reason: String,
    },
    /// Ask again when the probe has been answered.
    WaitForProbe,
}

impl Budget {
    /// Takes a token for request `seq` starting at `now`, or says how long to wait. Sequence
    /// numbers grow with the start of requests across every mirror of the process, so an answer
    /// can tell whether it is newer than the one a mirror was last synchronised from.
    pub(super) fn reserve(&mut self, seq: u64, now: Instant) -> Grant {
        match &mut self.knowledge {
            Knowledge::Unknown { probes } if probes.len() >= PROBES => {
                return Grant::WaitForProbe;
            }
            Knowledge::Unknown { probes } => probes.push(seq),
            Knowledge::Unlimited => {}
            Knowledge::Known(mirror) => {
                mirror.refill(now);
                if mirror.tokens < 1.0 {
                    return mirror.wait(now);
                }
                mirror.tokens -= 1.0;
            }
        }
        self.outstanding.insert(seq);
        Grant::Go(seq)
    }

    /// Learns from the answer to request `seq`.
    pub(super) fn observe(
        &mut self,
        seq: u64,
        state: Option<RateLimitState>,
        answer: Answer,
        now: Instant,
    ) {
        self.outstanding.remove(&seq);
        let limited = answer == Answer::RateLimited;
        let Some(state) = state.filter(|state| state.limit > 0) else {
            // Only a successful answer without the headers shows there is no limit to mirror.
            match (&mut self.knowledge, answer) {
                (_, Answer::Success) => self.knowledge = Knowledge::Unlimited,
                (Knowledge::Unknown { probes }, _) => probes.retain(|probe| *probe != seq),
                (Knowledge::Unlimited | Knowledge::Known(_), _) => {}
            }
            return;
        };
        let later = self.outstanding.len() as f64;
        match &mut self.knowledge {
            Knowledge::Known(mirror) if mirror.limit == state.limit as f64 => {
                mirror.learn_rate(&state, limited);
                if seq >= mirror.synced || limited {
                    mirror.sync(seq, &state, later, limited, now);
                }
            }
            _ => {
                let mut mirror = Mirror::new(&state, now);
                mirror.learn_rate(&state, limited);
                mirror.sync(seq, &state, later, limited, now);
                self.knowledge = Knowledge::Known(mirror);
            }
        }
    }

    /// Request `seq` ended without an answer; if it was a probe, another may go.
    pub(super) fn forget(&mut self, seq: u64) -> bool {
        self.outstanding.remove(&seq);
        match &mut self.knowledge {
            Knowledge::Unknown { probes } if probes.contains(&seq) => {
                probes.retain(|probe| *probe != seq);
                true
            }
            _ => false,
        }
    }

    /// The refill rate learned so far, if any.
    #[cfg(test)]
    pub(super) fn rate(&self) -> Option<f64> {
        match &self.knowledge {
            Knowledge::Known(mirror) => mirror.rate,
            _ => None,
        }
    }
}

impl Mirror {
    fn new(state: &RateLimitState, now: Instant) -> Self {
        Self {
            limit: state.limit as f64,
            tokens: 0.0,
            at: now,
            rate: None,
            full_at: now,
            refill_to: state.limit as f64,
            synced: 0,
        }
    }

    /// Tokens back since `at`: at the learned rate, or all of them once the reset has passed.
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        match self.rate {
            Some(rate) => self.tokens = (self.tokens + elapsed * rate).min(self.limit),
            None if now >= self.full_at => {
                self.tokens = self.tokens.max(self.refill_to);
                // Once only: without a new answer, the next refill is a second later.
                self.full_at = now + RESET_FLOOR;
            }
            None => {}
        }
        self.at = now;
    }

    /// When the next token should be there: at the learned rate, else at the reset. Waiting
    /// requests ask again then (and the answers that arrived meanwhile may say more); no token
    /// is reserved ahead, so a budget the tenant shows as spare is used at once.
    fn wait(&self, now: Instant) -> Grant {
        let (at, reason) = match self.rate {
            Some(rate) => (
                now + Duration::from_secs_f64((1.0 - self.tokens) / rate),
                format!(
                    "the rate-limit budget is spent (x-ratelimit-remaining 0); it refills at about {rate:.2} requests/s"
                ),
            ),
            None => (
                self.full_at,
                "the rate-limit budget is spent (x-ratelimit-remaining 0); waiting for x-ratelimit-reset".to_owned(),
            ),
        };
        Grant::WaitUntil {
            at: at.max(now + Duration::from_millis(1)),
            reason,
        }
    }

    /// Takes the answer's `remaining` as the truth, less the requests started after it.
    fn sync(&mut self, seq: u64, state: &RateLimitState, later: f64, limited: bool, now: Instant) {
        self.tokens = state.remaining as f64 - later;
        if state.remaining == 0 {
            self.tokens = self.tokens.min(0.0);
        }
        self.at = now;
        self.synced = seq;
        self.refill_to = if limited { 1.0 } else { self.limit };
        let padded = (state.reset_in + state.reset_in / 4).max(RESET_FLOOR);
        self.full_at = now + padded;
    }

    /// Raises the rate to the answer's lower bound, or halves it after a 429.
    fn learn_rate(&mut self, state: &RateLimitState, limited: bool) {
        if limited {
            self.rate = self.rate.map(|rate| rate / 2.0);
            return;
        }
        let missing = state.limit.saturating_sub(state.remaining + 1);
        if missing == 0 {
            return;
        }
        let seconds = state.reset_in.max(SHORTEST_SAMPLE).as_secs_f64();
        let sample = missing as f64 / seconds;
        self.rate = Some(self.rate.map_or(sample, |rate| rate.max(sample)));
    }
}

#[cfg(test)]
#[path = "tests/budget.rs"]
mod tests;
