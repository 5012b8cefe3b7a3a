//! One request pacer per process, shared by every job: a cap on requests in flight, an
//! optional fixed rate (`A0SNAP_REQUESTS_PER_SECOND`), a mirror of each of Auth0's buckets
//! learned from the `x-ratelimit-*` headers ([`super::buckets`], [`super::budget`]), and a pause
//! after a 429 that every request to that bucket honours.
//!
//! The aim is few 429s rather than many retries: when one answer shows a bucket's budget
//! spent, every request to that bucket waits for the refill instead of each finding out with a
//! 429 of its own, while requests to other buckets go on. Every wait is logged at debug level
//! with its reason and bucket.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::buckets::{BucketKey, Buckets, family};
use super::budget::{Answer, Grant};
use crate::http::rate_limit::RateLimitState;

/// The pacer. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub(crate) struct Limiter {
    /// Requests in flight; a permit is held from send until the body is read.
    in_flight: Semaphore,
    /// The size of `in_flight`, for the log.
    max_in_flight: usize,
    /// The fixed rate on request starts, if one is set.
    bucket: Option<Mutex<Bucket>>,
    /// Auth0's buckets as the answers describe them, each with its queue and pause.
    /// A std mutex: it is held only for arithmetic, never across an await.
    buckets: Mutex<Buckets>,
    /// Woken when an answer arrives or a turn passes.
    answered: Notify,
}

/// A ticket in a bucket's queue; passes the turn on (or gives the ticket up) when dropped.
struct Ticket<'a> {
    limiter: &'a Limiter,
    key: BucketKey,
    number: u64,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        lock(&self.limiter.buckets)
            .lane(&self.key)
            .turns
            .finish(self.number);
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
pub(crate) struct Permit<'a> {
    _place: SemaphorePermit<'a>,
    limiter: &'a Limiter,
    /// The request's endpoint family.
    family: String,
    /// The bucket whose mirror granted it.
    key: BucketKey,
    seq: u64,
    answered: bool,
}

impl Permit<'_> {
    /// The answer came with `status`; `state` is its `x-ratelimit-*` headers.
    pub(crate) fn answered(mut self, state: Option<RateLimitState>, status: reqwest::StatusCode) {
        self.answered = true;
        let answer = if status.is_success() {
            Answer::Success
        } else if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            Answer::RateLimited
        } else {
            Answer::Other
        };
        lock(&self.limiter.buckets).observe(
            &self.family,
            &self.key,
            self.seq,
            state,
            answer,
            Instant::now(),
        );
        // Requests waiting for the probe, or for budget, look again at what the answer said.
        self.limiter.answered.notify_waiters();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.answered && lock(&self.limiter.buckets).forget(&self.key, self.seq) {
            self.limiter.answered.notify_waiters();
        }
    }
}

impl Limiter {
    /// A pacer allowing `max_in_flight` requests at once and, if set, `per_second` starts a
    /// second with bursts of up to `burst`.
    pub(crate) fn new(max_in_flight: usize, per_second: Option<f64>, burst: u32) -> Self {
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
            buckets: Mutex::default(),
            answered: Notify::new(),
        }
    }

    /// Waits until a request to `path` (below the base URL: `/api/v2/clients`) may start,
    /// then holds a place in flight.
    ///
    /// A place in flight is held only while the request may go: a request waiting for its
    /// bucket's budget, pause or probe gives its place back, so a paced job on one bucket
    /// cannot keep a job on another bucket from starting (scenario f of the bench).
    pub(crate) async fn acquire(&self, path: &str) -> Permit<'_> {
        let family = family(path);
        let place = self.place_in_flight().await;
        self.wait_for_fixed_rate().await;
        let (key, seq, place) = self.reserve_budget(&family, place).await;
        Permit {
            _place: place,
            limiter: self,
            family,
            key,
            seq,
            answered: false,
        }
    }

    /// Stops every request to the bucket `path` draws on from starting for `wait`, for
    /// `reason`. Call it after the answer that asked for it went to [`Permit::answered`], so
    /// that the bucket is the one that answer described.
    pub(crate) fn pause_for(&self, path: &str, wait: Duration, reason: &str) {
        let until = Instant::now() + wait;
        let mut buckets = lock(&self.buckets);
        let key = buckets.key_of(&family(path));
        let paused = &mut buckets.lane(&key).paused_until;
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
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                reason = "the request rate is capped (A0SNAP_REQUESTS_PER_SECOND)",
                "waiting before a request"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes a token of the mirror of `family`'s bucket in turn, waiting for it (and for the
    /// bucket's pause) if need be; the bucket, the request's sequence number and its place in
    /// flight. `place` is given back during every wait and taken again when the turn comes, so
    /// that a token is only ever reserved by a request holding a place.
    async fn reserve_budget<'a>(
        &'a self,
        family: &str,
        place: SemaphorePermit<'a>,
    ) -> (BucketKey, u64, SemaphorePermit<'a>) {
        let mut place = Some(place);
        'placed: loop {
            let ticket = {
                let mut buckets = lock(&self.buckets);
                let key = buckets.key_of(family);
                let number = buckets.lane(&key).turns.take();
                Ticket {
                    limiter: self,
                    key,
                    number,
                }
            };
            loop {
                let answered = self.answered.notified();
                tokio::pin!(answered);
                answered.as_mut().enable();
                let wait = {
                    let mut buckets = lock(&self.buckets);
                    if buckets.key_of(family) != ticket.key {
                        // An answer placed the family in another bucket: queue there.
                        continue 'placed;
                    }
                    let now = Instant::now();
                    let lane = buckets.lane(&ticket.key);
                    if lane.turns.serving != ticket.number {
                        Step::NotOurTurn
                    } else if let Some((until, reason)) =
                        lane.paused_until.clone().filter(|(until, _)| *until > now)
                    {
                        Step::Budget(Grant::WaitUntil { at: until, reason })
                    } else if place.is_none() {
                        Step::TakePlace
                    } else {
                        Step::Budget(buckets.reserve(&ticket.key, now))
                    }
                };
                if !matches!(wait, Step::TakePlace | Step::Budget(Grant::Go(_))) {
                    // Waiting: give the place back to requests that may go.
                    place = None;
                }
                match wait {
                    Step::NotOurTurn => answered.await,
                    // Our turn, but the place was given back during a wait: take one, then
                    // look at the bucket again (time has passed).
                    Step::TakePlace => place = Some(self.place_in_flight().await),
                    Step::Budget(Grant::Go(seq)) => {
                        let key = ticket.key.clone();
                        drop(ticket);
                        if let Some(place) = place {
                            return (key, seq, place);
                        }
                        // Unreachable: a token is reserved only while a place is held.
                        continue 'placed;
                    }
                    Step::Budget(Grant::WaitUntil { at, reason }) => {
                        log_wait(
                            at.saturating_duration_since(Instant::now()),
                            &reason,
                            &ticket.key,
                        );
                        // An answer meanwhile may show budget to spare: look again then.
                        tokio::select! {
                            () = tokio::time::sleep_until(at) => {}
                            () = answered => {}
                        }
                    }
                    Step::Budget(Grant::WaitForProbe) => {
                        tracing::debug!(
                            bucket = %ticket.key,
                            reason = "the first answer tells the bucket's rate limit",
                            "waiting before a request"
                        );
                        answered.await;
                    }
                }
            }
        }
    }
}

/// What a request at a bucket's queue does next.
enum Step {
    /// Others are ahead in the bucket's queue: wait for an answer or a turn to pass.
    NotOurTurn,
    /// Its turn, without a place in flight: take one.
    TakePlace,
    /// Its turn, with a place: what the bucket's mirror (or pause) says.
    Budget(Grant),
}

fn log_wait(wait: Duration, reason: &str, bucket: &BucketKey) {
    tracing::debug!(
        wait_ms = wait.as_millis() as u64,
        reason,
        %bucket,
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
