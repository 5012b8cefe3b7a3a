//! The secret-field vocabulary shared by the snapshot writers and the API client's error
//! messages: which object keys hold secrets, what their values become once hidden, and a fast
//! check that a JSON text holds none of them. A leaf: it depends on nothing else in a0snap.
//!
//! The check first looks for marker substrings that every secret key contains, then checks
//! each hit in place: only a hit inside an object key (a string followed by `:`) that is a
//! secret name, or that holds escapes, counts. So `"Username-Password-Authentication"` as a
//! value costs a few comparisons, not a parse.

/// What the value of a secret field becomes once hidden.
pub const REDACTED: &str = "[REDACTED]";

/// Keys that always hold secrets (client credentials, keys, tokens, passwords).
const SECRET_NAMES: &[&str] = &[
    "client_secret",
    "client_secret_jwt",
    "clientSecret",
    "secret",
    "signing_keys",
    "encryption_key",
    "private_key",
    "privateKey",
    "decryptionKey",
    "password",
    "twilio_token",
    "api_key",
    "apiKey",
    "access_token",
    "refresh_token",
    "smtp_pass",
    "secretAccessKey",
    "httpAuthorization",
    "splunkToken",
    "datadogApiKey",
    "segmentWriteKey",
];

/// Key endings that mark a secret (`app_secret`, `consumerSecret`).
const SECRET_SUFFIXES: &[&str] = &["_secret", "Secret"];

/// Substrings, one of which every secret key contains; `\u` because an escaped key could spell
/// a secret name without containing it literally.
const MARKERS: &[&str] = &[
    "ecret",
    "assword",
    "_key",
    "Key",
    "_token",
    "Token",
    "smtp_pass",
    "Authorization",
    "\\u",
];

/// Whether an object key names a secret field.
pub fn is_secret_key(key: &str) -> bool {
    SECRET_NAMES.contains(&key) || SECRET_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
}

/// Whether `json` might hold a secret key; `false` means it certainly holds none.
pub(crate) fn may_hold_secrets(json: &str) -> bool {
    let bytes = json.as_bytes();
    MARKERS.iter().any(|marker| {
        json.contains(marker)
            && json
                .match_indices(marker)
                .any(|(at, _)| key_may_be_secret(bytes, at))
    })
}

/// Whether the string holding byte `at` is an object key that is secret or might be (escapes).
///
/// Markers are letters, `_` and `\`, which only occur inside strings in JSON, and never start
/// in the middle of an escape that could hide a quote, so scanning from `at` stays in step.
fn key_may_be_secret(bytes: &[u8], at: usize) -> bool {
    let Some(end) = closing_quote(bytes, at) else {
        return true;
    };
    let next = bytes[end + 1..]
        .iter()
        .find(|byte| !byte.is_ascii_whitespace());
    if next != Some(&b':') {
        return false; // a value, not a key
    }
    let Some(start) = opening_quote(bytes, at) else {
        return true;
    };
    let key = &bytes[start + 1..end];
    key.contains(&b'\\') || std::str::from_utf8(key).map_or(true, is_secret_key)
}

/// The index of the unescaped `"` that closes the string holding byte `from`.
fn closing_quote(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return Some(at),
            _ => at += 1,
        }
    }
    None
}

/// The index of the unescaped `"` that opens the string holding byte `from`.
fn opening_quote(bytes: &[u8], from: usize) -> Option<usize> {
    (0..from).rev().find(|&at| {
        let backslashes = bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        bytes[at] == b'"' && backslashes % 2 == 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_and_suffixes_are_recognised_but_similar_names_are_not() {
        for key in [
            "client_secret",
            "secret",
            "signing_keys",
            "twilio_token",
            "consumer_secret",
            "appSecret",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "password_history",
            "passwordPolicy",
            "secrets_count",
            "token_endpoint_auth_method",
            "name",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn every_secret_name_as_a_key_is_caught_by_the_fast_path() {
        for key in SECRET_NAMES.iter().chain(SECRET_SUFFIXES) {
            let object = format!(r#"{{"a":"b","{key}" : 1}}"#);
            assert!(may_hold_secrets(&object), "{key}");
        }
    }

    #[test]
    fn marker_words_in_values_or_harmless_keys_do_not_trigger_a_rewrite() {
        let plain = [
            r#"{"connection":"Username-Password-Authentication","d":"token \"secret\":"}"#,
            r#"{"password_history":{"enable":true},"secrets_count":2,"name":"caf\u00e9"}"#,
            r#"["secret", "api_key"]"#,
        ];
        for json in plain {
            assert!(!may_hold_secrets(json), "{json}");
        }
        let secret = [
            r#"{"x":{"password" :"p"}}"#,
            r#"{"pass\u0077ord":"p"}"#,
            r#"{"a\\":1,"secret":2}"#,
        ];
        for json in secret {
            assert!(may_hold_secrets(json), "{json}");
        }
    }
}
