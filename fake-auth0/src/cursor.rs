//! Opaque `next` values for checkpoint paging.
//!
//! A value names the endpoint and the position of the next page, and carries a keyed checksum,
//! so a garbled or foreign value is refused with a 400. Every value contains `*`, `+`, `/` and
//! `=`: a client that sends it back without URL-encoding turns `+` into a space and is refused,
//! as it would be by Auth0 (whose recorded `next` values contain `*`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Bytes that base64-encode to `+/+/`, so every value needs URL-encoding.
const MARK: [u8; 3] = [0xFB, 0xFF, 0xBF];
const PREFIX: &str = "Fe26.2*";

/// Encodes and decodes checkpoint positions with a per-server key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursors {
    key: u64,
}

impl Cursors {
    /// Values made with one key are refused by another.
    pub(crate) fn new(key: u64) -> Self {
        Self { key }
    }

    /// The `next` value for the page of `endpoint` that starts at `offset`.
    pub(crate) fn encode(&self, endpoint: &str, offset: usize) -> String {
        let mut payload = MARK.to_vec();
        payload.extend_from_slice(format!("{endpoint}|{offset}|").as_bytes());
        while payload.len() % 3 != 1 {
            payload.push(b'.');
        }
        format!(
            "{PREFIX}{}*{:016x}",
            STANDARD.encode(&payload),
            self.tag(&payload)
        )
    }

    /// The offset a `from` value points at, if it is one of ours for this endpoint.
    pub(crate) fn decode(&self, endpoint: &str, value: &str) -> Option<usize> {
        let (encoded, tag) = value.strip_prefix(PREFIX)?.rsplit_once('*')?;
        let payload = STANDARD.decode(encoded).ok()?;
        if format!("{:016x}", self.tag(&payload)) != tag {
            return None;
        }
        let text = std::str::from_utf8(payload.strip_prefix(&MARK)?).ok()?;
        let mut parts = text.split('|');
        if parts.next()? != endpoint {
            return None;
        }
        parts.next()?.parse().ok()
    }

    /// FNV-1a over the key and the payload: enough to notice tampering in tests.
    fn tag(&self, payload: &[u8]) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.key.to_le_bytes().iter().chain(payload) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_round_trips_only_for_its_endpoint_and_key() {
        let cursors = Cursors::new(42);
        let next = cursors.encode("organizations", 150);
        assert_eq!(cursors.decode("organizations", &next), Some(150));
        assert_eq!(cursors.decode("connections", &next), None);
        assert_eq!(Cursors::new(43).decode("organizations", &next), None);
    }

    #[test]
    fn every_value_needs_url_encoding() {
        let cursors = Cursors::new(1);
        for offset in [0, 1, 50, 12345] {
            let next = cursors.encode("roles", offset);
            assert!(
                ["*", "+", "/", "="].iter().all(|c| next.contains(c)),
                "{next}"
            );
        }
    }

    #[test]
    fn a_value_sent_without_encoding_is_refused() {
        let cursors = Cursors::new(1);
        let next = cursors.encode("roles", 50);
        assert_eq!(cursors.decode("roles", &next.replace('+', " ")), None);
        assert_eq!(cursors.decode("roles", "garbage"), None);
    }
}
