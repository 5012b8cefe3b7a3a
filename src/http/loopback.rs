//! Whether a URL's host is this machine: the one case where a0snap talks plain http (a test
//! tenant, a local TLS-terminating proxy, an export file served on loopback). Everything else
//! must be https. A leaf: it depends on nothing else in a0snap.

use std::net::IpAddr;

use url::Url;

/// Whether `url`'s host is `localhost` or a loopback address (`127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback(text: &str) -> bool {
        is_loopback(&Url::parse(text).expect("url"))
    }

    #[test]
    fn localhost_and_loopback_addresses_are_loopback_and_nothing_else_is() {
        assert!(loopback("http://localhost:1/"));
        assert!(loopback("http://LOCALHOST/"));
        assert!(loopback("http://127.0.0.1:8080/"));
        assert!(loopback("http://127.9.9.9/"));
        assert!(loopback("http://[::1]:1/"));
        assert!(!loopback("http://acme.eu.auth0.com/"));
        assert!(!loopback("http://localhost.acme.com/"));
        assert!(!loopback("http://10.0.0.1/"));
    }
}
