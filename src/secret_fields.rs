//! The secret-field vocabulary shared by the snapshot writers and the API client's error
//! messages: which object keys hold secrets, when their values are hidden, what they become
//! once hidden, and a fast check that a JSON text holds none of them. A leaf: it depends on
//! nothing else in a0snap, and it decides nothing about where the JSON comes from or goes.
//!
//! Redaction goes by what a value is, not only by its name (issue 11, item 7). Auth0 reuses
//! secret-sounding names for settings: a client's `refresh_token` is its rotation and expiry
//! policy (`{"rotation_type":"non-rotating","token_lifetime":2592000,...}` in every recorded
//! client of `TestAccDataClients.yaml`), a database connection's
//! `options.authentication_methods.password` is `{"enabled":true,"api_behavior":"required"}`
//! (`TestAccConnectionOptionsAttrEmail.yaml`), and `jwt_configuration.secret_encoded` is a
//! boolean. So a [`Secrecy::Secret`] name hides a string or a number and is walked through when
//! it holds an object or an array, while only [`Secrecy::KeyMaterial`] (a client's
//! `signing_keys` and `encryption_key`, a SAML connection's `signing_key` and `decryptionKey`,
//! private keys) is hidden whole. `null` and booleans are never secret.
//!
//! The check first looks for marker substrings that every secret key contains, then checks
//! each hit in place: only a hit inside an object key (a string followed by `:`) that is a
//! secret name, or that holds escapes, counts. So `"Username-Password-Authentication"` as a
//! value costs a few comparisons, not a parse.

/// What the value of a secret field becomes once hidden.
pub const REDACTED: &str = "[REDACTED]";

/// What a field's name says about its value, and so when the value is hidden.
///
/// The items of an array are judged with the secrecy of the array's field (a list of strings
/// under `password` is a list of passwords); the fields of an object are judged by their own
/// names (`refresh_token.token_lifetime` is a number of seconds, not a token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Secrecy {
    /// An ordinary field: its value is kept, and walked for secret fields inside.
    Plain,
    /// A secret name (`client_secret`, `signing_secret`, `password`, `refresh_token`, ...):
    /// a string or number under it is hidden; an object or array is walked; `null` and
    /// booleans are kept.
    Secret,
    /// Key material (`signing_keys`, `encryption_key`, `signing_key`, `private_key`, ...):
    /// hidden whole, object, array or string alike; `null` and booleans are kept.
    KeyMaterial,
}

impl Secrecy {
    /// Whether a field of this secrecy holding `value` (JSON text, possibly padded or cut
    /// short: only its first byte counts) is replaced with [`REDACTED`]. Text cut before the
    /// value starts is hidden, since it cannot be told apart from a secret.
    pub(crate) fn hides(self, value: &str) -> bool {
        let first = value.trim_start().bytes().next();
        match self {
            Secrecy::Plain => false,
            Secrecy::Secret => !matches!(first, Some(b'{' | b'[' | b'n' | b't' | b'f')),
            Secrecy::KeyMaterial => !matches!(first, Some(b'n' | b't' | b'f')),
        }
    }
}

/// Keys whose whole value is key material: a client's `signing_keys` (`[{cert, pkcs7,
/// subject}]`) and `encryption_key` (`{pub, cert, subject}`) as the Management API's clients
/// reference lists them, a SAML connection's `signing_key` and `decryptionKey` (`{key, cert}`,
/// the key private), and private keys. Certificates and public keys elsewhere (`/keys/signing`'s
/// `cert` and `pkcs7`, `/keys/encryption`'s `public_key`) are public and kept.
const KEY_MATERIAL_NAMES: &[&str] = &[
    "signing_keys",
    "signing_key",
    "encryption_key",
    "private_key",
    "privateKey",
    "decryptionKey",
];

/// Keys that name secrets (client credentials, tokens, passwords, API keys).
const SECRET_NAMES: &[&str] = &[
    "client_secret",
    "client_secret_jwt",
    "clientSecret",
    "secret",
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
    "sasKey",
    "masterkey",
];

/// Key endings that mark a secret (`app_secret`, `signing_secret`, `consumerSecret`; a log
/// stream's `mixpanelServiceAccountPassword`, an addon's `servicePassword` or
/// `storageAccessKey`, a custom database's `DB_PASSWORD`).
const SECRET_SUFFIXES: &[&str] = &[
    "_secret",
    "Secret",
    "Password",
    "_PASSWORD",
    "AccessKey",
    "_access_key",
];

/// Substrings, one of which every secret key contains; `\u` because an escaped key could spell
/// a secret name without containing it literally.
const MARKERS: &[&str] = &[
    "ecret",
    "assword",
    "ASSWORD",
    "masterkey",
    "_key",
    "Key",
    "_token",
    "Token",
    "smtp_pass",
    "Authorization",
    "\\u",
];

/// What an object key says about its value.
pub(crate) fn secrecy(key: &str) -> Secrecy {
    if KEY_MATERIAL_NAMES.contains(&key) {
        Secrecy::KeyMaterial
    } else if SECRET_NAMES.contains(&key)
        || SECRET_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
    {
        Secrecy::Secret
    } else {
        Secrecy::Plain
    }
}

/// Whether an object key names a secret or key material (whose value may still be kept, see
/// [`Secrecy::hides`]).
pub(crate) fn is_secret_key(key: &str) -> bool {
    secrecy(key) != Secrecy::Plain
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
    fn a_secret_name_hides_strings_and_numbers_but_key_material_hides_every_container() {
        assert_eq!(secrecy("refresh_token"), Secrecy::Secret);
        assert_eq!(secrecy("signing_secret"), Secrecy::Secret);
        assert_eq!(secrecy("signing_keys"), Secrecy::KeyMaterial);
        assert_eq!(secrecy("signing_key"), Secrecy::KeyMaterial);
        assert_eq!(secrecy("token_lifetime"), Secrecy::Plain);
        for value in [r#""s3cr3t""#, " 42", "-1.5", ""] {
            assert!(Secrecy::Secret.hides(value), "{value}");
            assert!(Secrecy::KeyMaterial.hides(value), "{value}");
        }
        for value in [r#"{"token_lifetime":1}"#, " [\"a\"]"] {
            assert!(!Secrecy::Secret.hides(value), "{value}");
            assert!(Secrecy::KeyMaterial.hides(value), "{value}");
        }
        for value in ["null", "true", " false"] {
            assert!(!Secrecy::Secret.hides(value), "{value}");
            assert!(!Secrecy::KeyMaterial.hides(value), "{value}");
        }
        assert!(!Secrecy::Plain.hides(r#""s""#));
    }

    #[test]
    fn every_secret_name_as_a_key_is_caught_by_the_fast_path() {
        for key in SECRET_NAMES
            .iter()
            .chain(KEY_MATERIAL_NAMES)
            .chain(SECRET_SUFFIXES)
        {
            let object = format!(r#"{{"a":"b","{key}" : 1}}"#);
            assert!(may_hold_secrets(&object), "{key}");
        }
    }

    #[test]
    fn secret_names_of_log_streams_addons_and_custom_databases_are_secret() {
        for key in [
            "mixpanelServiceAccountPassword",
            "servicePassword",
            "storageAccessKey",
            "sasKey",
            "masterkey",
            "DB_PASSWORD",
        ] {
            assert_eq!(secrecy(key), Secrecy::Secret, "{key}");
            assert!(
                may_hold_secrets(&format!(r#"{{"{key}":"x"}}"#)),
                "{key} passes the quick scan"
            );
        }
        // A custom database's `customScripts.change_password` is the script's code.
        for key in [
            "password_history",
            "passwordless",
            "change_password",
            "key_id",
            "tokens_count",
        ] {
            assert_eq!(secrecy(key), Secrecy::Plain, "{key}");
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
