//! One request pacer per process, shared by every job: a cap on requests in flight, an
//! optional token bucket on request starts, and a pause that every job honours when Auth0 says
//! the bucket is empty (`x-ratelimit-remaining: 0`) or answers 429.
//!
//! The aim is few 429s rather than many retries: when one job learns the tenant is out of
//! budget, all jobs wait, instead of each finding out with a 429 of its own.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// The pacer. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Limiter {
    /// Requests in flight; a permit is held from send until the body is read.
    in_flight: Semaphore,
    /// The token bucket on request starts, if a rate is set.
    bucket: Option<Mutex<Bucket>>,
    /// No request starts before this instant (set by 429s and empty-bucket headers).
    /// A std mutex: it is held only to read or raise an instant, never across an await.
    paused_until: Mutex<Option<Instant>>,
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

/// Holding this allows one request to be in flight.
#[derive(Debug)]
pub struct Permit<'a> {
    _permit: SemaphorePermit<'a>,
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
            bucket,
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until a request may start, then holds a place in flight.
    pub async fn acquire(&self) -> Permit<'_> {
        self.wait_for_pause().await;
        // The semaphore is never closed, so acquire cannot fail; fall back to waiting again.
        let permit = loop {
            if let Ok(permit) = self.in_flight.acquire().await {
                break permit;
            }
        };
        if let Some(bucket) = &self.bucket {
            let wait = lock(bucket).take(Instant::now());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        self.wait_for_pause().await;
        Permit { _permit: permit }
    }

    /// Stops every request from starting for `wait`.
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = lock(&self.paused_until);
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    async fn wait_for_pause(&self) {
        loop {
            let until = *lock(&self.paused_until);
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_allows_a_burst_then_paces_at_the_rate() {
        let limiter = Limiter::new(10, Some(2.0), 2);
        let start = Instant::now();
        for _ in 0..6 {
            drop(limiter.acquire().await);
        }
        // 2 at once, then 4 more at 2 per second.
        assert_eq!(start.elapsed().as_millis(), 2000);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_back_every_request_until_it_ends() {
        let limiter = Limiter::new(10, None, 1);
        limiter.pause_for(Duration::from_secs(3));
        limiter.pause_for(Duration::from_secs(1));
        let start = Instant::now();
        drop(limiter.acquire().await);
        assert_eq!(start.elapsed().as_secs(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_cap_are_in_flight() {
        let limiter = Limiter::new(2, None, 1);
        let first = limiter.acquire().await;
        let _second = limiter.acquire().await;
        let third = tokio::time::timeout(Duration::from_secs(1), limiter.acquire()).await;
        assert!(
            third.is_err(),
            "a third permit was granted while two were held"
        );
        drop(first);
        assert!(
            tokio::time::timeout(Duration::from_secs(1), limiter.acquire())
                .await
                .is_ok()
        );
    }
}
