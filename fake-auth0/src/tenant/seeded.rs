//! The seeded randomness behind generated tenants: ids shaped like Auth0's, ISO dates, and
//! picks from small word lists. Every generator takes a [`Gen`], so one seed gives one tenant.

use jiff::{SignedDuration, Timestamp};

/// The tenant domain generated records mention (hostnames, audiences, issuer).
pub const TENANT_DOMAIN: &str = "sandbox.fake-auth0.local";

/// 2024-01-08T09:00:00Z: generated records are dated around this instant, so the same seed
/// gives byte-identical records on every run.
const EPOCH_SECONDS: i64 = 1_704_704_400;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8] = b"0123456789abcdef";

/// A seeded source of ids, dates and picks.
#[derive(Debug)]
pub(super) struct Gen {
    rng: fastrand::Rng,
}

impl Gen {
    /// A generator whose output depends only on `seed`.
    pub(super) fn new(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// `n` characters from `alphabet`.
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.rng.usize(..alphabet.len())]))
            .collect()
    }

    /// `n` letters and digits, as in client ids (`n = 32`) and `rol_`/`org_` suffixes.
    pub(super) fn alnum(&mut self, n: usize) -> String {
        self.chars(ALNUM, n)
    }

    /// `n` lower-case hex digits, as in `auth0|` user ids and resource server ids.
    pub(super) fn hex(&mut self, n: usize) -> String {
        self.chars(HEX, n)
    }

    /// A 64-character client secret.
    pub(super) fn secret(&mut self) -> String {
        self.chars(SECRET_CHARS, 64)
    }

    /// A version 4 UUID, as in action ids and encryption key ids.
    pub(super) fn uuid(&mut self) -> String {
        let hex = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }

    /// `n` decimal digits, as in `google-oauth2|` user ids.
    pub(super) fn digits(&mut self, n: usize) -> String {
        self.chars(b"0123456789", n)
    }

    /// A uniformly chosen element.
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    /// An integer in `range`.
    pub(super) fn int(&mut self, range: std::ops::RangeInclusive<u64>) -> u64 {
        self.rng.u64(range)
    }

    /// True with probability `percent` / 100.
    pub(super) fn chance(&mut self, percent: u8) -> bool {
        self.rng.u8(..100) < percent
    }

    /// An instant up to `days` days before the generation epoch, to the millisecond.
    pub(super) fn past(&mut self, days: u64) -> Timestamp {
        let millis = self.rng.u64(..days.max(1) * 86_400_000);
        epoch() - SignedDuration::from_millis(i64::try_from(millis).unwrap_or(0))
    }
}

/// The instant generated data is centred on.
pub(super) fn epoch() -> Timestamp {
    Timestamp::from_second(EPOCH_SECONDS).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// An ISO 8601 date with milliseconds, as Auth0 writes them: `2024-01-08T09:00:00.000Z`.
pub(super) fn iso(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A name unique within a list: the base name, then `"{base} {n}"` once the list repeats.
pub(super) fn numbered(names: &[&str], index: usize) -> String {
    let base = names[index % names.len()];
    match index / names.len() {
        0 => base.to_owned(),
        round => format!("{base} {}", round + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let (mut a, mut b) = (Gen::new(7), Gen::new(7));
        assert_eq!(a.alnum(32), b.alnum(32));
        assert_eq!(a.uuid(), b.uuid());
        assert_ne!(Gen::new(8).alnum(32), Gen::new(7).alnum(32));
    }

    #[test]
    fn dates_look_like_auth0_dates() {
        assert_eq!(iso(epoch()), "2024-01-08T09:00:00.000Z");
        let uuid = Gen::new(1).uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
    }

    #[test]
    fn repeated_names_get_a_number() {
        let names = ["a", "b"];
        assert_eq!(numbered(&names, 1), "b");
        assert_eq!(numbered(&names, 2), "a 2");
        assert_eq!(numbered(&names, 5), "b 3");
    }
}
