//! One request pacer per process, shared by every job: a cap on requests in flight, an
//! optional fixed rate (`A0SNAP_REQUESTS_PER_SECOND`), a mirror of Auth0's own bucket learned
//! from the `x-ratelimit-*` headers ([`super::budget`]), and a pause that every job honours
//! after a 429.
//!
//! The aim is few 429s rather than many retries: when one answer shows the tenant's budget
//! spent, every job waits for the refill instead of each finding out with a 429 of its own.
//! Every wait is logged at debug level with its reason.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::budget::{Answer, Budget, Grant};
use crate::retry::RateLimitState;

/// The pacer. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Limiter {
    /// Requests in flight; a permit is held from send until the body is read.
    in_flight: Semaphore,
    /// The size of `in_flight`, for the log.
    max_in_flight: usize,
    /// The fixed rate on request starts, if one is set.
    bucket: Option<Mutex<Bucket>>,
    /// Auth0's bucket as the answers describe it.
    /// A std mutex: it is held only for arithmetic, never across an await.
    budget: Mutex<Budget>,
    /// Requests waiting for the budget take turns in arrival order, so a job whose answer just
    /// came does not take every token while the others sleep.
    turns: Mutex<Turns>,
    /// Woken when an answer arrives or a turn passes.
    answered: Notify,
    /// No request starts before this instant (set by 429s), and why.
    paused_until: Mutex<Option<(Instant, String)>>,
}

/// A ticket queue: `serving` may ask the budget, the others wait their turn.
#[derive(Debug, Default)]
struct Turns {
    /// The next ticket handed out.
    next: u64,
    /// The ticket whose turn it is.
    serving: u64,
    /// Tickets given up (their request was dropped while waiting), skipped when reached.
    abandoned: std::collections::BTreeSet<u64>,
}

impl Turns {
    /// Passes the turn on, past any abandoned ticket.
    fn advance(&mut self) {
        self.serving += 1;
        while self.abandoned.remove(&self.serving) {
            self.serving += 1;
        }
    }
}

/// A ticket in [`Turns`]; passes the turn on (or gives the ticket up) when dropped.
struct Ticket<'a> {
    limiter: &'a Limiter,
    number: u64,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let mut turns = lock(&self.limiter.turns);
        if turns.serving == self.number {
            turns.advance();
        } else {
            turns.abandoned.insert(self.number);
        }
        drop(turns);
        self.limiter.answered.notify_waiters();
    }
}

/// A token bucket: `burst` tokens, refilled at `rate` per second.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// Takes a token, returning how long to wait before using it.
    fn take(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.updated = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

/// Holding this allows one request to be in flight. Hand the answer's rate-limit headers to
/// [`Permit::answered`]; a permit dropped without an answer counts as a request lost.
#[derive(Debug)]
pub struct Permit<'a> {
    _place: SemaphorePermit<'a>,
    limiter: &'a Limiter,
    seq: u64,
    answered: bool,
}

impl Permit<'_> {
    /// The answer came with `status`; `state` is its `x-ratelimit-*` headers.
    pub fn answered(mut self, state: Option<RateLimitState>, status: reqwest::StatusCode) {
        self.answered = true;
        let answer = if status.is_success() {
            Answer::Success
        } else if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            Answer::RateLimited
        } else {
            Answer::Other
        };
        lock(&self.limiter.budget).observe(self.seq, state, answer, Instant::now());
        // Requests waiting for the probe, or for budget, look again at what the answer said.
        self.limiter.answered.notify_waiters();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.answered && lock(&self.limiter.budget).forget(self.seq) {
            self.limiter.answered.notify_waiters();
        }
    }
}

impl Limiter {
    /// A pacer allowing `max_in_flight` requests at once and, if set, `per_second` starts a
    /// second with bursts of up to `burst`.
    pub fn new(max_in_flight: usize, per_second: Option<f64>, burst: u32) -> Self {
        let bucket = per_second.map(|rate| {
            Mutex::new(Bucket {
                rate,
                burst: f64::from(burst.max(1)),
                tokens: f64::from(burst.max(1)),
                updated: Instant::now(),
            })
        });
        Self {
            in_flight: Semaphore::new(max_in_flight.max(1)),
            max_in_flight: max_in_flight.max(1),
            bucket,
            budget: Mutex::new(Budget::default()),
            turns: Mutex::new(Turns::default()),
            answered: Notify::new(),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until a request may start, then holds a place in flight.
    pub async fn acquire(&self) -> Permit<'_> {
        let place = self.place_in_flight().await;
        self.wait_for_pause().await;
        self.wait_for_fixed_rate().await;
        let seq = self.reserve_budget().await;
        Permit {
            _place: place,
            limiter: self,
            seq,
            answered: false,
        }
    }

    /// Stops every request from starting for `wait`, for `reason`.
    pub fn pause_for(&self, wait: Duration, reason: &str) {
        let until = Instant::now() + wait;
        let mut paused = lock(&self.paused_until);
        if paused.as_ref().is_none_or(|(current, _)| *current < until) {
            *paused = Some((until, reason.to_owned()));
        }
    }

    async fn place_in_flight(&self) -> SemaphorePermit<'_> {
        if let Ok(permit) = self.in_flight.try_acquire() {
            return permit;
        }
        tracing::debug!(
            max_in_flight = self.max_in_flight,
            reason = "every place in flight is taken (A0SNAP_MAX_IN_FLIGHT)",
            "waiting before a request"
        );
        // The semaphore is never closed, so acquire cannot fail; fall back to waiting again.
        loop {
            if let Ok(permit) = self.in_flight.acquire().await {
                return permit;
            }
        }
    }

    async fn wait_for_fixed_rate(&self) {
        let Some(bucket) = &self.bucket else { return };
        let wait = lock(bucket).take(Instant::now());
        if !wait.is_zero() {
            log_wait(
                wait,
                "the request rate is capped (A0SNAP_REQUESTS_PER_SECOND)",
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes a token of the mirrored Auth0 bucket in turn, waiting for it if need be.
    async fn reserve_budget(&self) -> u64 {
        let ticket = {
            let mut turns = lock(&self.turns);
            turns.next += 1;
            Ticket {
                limiter: self,
                number: turns.next - 1,
            }
        };
        loop {
            let answered = self.answered.notified();
            tokio::pin!(answered);
            answered.as_mut().enable();
            if lock(&self.turns).serving != ticket.number {
                answered.await;
                continue;
            }
            let grant = lock(&self.budget).reserve(Instant::now());
            match grant {
                Grant::Go(seq) => {
                    drop(ticket);
                    return seq;
                }
                Grant::WaitUntil { at, reason } => {
                    log_wait(at.saturating_duration_since(Instant::now()), &reason);
                    // An answer meanwhile may show budget to spare: look again then.
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = answered => {}
                    }
                }
                Grant::WaitForProbe => {
                    tracing::debug!(
                        reason = "the first answer tells the tenant's rate limit",
                        "waiting before a request"
                    );
                    answered.await;
                }
            }
            self.wait_for_pause().await;
        }
    }

    async fn wait_for_pause(&self) {
        loop {
            let paused = lock(&self.paused_until).clone();
            match paused {
                Some((until, reason)) if until > Instant::now() => {
                    log_wait(until.saturating_duration_since(Instant::now()), &reason);
                    tokio::time::sleep_until(until).await;
                }
                _ => return,
            }
        }
    }
}

fn log_wait(wait: Duration, reason: &str) {
    tracing::debug!(
        wait_ms = wait.as_millis() as u64,
        reason,
        "waiting before a request"
    );
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[path = "tests/limiter.rs"]
mod tests;
