//! A token bucket for `/api/v2/*`, and the `x-ratelimit-*` headers it reports.
//!
//! The bucket holds up to `burst` tokens and refills continuously at `per_second`; each API
//! request takes one. `x-ratelimit-reset` is the epoch second when the bucket is full again,
//! or, when it is empty, when the next request will be allowed. Time is passed in, so the
//! arithmetic is tested without sleeping.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::config::RateLimit;

/// What the bucket said about one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
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
    pub fn reset_epoch(&self) -> u64 {
        let at = SystemTime::now() + self.reset_in;
        let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        since.as_secs() + u64::from(since.subsec_nanos() > 0)
    }

    /// `Retry-After`: whole seconds, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_in.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// A token bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(limit: RateLimit, now: Instant) -> Self {
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
    pub fn take(&mut self, now: Instant) -> Decision {
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

#[cfg(test)]
mod tests {
    use super::*;

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
