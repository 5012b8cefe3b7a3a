//! The clock, injected wherever a decision depends on "now" (token expiry, snapshot names,
//! fire times), so tests can set the time instead of sleeping.

use std::sync::Arc;

use jiff::Timestamp;

/// A source of the current time.
pub(crate) trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A shared handle to a clock.
pub(crate) type SharedClock = Arc<dyn Clock>;

/// The system clock as a [`SharedClock`].
pub(crate) fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// How long from `now` until `at`; zero when `at` is now or has passed. The one "time until"
/// of a0snap: retry waits, rate-limit resets, alarms and the daemon's watchdog all use it.
pub(crate) fn until(now: Timestamp, at: Timestamp) -> std::time::Duration {
    std::time::Duration::try_from(at.duration_since(now)).unwrap_or_default()
}

/// A clock that only moves when told to, for tests.
#[cfg(test)]
#[derive(Debug, Clone)]
pub(crate) struct ManualClock {
    /// The current instant; a std mutex because it is held for a copy, never across an await.
    now: Arc<std::sync::Mutex<Timestamp>>,
}

#[cfg(test)]
impl ManualClock {
    /// A clock stopped at `start`.
    pub(crate) fn new(start: Timestamp) -> Self {
        Self {
            now: Arc::new(std::sync::Mutex::new(start)),
        }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub(crate) fn advance(&self, by: jiff::SignedDuration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    /// Sets the clock to `at`.
    pub(crate) fn set(&self, at: Timestamp) {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
    }
}

#[cfg(test)]
impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_is_zero_once_the_instant_has_passed() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(until(now, now), std::time::Duration::ZERO);
        assert_eq!(
            until(now + std::time::Duration::from_secs(1), now),
            std::time::Duration::ZERO
        );
        assert_eq!(
            until(now, now + std::time::Duration::from_millis(1_500)),
            std::time::Duration::from_millis(1_500)
        );
    }
}
