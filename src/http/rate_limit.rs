//! What an answer's headers say about waiting: `Retry-After`, Auth0's `x-ratelimit-*`.
//!
//! Read by the one retry loop's callers ([`super::retry`]) and by the pacer. It decides delays
//! only: it sends nothing and sleeps nowhere, so every rule here is a pure function tested
//! without a clock. Auth0's rate-limit answers can carry a reset equal to "now" for a burst limit, so a
//! reset-derived wait gets 25 % padding and a floor of one second (as go-auth0 #501 learned).

use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;

/// The shortest wait a rate-limit reset can produce.
pub(crate) const RESET_FLOOR: Duration = Duration::from_secs(1);

/// Where a wait before a retry came from, for the debug log and for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitSource {
    /// The answer's `Retry-After` header.
    RetryAfter,
    /// The answer's `x-ratelimit-reset` header, padded.
    RateLimitReset,
    /// Exponential backoff with jitter.
    Backoff,
}

impl WaitSource {
    /// A short phrase for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            WaitSource::RetryAfter => "Retry-After",
            WaitSource::RateLimitReset => "x-ratelimit-reset (+25 %, at least 1 s)",
            WaitSource::Backoff => "backoff with jitter",
        }
    }
}

/// The wait a 429 asks for and where it came from: `Retry-After`, else the padded reset, else
/// `None` (use backoff). Either is at least [`RESET_FLOOR`], so a 429 is never retried at once.
/// The one rule for the token exchange and the Management API client alike.
pub(crate) fn rate_limited_wait(
    headers: &HeaderMap,
    now: Timestamp,
) -> Option<(Duration, WaitSource)> {
    if let Some(wait) = retry_after(headers, now) {
        return Some((wait.max(RESET_FLOOR), WaitSource::RetryAfter));
    }
    ratelimit_reset(headers, now).map(|wait| (wait, WaitSource::RateLimitReset))
}

/// What one answer's `x-ratelimit-*` headers say of the tenant's bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateLimitState {
    /// `x-ratelimit-limit`: the bucket's size.
    pub limit: u64,
    /// `x-ratelimit-remaining`: requests left after this one.
    pub remaining: u64,
    /// Time until `x-ratelimit-reset`, unpadded (zero when it is now or past).
    pub reset_in: Duration,
}

/// The `x-ratelimit-*` headers of an answer, when all three are there and numeric.
pub(crate) fn ratelimit_state(headers: &HeaderMap, now: Timestamp) -> Option<RateLimitState> {
    let limit = header_u64(headers, "x-ratelimit-limit")?;
    let remaining = header_u64(headers, "x-ratelimit-remaining")?;
    let epoch = header_u64(headers, "x-ratelimit-reset")?;
    let at = Timestamp::from_second(i64::try_from(epoch).ok()?).ok()?;
    Some(RateLimitState {
        limit,
        remaining: remaining.min(limit),
        reset_in: crate::clock::until(now, at),
    })
}

/// How long a `Retry-After` header asks to wait: delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(crate::clock::until(now, at))
}

/// How long until `x-ratelimit-reset` (epoch seconds), padded by a quarter and at least
/// [`RESET_FLOOR`], so a reset equal to "now" does not turn into a busy loop.
pub(crate) fn ratelimit_reset(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let epoch = header_u64(headers, "x-ratelimit-reset")?;
    let at = Timestamp::from_second(i64::try_from(epoch).ok()?).ok()?;
    let wait = crate::clock::until(now, at);
    Some((wait + wait / 4).max(RESET_FLOOR))
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).expect("timestamp")
    }

    #[test]
    fn retry_after_in_seconds_is_taken_as_is() {
        let wait = retry_after(&headers(&[("retry-after", "7")]), at(1_000));
        assert_eq!(wait, Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_as_an_http_date_is_measured_from_now() {
        let now: Timestamp = "2026-11-28T10:00:00Z".parse().expect("ts");
        let wait = retry_after(
            &headers(&[("retry-after", "Sat, 28 Nov 2026 10:00:03 GMT")]),
            now,
        );
        assert_eq!(wait, Some(Duration::from_secs(3)));
    }

    #[test]
    fn a_reset_equal_to_now_still_waits_the_floor() {
        let wait = ratelimit_reset(&headers(&[("x-ratelimit-reset", "1000")]), at(1_000));
        assert_eq!(wait, Some(RESET_FLOOR));
    }

    #[test]
    fn a_reset_in_the_future_is_padded_by_a_quarter() {
        let wait = ratelimit_reset(&headers(&[("x-ratelimit-reset", "1004")]), at(1_000));
        assert_eq!(wait, Some(Duration::from_secs(5)));
    }

    #[test]
    fn retry_after_wins_over_the_reset_header() {
        let map = headers(&[("retry-after", "2"), ("x-ratelimit-reset", "1100")]);
        assert_eq!(
            rate_limited_wait(&map, at(1_000)),
            Some((Duration::from_secs(2), WaitSource::RetryAfter))
        );
    }

    #[test]
    fn a_429_wait_names_its_source_and_is_never_shorter_than_the_floor() {
        let map = headers(&[("retry-after", "0"), ("x-ratelimit-reset", "1100")]);
        assert_eq!(
            rate_limited_wait(&map, at(1_000)),
            Some((RESET_FLOOR, WaitSource::RetryAfter))
        );
        let map = headers(&[("x-ratelimit-reset", "1000")]);
        assert_eq!(
            rate_limited_wait(&map, at(1_000)),
            Some((RESET_FLOOR, WaitSource::RateLimitReset))
        );
        assert_eq!(rate_limited_wait(&HeaderMap::new(), at(1_000)), None);
    }

    #[test]
    fn the_rate_limit_headers_are_read_together_or_not_at_all() {
        let map = headers(&[
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", "49"),
            ("x-ratelimit-reset", "1002"),
        ]);
        assert_eq!(
            ratelimit_state(&map, at(1_000)),
            Some(RateLimitState {
                limit: 50,
                remaining: 49,
                reset_in: Duration::from_secs(2)
            })
        );
        let past = headers(&[
            ("x-ratelimit-limit", "2"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "990"),
        ]);
        assert_eq!(
            ratelimit_state(&past, at(1_000)).map(|state| state.reset_in),
            Some(Duration::ZERO)
        );
        let partial = headers(&[("x-ratelimit-remaining", "0")]);
        assert_eq!(ratelimit_state(&partial, at(1_000)), None);
    }
}
