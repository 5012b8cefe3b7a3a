//! Noticing that the wall clock stepped (NTP correction, a resumed VM, an operator's `date -s`):
//! the wall time that passed between two looks is compared with the monotonic time that did.
//!
//! Fire times are wall times (a cron schedule means the wall clock), but the daemon sleeps on
//! the monotonic clock; after a step the two disagree. This file only measures; the daemon
//! decides what a step means ([`super::daemon`]: after a forward step each overdue job runs
//! once, after a backward step every job's next time is computed again from the new "now").

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::time::Instant;

/// How often the daemon looks at both clocks.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(1);

/// A disagreement smaller than this is scheduling noise, not a step.
pub(crate) const TOLERANCE: SignedDuration = SignedDuration::from_secs(2);

/// A step of the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Jump {
    /// The wall clock moved this much further than the monotonic clock.
    Forward(SignedDuration),
    /// The wall clock went back this much behind where it had been.
    Backward(SignedDuration),
}

/// The last look at both clocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JumpDetector {
    /// The wall time at the last look.
    wall: Timestamp,
    /// The monotonic time at the last look.
    monotonic: Instant,
}

impl JumpDetector {
    /// Starts measuring from `wall` and `monotonic` (both "now").
    pub(crate) fn new(wall: Timestamp, monotonic: Instant) -> Self {
        Self { wall, monotonic }
    }

    /// Compares the time passed on each clock since the last look, and remembers this look.
    ///
    /// Forward: the wall clock moved more than [`TOLERANCE`] further than the monotonic one.
    /// Backward: the wall clock now reads more than [`TOLERANCE`] earlier than at the last
    /// look. A wall clock that merely stood still is neither (tests' clocks do).
    pub(crate) fn check(&mut self, wall: Timestamp, monotonic: Instant) -> Option<Jump> {
        let wall_passed = wall.duration_since(self.wall);
        let monotonic_passed =
            SignedDuration::try_from(monotonic.saturating_duration_since(self.monotonic))
                .unwrap_or(SignedDuration::MAX);
        *self = Self::new(wall, monotonic);
        if wall_passed < -TOLERANCE {
            Some(Jump::Backward(-wall_passed))
        } else if wall_passed - monotonic_passed > TOLERANCE {
            Some(Jump::Forward(wall_passed - monotonic_passed))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Timestamp {
        "2026-11-30T03:00:00Z".parse().expect("timestamp")
    }

    #[test]
    fn clocks_that_agree_or_a_wall_clock_that_stands_still_are_no_jump() {
        let at = Instant::now();
        let mut detector = JumpDetector::new(start(), at);
        let later = start() + SignedDuration::from_secs(60);
        assert_eq!(detector.check(later, at + Duration::from_secs(60)), None);
        assert_eq!(detector.check(later, at + Duration::from_secs(90)), None);
    }

    #[test]
    fn a_two_hour_step_either_way_is_measured() {
        let at = Instant::now();
        let mut detector = JumpDetector::new(start(), at);
        let hours = |n| SignedDuration::from_hours(n);
        assert_eq!(
            detector.check(start() + hours(2), at + Duration::from_secs(1)),
            Some(Jump::Forward(hours(2) - SignedDuration::from_secs(1)))
        );
        assert_eq!(
            detector.check(start(), at + Duration::from_secs(2)),
            Some(Jump::Backward(hours(2)))
        );
    }
}
