//! Parsing single setting values: the domain, durations, counts, rates, addresses, the secret
//! file. Each returns the message a user sees, naming the fix; the caller adds the variable.

use std::path::Path;
use std::time::Duration;

use url::Url;

use super::TokenCacheSetting;
use crate::http::loopback::is_loopback;
use crate::trigger::interval;
use secrecy::SecretString;

/// Reads a secret from a file (a Kubernetes secret volume), without its trailing newline.
pub(super) fn read_secret_file(path: &Path) -> Result<SecretString, String> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        format!(
            "cannot read {}: {error}; point it at a readable file holding the client secret",
            path.display()
        )
    })?;
    let secret = text.trim_end_matches(['\r', '\n']).trim();
    if secret.is_empty() {
        return Err(format!(
            "{} is empty; put the client secret in it",
            path.display()
        ));
    }
    Ok(SecretString::from(secret))
}

/// Turns a bare domain or a base URL into a base URL ending in `/`.
pub(crate) fn parse_domain(value: &str) -> Result<Url, String> {
    let value = value.trim();
    let text = if value.contains("://") {
        value.to_owned()
    } else {
        format!("https://{value}")
    };
    let url = Url::parse(&text).map_err(|error| {
        format!("{value:?} is not a domain or URL ({error}); use e.g. acme.eu.auth0.com or https://acme.eu.auth0.com")
    })?;
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("{value:?} has no host; use e.g. acme.eu.auth0.com"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "{value:?} uses plain http, which is allowed only for loopback hosts; use https://{host}"
            ));
        }
        other => return Err(format!("{value:?} has scheme {other:?}; use https://")),
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(format!(
            "{value:?} must be a plain domain or base URL, without credentials, query or fragment"
        ));
    }
    if url.path() != "/" {
        return Err(format!(
            "{value:?} has a path; give only the domain, e.g. https://{host}"
        ));
    }
    Ok(url)
}

pub(super) fn parse_token_cache(value: Option<&str>) -> Result<TokenCacheSetting, String> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("file") => Ok(TokenCacheSetting::File),
        Some("memory") => Ok(TokenCacheSetting::Memory),
        Some(other) => Err(format!(
            "{other:?} is not a cache kind; use \"file\" or \"memory\""
        )),
    }
}

pub(super) fn parse_duration(value: Option<&str>, default: Duration) -> Result<Duration, String> {
    match value {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
            _ => interval::parse_every(text).map_err(|error| error.to_string()),
        },
    }
}

/// A duration, or `0` / `off` for none.
pub(super) fn parse_optional_duration(
    value: Option<&str>,
    default: Duration,
) -> Result<Option<Duration>, String> {
    match value.map(str::trim) {
        Some("0") | Some("off") => Ok(None),
        other => parse_duration(other, default).map(Some),
    }
}

/// A number of re-walks after a drift, 0 to 100.
pub(super) fn parse_rewalks(value: Option<&str>, default: u32) -> Result<u32, String> {
    parse_up_to_100(value, default, "2 (0 fails a job at the first drift)")
}

/// A number of retries, 0 to 100.
pub(super) fn parse_retries(value: Option<&str>, default: u32) -> Result<u32, String> {
    parse_up_to_100(value, default, "5 (0 turns retries off)")
}

/// A whole number from 0 to 100; `example` follows "use e.g." in the message.
fn parse_up_to_100(value: Option<&str>, default: u32, example: &str) -> Result<u32, String> {
    match value.map(str::trim) {
        None => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(count) if count <= 100 => Ok(count),
            _ => Err(format!(
                "{text:?} is not a whole number from 0 to 100; use e.g. {example}"
            )),
        },
    }
}

pub(super) fn parse_count(value: Option<&str>, default: usize) -> Result<usize, String> {
    match value.map(str::trim) {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(count) if (1..=1000).contains(&count) => Ok(count),
            _ => Err(format!("{text:?} is not a whole number from 1 to 1000")),
        },
    }
}

pub(super) fn parse_rate(value: Option<&str>) -> Result<Option<f64>, String> {
    match value.map(str::trim) {
        None | Some("0") => Ok(None),
        Some(text) => match text.parse::<f64>() {
            Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Some(rate)),
            _ => Err(format!(
                "{text:?} is not a positive number of requests per second (0 turns the limit off)"
            )),
        },
    }
}

pub(super) fn parse_metrics_addr(
    value: Option<&str>,
) -> Result<Option<std::net::SocketAddr>, String> {
    match value.map(str::trim) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            format!(
                "{text:?} is not an address; use host:port, e.g. 0.0.0.0:9464 or 127.0.0.1:9464"
            )
        }),
    }
}

/// `A0SNAP_PUSHGATEWAY_URL`: an `http` or `https` URL with a host; the message never shows the
/// value (it may hold a password).
pub(super) fn parse_pushgateway_url(
    value: Option<&secrecy::SecretString>,
) -> Result<Option<secrecy::SecretString>, String> {
    use secrecy::ExposeSecret as _;
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.expose_secret().trim();
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(Some(text.to_owned().into()))
        }
        _ => Err(
            "is not an http or https URL; give the Pushgateway's root, e.g. http://pushgateway:9091"
                .to_owned(),
        ),
    }
}
