//! When a token counts as stale: once less than min(`max_margin`, `fraction` x lifetime)
//! remains, so a token handed to a script or a long export still has time to be used.
//!
//! A pure function of the instants it is given; the cache passes its injected clock's "now".

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// How early a token is renewed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StalePolicy {
    /// Renew at the latest this long before expiry (5 minutes).
    pub max_margin: Duration,
    /// Renew once less than this share of the lifetime remains (0.5), for short-lived tokens.
    pub fraction: f64,
}

impl Default for StalePolicy {
    fn default() -> Self {
        Self {
            max_margin: Duration::from_secs(5 * 60),
            fraction: 0.5,
        }
    }
}

impl StalePolicy {
    /// The margin for a token of this lifetime: min(`max_margin`, `fraction` x lifetime).
    pub(crate) fn margin(&self, lifetime: SignedDuration) -> SignedDuration {
        if lifetime <= SignedDuration::ZERO {
            return SignedDuration::ZERO;
        }
        let fraction = if self.fraction.is_nan() {
            0.0
        } else {
            self.fraction.clamp(0.0, 1.0)
        };
        let share = SignedDuration::try_from_secs_f64(lifetime.as_secs_f64() * fraction)
            .unwrap_or(SignedDuration::ZERO);
        let cap = SignedDuration::try_from(self.max_margin).unwrap_or(SignedDuration::MAX);
        share.min(cap)
    }
}

/// Whether a token issued at `issued_at` and expiring at `expires_at` should be renewed at
/// `now`: it has expired, it never was valid, less than the policy's margin remains, or `now`
/// is more than `max_margin` before `issued_at`.
///
/// All three are wall times, since Auth0's `expires_in` means the wall clock. The last rule is
/// for a wall clock stepped back after the token was issued (NTP correction, VM resume): the
/// token's real remaining lifetime is then unknown, so it is renewed rather than trusted for up
/// to the size of the step past its real expiry. A smaller step back is within clock noise.
pub(crate) fn is_stale(
    now: Timestamp,
    issued_at: Timestamp,
    expires_at: Timestamp,
    policy: &StalePolicy,
) -> bool {
    let remaining = expires_at.duration_since(now);
    if remaining <= SignedDuration::ZERO || expires_at <= issued_at {
        return true;
    }
    let step_back = issued_at.duration_since(now);
    if step_back > SignedDuration::try_from(policy.max_margin).unwrap_or(SignedDuration::MAX) {
        return true;
    }
    remaining < policy.margin(expires_at.duration_since(issued_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    fn start() -> Timestamp {
        "2026-11-28T10:00:00Z".parse().expect("timestamp")
    }

    /// Whether a token of `lifetime_ms` is stale `after_ms` after it was issued.
    fn stale_after(lifetime_ms: i64, after_ms: i64, policy: &StalePolicy) -> bool {
        let clock = ManualClock::new(start());
        let issued_at = clock.now();
        let expires_at = issued_at
            .checked_add(SignedDuration::from_millis(lifetime_ms))
            .expect("expiry");
        clock.advance(SignedDuration::from_millis(after_ms));
        is_stale(clock.now(), issued_at, expires_at, policy)
    }

    #[test]
    fn tokens_are_renewed_at_the_smaller_of_five_minutes_and_half_their_lifetime() {
        let policy = StalePolicy::default();
        let day = 86_400_000;
        // (lifetime, elapsed, stale?)
        let table = [
            (day, 0, false),
            (day, day / 2, false),
            (day, day - 300_001, false),
            (day, day - 300_000, false),
            (day, day - 299_999, true),
            (day, day, true),
            (day, day + 3_600_000, true),
            (60_000, 0, false),
            (60_000, 29_000, false),
            (60_000, 30_000, false),
            (60_000, 30_001, true),
            (60_000, 60_000, true),
            (2_000, 0, false),
            (2_000, 1_000, false),
            (2_000, 1_500, true),
            (2_000, 2_000, true),
        ];
        for (lifetime, elapsed, expected) in table {
            assert_eq!(
                stale_after(lifetime, elapsed, &policy),
                expected,
                "lifetime {lifetime} ms, {elapsed} ms after issue"
            );
        }
    }

    #[test]
    fn the_margin_is_settable() {
        let policy = StalePolicy {
            max_margin: Duration::from_secs(60),
            fraction: 0.1,
        };
        assert!(!stale_after(86_400_000, 86_340_000, &policy));
        assert!(stale_after(86_400_000, 86_340_001, &policy));
        assert!(!stale_after(60_000, 54_000, &policy));
        assert!(stale_after(60_000, 54_001, &policy));
    }

    #[test]
    fn a_clock_that_went_back_does_not_make_a_token_stale() {
        assert!(!stale_after(86_400_000, -60_000, &StalePolicy::default()));
    }

    #[test]
    fn a_token_cached_before_a_two_hour_step_either_way_is_renewed() {
        let policy = StalePolicy::default();
        let hour = 3_600_000;
        assert!(!stale_after(86_400_000, 2 * hour, &policy));
        assert!(stale_after(hour, 2 * hour, &policy), "forward");
        assert!(stale_after(86_400_000, -2 * hour, &policy), "backward");
        assert!(
            !stale_after(86_400_000, -300_000, &policy),
            "within the margin"
        );
    }

    #[test]
    fn a_token_that_expires_before_it_was_issued_is_stale() {
        assert!(stale_after(-1_000, -5_000, &StalePolicy::default()));
        assert!(stale_after(0, 0, &StalePolicy::default()));
    }

    #[test]
    fn odd_fractions_are_clamped() {
        let lifetime = SignedDuration::from_secs(100);
        let nan = StalePolicy {
            fraction: f64::NAN,
            ..StalePolicy::default()
        };
        let big = StalePolicy {
            fraction: 7.0,
            max_margin: Duration::MAX,
        };
        assert_eq!(nan.margin(lifetime), SignedDuration::ZERO);
        assert_eq!(big.margin(lifetime), lifetime);
    }
}
